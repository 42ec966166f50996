"""Genuine documents as other software signs them: another PKI (RSA, RSA-PSS,
ECDSA P-384/P-521, Ed25519), BER-encoded CMS, /adbe.pkcs7.detached, a CMS
without signed attributes, a certification signature followed by a form fill
at DocMDP P=2, two approval signatures; and documents that must never be
VALID: a document timestamp alone, an approval signature whose timestamp
comes from an untrusted TSA.

Called by make_corpus.py; `kit` carries its helpers (cert, name, sign, ...).
"""

import io
import re

from asn1crypto import cms as a_cms
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko_certvalidator.registry import SimpleCertificateStore


def rsa_key(bits=2048):
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


PSS_SHA256 = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)


def foreign_pki(kit):
    """A bank's PKI: an RSA root, an RSA-PSS issued leaf, an ECDSA P-384 CA,
    an Ed25519 CA. Leaves carry documentSigning and a subject serialNumber,
    as any seal cert does."""
    k = {}
    k["root_k"] = rsa_key(3072)
    k["root"] = kit.cert(kit.name("Bank of Test Root CA (foreign)"), k["root_k"], None, k["root_k"], ca=True,
                         hash_alg=hashes.SHA384())
    k["rsa_k"] = rsa_key(2048)
    k["rsa"] = kit.cert(kit.name("Foreign RSA signer", "F-RSA-2048"), k["rsa_k"], k["root"], k["root_k"],
                        eku=[kit.DOC_SIGNING])
    k["pss_k"] = rsa_key(2048)
    k["pss"] = kit.cert(kit.name("Foreign RSA-PSS signer", "F-PSS"), k["pss_k"], k["root"], k["root_k"],
                        eku=[kit.DOC_SIGNING], rsa_padding=PSS_SHA256)
    k["ec_ca_k"] = ec.generate_private_key(ec.SECP384R1())
    k["ec_ca"] = kit.cert(kit.name("Foreign ECDSA P-384 CA"), k["ec_ca_k"], k["root"], k["root_k"], ca=True,
                          hash_alg=hashes.SHA384())
    k["p384_k"] = ec.generate_private_key(ec.SECP384R1())
    k["p384"] = kit.cert(kit.name("Foreign P-384 signer", "F-P384"), k["p384_k"], k["ec_ca"], k["ec_ca_k"],
                         eku=[kit.DOC_SIGNING], hash_alg=hashes.SHA384())
    k["p521_k"] = ec.generate_private_key(ec.SECP521R1())
    k["p521"] = kit.cert(kit.name("Foreign P-521 signer", "F-P521"), k["p521_k"], k["ec_ca"], k["ec_ca_k"],
                         eku=[kit.DOC_SIGNING], hash_alg=hashes.SHA512())
    k["ed_ca_k"] = ed25519.Ed25519PrivateKey.generate()
    k["ed_ca"] = kit.cert(kit.name("Foreign Ed25519 CA"), k["ed_ca_k"], k["root"], k["root_k"], ca=True,
                          hash_alg=hashes.SHA256())
    k["ed_k"] = ed25519.Ed25519PrivateKey.generate()
    k["ed"] = kit.cert(kit.name("Foreign Ed25519 signer", "F-ED25519"), k["ed_k"], k["ed_ca"], k["ed_ca_k"],
                       eku=[kit.DOC_SIGNING], hash_alg=None)
    # A timestamp authority nobody trusts, its subject an HTML snippet.
    k["evil_tsa_k"] = ec.generate_private_key(ec.SECP256R1())
    k["evil_tsa"] = kit.cert(kit.name("<b>可信时间戳</b><script>alert(1)</script>"),
                             k["evil_tsa_k"], None, k["evil_tsa_k"],
                             eku=[ExtendedKeyUsageOID.TIME_STAMPING], eku_critical=True)
    return k


def sign_with(kit, pdf, cert, key, chain, *, field="Sig", md="sha256", pss=False, subfilter=SigSeedSubFilter.PADES,
              certify=False, perms=MDPPerm.FILL_FORMS, ts=None, bytes_reserved=None):
    signer = signers.SimpleSigner(signing_cert=kit.a_cert(cert), signing_key=kit.a_key(key),
                                  cert_registry=SimpleCertificateStore.from_certs([kit.a_cert(c) for c in chain]),
                                  prefer_pss=pss)
    meta = signers.PdfSignatureMetadata(field_name=field, subfilter=subfilter, md_algorithm=md, certify=certify,
                                        docmdp_permissions=perms)
    out = io.BytesIO()
    signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer, timestamper=ts, output=out,
                     bytes_reserved=bytes_reserved)
    return out.getvalue()


# --- CMS re-encodings --------------------------------------------------------

def _tlv(buf, pos):
    tag = buf[pos]
    l0 = buf[pos + 1]
    if l0 < 0x80:
        return tag, pos + 2, pos + 2 + l0
    n = l0 & 0x7F
    ln = int.from_bytes(buf[pos + 2:pos + 2 + n], "big")
    return tag, pos + 2 + n, pos + 2 + n + ln


def to_ber(der, keep_der=lambda path: False, path=()):
    """Re-encode DER with indefinite lengths on every constructed element,
    except where keep_der(path) (certificates are embedded as received)."""
    out = b""
    pos = 0
    i = 0
    while pos < len(der):
        tag, start, end = _tlv(der, pos)
        p = path + (i,)
        if tag & 0x20 and not keep_der(p):
            out += bytes([tag, 0x80]) + to_ber(der[start:end], keep_der, p) + b"\x00\x00"
        else:
            out += der[pos:end]
        pos = end
        i += 1
    return out


def contents_span(pdf):
    s = pdf.rindex(b"/Contents <") + len(b"/Contents ")
    return s, pdf.index(b">", s) + 1


def replace_contents(pdf, new_cms):
    s, e = contents_span(pdf)
    hexed = new_cms.hex().encode()
    room = e - s - 2
    assert len(hexed) <= room, (len(hexed), room)
    return pdf[:s + 1] + hexed + b"0" * (room - len(hexed)) + pdf[e - 1:]


def signed_bytes(pdf):
    br = [int(x) for x in re.findall(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)[-1]]
    return pdf[br[0]:br[0] + br[1]] + pdf[br[2]:br[2] + br[3]]


def cms_of(pdf):
    s, e = contents_span(pdf)
    raw = bytes.fromhex(pdf[s + 1:e - 1].decode())
    return a_cms.ContentInfo.load(raw, strict=False)


def without_signed_attrs(pdf, cert, key, md="sha256"):
    """Replace the CMS by one whose signer signed the content directly
    (RFC 5652 §5.4 without signedAttrs), as old signers do."""
    data = signed_bytes(pdf)
    sig = key.sign(data, padding.PKCS1v15(), getattr(hashes, md.upper())())
    ci = cms_of(pdf)
    sd = ci["content"]
    si = sd["signer_infos"][0]
    new_si = a_cms.SignerInfo({
        "version": si["version"], "sid": si["sid"], "digest_algorithm": si["digest_algorithm"],
        "signature_algorithm": {"algorithm": "rsassa_pkcs1v15"}, "signature": sig,
    })
    new_sd = a_cms.SignedData({
        "version": sd["version"], "digest_algorithms": sd["digest_algorithms"],
        "encap_content_info": {"content_type": "data"}, "certificates": sd["certificates"],
        "signer_infos": [new_si],
    })
    return replace_contents(pdf, a_cms.ContentInfo({"content_type": "signed_data", "content": new_sd}).dump())


def ber_cms(pdf):
    """The same CMS with indefinite lengths (ContentInfo, SignedData, the
    certificate set, the SignerInfo and its signed attributes), certificates
    kept as DER blobs: what several Java and Windows signers write."""
    s, e = contents_span(pdf)
    raw = bytes.fromhex(pdf[s + 1:e - 1].decode())
    _, start, end = _tlv(raw, 0)
    der = raw[:end]
    # path: (0=ContentInfo, 1=[0], 0=SignedData, 3=certificates [0], i=cert) -> keep certs as DER
    outer = {(0, 1, 0, 4, 0), (0, 1, 0, 4, 0, 3)}  # the SignerInfo and its signed attributes
    ber = to_ber(der, keep_der=lambda p: len(p) > 4 and p not in outer)
    assert ber != der
    return replace_contents(pdf, ber)


# --- documents ---------------------------------------------------------------

def form_pdf():
    """One page with a text field "Name" (merged widget), unsigned."""
    content = b"BT /F1 12 Tf 72 720 Td (Application for a business premises certificate) Tj ET"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [6 0 R] /DA (/Helv 0 Tf 0 g) "
        b"/DR << /Font << /Helv 5 0 R >> >> >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> /Annots [6 0 R] >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /FT /Tx /T (Name) /Type /Annot /Subtype /Widget /Rect [72 600 400 630] /P 3 0 R "
        b"/DA (/Helv 12 Tf 0 g) /F 4 >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, o in enumerate(objs, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + o + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
    return out.getvalue()


def fill_text_field(pdf, value):
    """Fill field "Name" (object 6) in an incremental update: /V and a new
    appearance stream, as a PDF viewer does."""
    w = IncrementalPdfFileWriter(io.BytesIO(pdf))
    ref = generic.IndirectObject(6, 0, w)
    field = ref.get_object()
    field["/V"] = generic.TextStringObject(value)
    ap = generic.StreamObject({generic.NameObject("/Type"): generic.NameObject("/XObject"),
                               generic.NameObject("/Subtype"): generic.NameObject("/Form"),
                               generic.NameObject("/BBox"): generic.ArrayObject(
                                   [generic.NumberObject(x) for x in (0, 0, 328, 30)])},
                              stream_data=b"/Tx BMC BT /Helv 12 Tf 2 10 Td (" + value.encode() + b") Tj ET EMC")
    field["/AP"] = generic.DictionaryObject({generic.NameObject("/N"): w.add_object(ap)})
    w.update_container(field)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def build(kit, base, trusted_timestamper):
    """Returns (files, trust roots PEM by name)."""
    k = foreign_pki(kit)
    rsa_chain, ec_chain, ed_chain = (k["root"],), (k["ec_ca"], k["root"]), (k["ed_ca"], k["root"])
    f = {}
    f["foreign_rsa2048.pdf"] = sign_with(kit, base, k["rsa"], k["rsa_k"], rsa_chain)
    f["foreign_rsa_pss.pdf"] = sign_with(kit, base, k["pss"], k["pss_k"], rsa_chain, pss=True, md="sha512")
    f["foreign_p384.pdf"] = sign_with(kit, base, k["p384"], k["p384_k"], ec_chain, md="sha384")
    f["foreign_p521.pdf"] = sign_with(kit, base, k["p521"], k["p521_k"], ec_chain, md="sha512")
    f["foreign_ed25519.pdf"] = sign_with(kit, base, k["ed"], k["ed_k"], ed_chain, md="sha512")
    f["foreign_adbe_pkcs7.pdf"] = sign_with(kit, base, k["rsa"], k["rsa_k"], rsa_chain,
                                            subfilter=SigSeedSubFilter.ADOBE_PKCS7_DETACHED)
    f["foreign_ber_cms.pdf"] = ber_cms(sign_with(kit, base, k["rsa"], k["rsa_k"], rsa_chain, bytes_reserved=16384))
    f["foreign_no_signed_attrs.pdf"] = without_signed_attrs(
        sign_with(kit, base, k["rsa"], k["rsa_k"], rsa_chain, subfilter=SigSeedSubFilter.ADOBE_PKCS7_DETACHED,
                  bytes_reserved=16384), k["rsa"], k["rsa_k"])
    certified = sign_with(kit, form_pdf(), k["p384"], k["p384_k"], ec_chain, md="sha384", certify=True,
                          perms=MDPPerm.FILL_FORMS, field="Certification")
    f["foreign_certified.pdf"] = certified
    f["foreign_certified_form_filled.pdf"] = fill_text_field(certified, "Zhang San")
    f["foreign_certified_filled_then_signed.pdf"] = sign_with(
        kit, f["foreign_certified_form_filled.pdf"], k["rsa"], k["rsa_k"], rsa_chain, field="Approval")
    f["foreign_two_approvals.pdf"] = sign_with(kit, f["foreign_rsa2048.pdf"], k["p384"], k["p384_k"], ec_chain,
                                               md="sha384", field="Sig2")
    # A certification at P=1 (no changes) followed by a form fill: a modification.
    locked = sign_with(kit, form_pdf(), k["p384"], k["p384_k"], ec_chain, md="sha384", certify=True,
                       perms=MDPPerm.NO_CHANGES, field="Certification")
    f["foreign_certified_p1_form_filled.pdf"] = fill_text_field(locked, "Zhang San")

    # Never VALID: a document timestamp alone (trusted TSA), and with a self-made TSA.
    f["doc_timestamp_only.pdf"] = kit.doc_timestamp(base, trusted_timestamper)
    evil = kit.timestamper_for(k["evil_tsa"], k["evil_tsa_k"])
    f["doc_timestamp_only_untrusted_tsa.pdf"] = kit.doc_timestamp(base, evil)
    f["untrusted_tsa_signature.pdf"] = kit.sign(base, kit.seal, kit.seal_k, ts=evil)
    roots = {"foreign_root.pem": kit.pem(k["root"]), "evil_tsa.pem": kit.pem(k["evil_tsa"])}
    return f, roots, [k["root"]]
