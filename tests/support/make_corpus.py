"""Build the verifier's test corpus with an independent signer (pyHanko).

Usage: python make_corpus.py OUT_DIR

Creates a throw-away test PKI (ECDSA P-256: root -> seal CA -> seal certs;
root -> TSA), signs small PDFs at every PAdES level, derives tampered
variants that need a PDF writer (incremental updates), and records
pyHanko's own verdict on every file in OUT_DIR/pyhanko.json. Keys live only
in OUT_DIR (a temporary directory of the test run); nothing is committed.
"""

import datetime as dt
import io
import json
import os
import re
import sys

from asn1crypto import keys as a_keys
from asn1crypto import x509 as a_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
DAY = dt.timedelta(days=1)
DOC_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")


def key():
    return ec.generate_private_key(ec.SECP256R1())


def name(cn, serial=None):
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"), x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if serial:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    return x509.Name(attrs)


def cert(subject, subject_key, issuer, issuer_key, *, ca=False, eku=None, eku_critical=False,
         not_before=None, not_after=None, hash_alg=hashes.SHA256(), rsa_padding=None):
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer.subject if issuer else subject)
         .public_key(subject_key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(not_before or NOW - 1000 * DAY).not_valid_after(not_after or NOW + 3650 * DAY)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(subject_key.public_key()), critical=False))
    if issuer is not None:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    if ca:
        ku = dict(digital_signature=False, content_commitment=False, key_cert_sign=True, crl_sign=True)
    else:
        ku = dict(digital_signature=True, content_commitment=True, key_cert_sign=False, crl_sign=False)
    b = b.add_extension(x509.KeyUsage(key_encipherment=False, data_encipherment=False, key_agreement=False,
                                      encipher_only=False, decipher_only=False, **ku), critical=True)
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=eku_critical)
    if rsa_padding is not None:
        return b.sign(issuer_key, hash_alg, rsa_padding=rsa_padding)
    return b.sign(issuer_key, hash_alg)


def crl(issuer, issuer_key, revoked=()):
    b = (x509.CertificateRevocationListBuilder().issuer_name(issuer.subject)
         .last_update(NOW - 3600 * dt.timedelta(seconds=1)).next_update(NOW + 30 * DAY))
    for c, when in revoked:
        b = b.add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(c.serial_number)
                                      .revocation_date(when).build())
    return b.sign(issuer_key, hashes.SHA256())


def write(path, data):
    with open(os.path.join(OUT, path), "wb") as f:
        f.write(data)


def pem(c):
    return c.public_bytes(serialization.Encoding.PEM)


def der(c):
    return c.public_bytes(serialization.Encoding.DER)


def a_cert(c):
    return a_x509.Certificate.load(der(c))


def a_key(k):
    return a_keys.PrivateKeyInfo.load(k.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption()))


# --- the test PKI ---
root_k = key()
root = cert(name("连云港市赣榆区电子印章根证书 (test)"), root_k, None, root_k, ca=True)
ca_k = key()
seal_ca = cert(name("赣榆区电子印章CA (test)"), ca_k, root, root_k, ca=True)
tsa_k = key()
tsa = cert(name("赣榆区时间戳服务 (test)"), tsa_k, root, root_k, eku=[ExtendedKeyUsageOID.TIME_STAMPING], eku_critical=True)
seal_k = key()
seal = cert(name("青口镇朱堵村村民委员会", "320707100000-01"), seal_k, seal_ca, ca_k, eku=[DOC_SIGNING])
seal2_k = key()
seal2 = cert(name("赣榆区民政局", "320707000000-02"), seal2_k, seal_ca, ca_k, eku=[DOC_SIGNING])
expired_k = key()
expired = cert(name("已过期的印章", "320707100000-03"), expired_k, seal_ca, ca_k, eku=[DOC_SIGNING],
               not_before=NOW - 800 * DAY, not_after=NOW - 400 * DAY)
revoked_k = key()
revoked = cert(name("已吊销的印章", "320707100000-04"), revoked_k, seal_ca, ca_k, eku=[DOC_SIGNING],
               not_before=NOW - 300 * DAY)
other_root_k = key()
other_root = cert(name("Some Other Root"), other_root_k, None, other_root_k, ca=True)
foreign_k = key()
foreign = cert(name("假冒的印章", "320707100000-01"), foreign_k, other_root, other_root_k, eku=[DOC_SIGNING])

REVOKED_AT = NOW - 100 * DAY
ca_crl = crl(seal_ca, ca_k, [(revoked, REVOKED_AT)])
root_crl = crl(root, root_k)
write("root.pem", pem(root))
write("other_root.pem", pem(other_root))
write("seal_ca_crl.der", ca_crl.public_bytes(serialization.Encoding.DER))

VC = ValidationContext(trust_roots=[a_cert(root)], other_certs=[a_cert(seal_ca), a_cert(tsa)],
                       crls=[ca_crl.public_bytes(serialization.Encoding.DER),
                             root_crl.public_bytes(serialization.Encoding.DER)],
                       allow_fetching=False, revocation_mode="soft-fail")


class EcTimeStamper(DummyTimeStamper):
    """pyHanko's in-process TSA, signing with ECDSA P-256 (its own is RSA-only)."""

    def _sign_tst_info(self, tst_info_data, md_algorithm, when):
        from asn1crypto import cms as a_cms, core as a_core
        from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute
        h = hashes.Hash(hashes.SHA256())
        h.update(tst_info_data)
        signed_attrs = a_cms.CMSAttributes([
            simple_cms_attribute("content_type", "tst_info"),
            simple_cms_attribute("signing_time", a_cms.Time({"utc_time": a_core.UTCTime(when)})),
            simple_cms_attribute("signing_certificate_v2", as_signing_certificate_v2(self.tsa_cert)),
            simple_cms_attribute("message_digest", h.finalize()),
        ])
        signature = self.ec_key.sign(signed_attrs.dump(), ec.ECDSA(hashes.SHA256()))
        return signature, signed_attrs

    def _build_signed_data(self, tst_info_data, md_algorithm, signature, signed_attrs):
        from asn1crypto import algos as a_algos
        d = super()._build_signed_data(tst_info_data, md_algorithm, signature, signed_attrs)
        d["signer_infos"][0]["signature_algorithm"] = a_algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"})
        return d


def timestamper_for(tsa_cert, tsa_key, at=None, cls=EcTimeStamper):
    t = cls(tsa_cert=a_cert(tsa_cert), tsa_key=a_key(tsa_key), certs_to_embed=[a_cert(tsa_cert)], fixed_dt=at)
    t.ec_key = tsa_key
    return t


def timestamper(at=None, cls=EcTimeStamper):
    return timestamper_for(tsa, tsa_k, at, cls)


def doc_timestamp(pdf, ts):
    """A document timestamp (/DocTimeStamp, ETSI.RFC3161) as the only signature."""
    out = io.BytesIO()
    signers.PdfTimeStamper(ts).timestamp_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), "sha256", output=out)
    return out.getvalue()


class WrongImprintTimeStamper(EcTimeStamper):
    """A TSA that timestamps the wrong digest (imprint mismatch)."""

    async def async_timestamp(self, message_digest, md_algorithm):
        bad = bytes([message_digest[0] ^ 0xFF]) + message_digest[1:]
        return await super().async_timestamp(bad, md_algorithm)


# --- an unsigned document (~50 KB, classic xref table) ---
def base_pdf(text="Ganyu village certificate No. 2026-0001", pad_lines=900):
    lines = [b"BT /F1 12 Tf 72 720 Td (" + text.encode() + b") Tj ET"]
    for i in range(pad_lines):
        lines.append(b"BT /F1 8 Tf 72 %d Td (resident record line %05d) Tj ET" % (700 - (i % 80) * 8, i))
    content = b"\n".join(lines)
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
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


def sign(pdf, signer_cert, signer_key, *, field="Seal", ts=None, lt=False, lta=False, chain=(seal_ca,)):
    signer = signers.SimpleSigner(signing_cert=a_cert(signer_cert), signing_key=a_key(signer_key),
                                  cert_registry=__import__("pyhanko_certvalidator").registry.SimpleCertificateStore
                                  .from_certs([a_cert(c) for c in chain]))
    meta = signers.PdfSignatureMetadata(field_name=field, subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256",
                                        embed_validation_info=lt or lta, use_pades_lta=lta,
                                        validation_context=VC if (lt or lta) else None)
    w = IncrementalPdfFileWriter(io.BytesIO(pdf))
    out = io.BytesIO()
    signers.sign_pdf(w, meta, signer=signer, timestamper=ts, output=out)
    return out.getvalue()


def startxref(pdf):
    return int(re.findall(rb"startxref\s+(\d+)", pdf)[-1])


def trailer_size(pdf):
    return int(re.findall(rb"/Size (\d+)", pdf)[-1])


def incremental(pdf, objects, root=1):
    """Append an incremental update (re)defining `objects` {num: body}."""
    out = io.BytesIO()
    out.write(pdf)
    if not pdf.endswith(b"\n"):
        out.write(b"\n")
    offs = {}
    for num, body in sorted(objects.items()):
        offs[num] = out.tell()
        out.write(b"%d 0 obj\n" % num + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 1\n0000000000 65535 f \n")
    for num in sorted(offs):
        out.write(b"%d 1\n%010d 00000 n \n" % (num, offs[num]))
    size = max(trailer_size(pdf), max(objects) + 1)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
              % (size, root, startxref(pdf), xref))
    return out.getvalue()


def page_dict(pdf):
    """The latest definition of the page (object 3) in `pdf`."""
    bodies = re.findall(rb"\n3 0 obj\n?(.*?)\nendobj", pdf, re.S)
    return bodies[-1].strip()


files = {}
base = base_pdf()
write("unsigned.pdf", base)
files["genuine_bb.pdf"] = sign(base, seal, seal_k)
files["genuine_bt.pdf"] = sign(base, seal, seal_k, ts=timestamper())
files["genuine_blt.pdf"] = sign(base, seal, seal_k, ts=timestamper(), lt=True)
files["genuine_blta.pdf"] = sign(base, seal, seal_k, ts=timestamper(), lta=True)
files["genuine_two_signatures.pdf"] = sign(files["genuine_bt.pdf"], seal2, seal2_k, field="Seal2", ts=timestamper())
# The same document rewritten by qpdf with a cross-reference stream and object
# streams (Flate + PNG predictor), then signed: the other common file layout.
import subprocess, tempfile
with tempfile.TemporaryDirectory() as td:
    src, dst = os.path.join(td, "in.pdf"), os.path.join(td, "out.pdf")
    with open(src, "wb") as f:
        f.write(base)
    subprocess.run(["qpdf", "--object-streams=generate", src, dst], check=True)
    with open(dst, "rb") as f:
        objstm_base = f.read()
files["genuine_xref_stream.pdf"] = sign(objstm_base, seal, seal_k, ts=timestamper())
files["other_root.pdf"] = sign(base, foreign, foreign_k, ts=timestamper(), chain=(other_root,))
files["second_signature_other_root.pdf"] = sign(files["genuine_bt.pdf"], foreign, foreign_k, field="Seal2",
                                                ts=timestamper(), chain=(other_root,))
files["timestamp_imprint_mismatch.pdf"] = sign(base, seal, seal_k, ts=timestamper(cls=WrongImprintTimeStamper))
files["expired_no_timestamp.pdf"] = sign(base, expired, expired_k)
files["revoked_before_signing.pdf"] = sign(base, revoked, revoked_k, ts=timestamper(at=REVOKED_AT + 10 * DAY))
files["revoked_after_signing.pdf"] = sign(base, revoked, revoked_k, ts=timestamper(at=REVOKED_AT - 10 * DAY))
files["other_document.pdf"] = sign(base_pdf("Ganyu village certificate No. 2026-0002"), seal, seal_k, ts=timestamper())

bt = files["genuine_bt.pdf"]
n = trailer_size(bt)
# Text changed by an incremental update: the signed content stream redefined.
evil = b"BT /F1 12 Tf 72 720 Td (Ganyu village certificate No. 9999-9999) Tj ET"
files["tamper_text_incremental.pdf"] = incremental(
    bt, {4: b"<< /Length %d >>\nstream\n" % len(evil) + evil + b"\nendstream"})
# Shadow: a new content stream swapped into the page after signing.
page = page_dict(bt)
swapped = re.sub(rb"/Contents \d+ 0 R", b"/Contents %d 0 R" % n, page)
files["tamper_page_content_swapped.pdf"] = incremental(
    bt, {n: b"<< /Length %d >>\nstream\n" % len(evil) + evil + b"\nendstream", 3: swapped})
# An annotation added after signing.
annot = b"<< /Type /Annot /Subtype /FreeText /Rect [72 600 400 640] /Contents (VOID) /DA (/Helv 20 Tf 1 0 0 rg) >>"
if b"/Annots [" in page:
    with_annot = page.replace(b"/Annots [", b"/Annots [%d 0 R " % n)
else:
    with_annot = page[:-2] + b" /Annots [%d 0 R] >>" % n
files["tamper_annotation_added.pdf"] = incremental(bt, {n: annot, 3: with_annot})
# Shadow: the font (a page resource) redefined after signing.
files["tamper_resource_redefined.pdf"] = incremental(
    bt, {5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>"})
# An object undefined at signing time defined afterwards (object numbers below /Size).
files["tamper_catalog_openaction.pdf"] = incremental(
    bt, {n: b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>",
         1: re.findall(rb"\n1 0 obj\n?(.*?)\nendobj", bt, re.S)[-1].strip()[:-2] + b" /OpenAction %d 0 R >>" % n})

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import types
import corpus_foreign
kit = types.SimpleNamespace(cert=cert, name=name, a_cert=a_cert, a_key=a_key, pem=pem, DOC_SIGNING=DOC_SIGNING,
                            doc_timestamp=doc_timestamp, timestamper_for=timestamper_for, sign=sign,
                            seal=seal, seal_k=seal_k)
foreign_files, foreign_roots, foreign_trust = corpus_foreign.build(kit, base, timestamper())
files.update(foreign_files)
import corpus_attacks
files.update(corpus_attacks.build(kit, files["genuine_bt.pdf"], files["genuine_two_signatures.pdf"]))
for k, v in foreign_roots.items():
    write(k, v)

for k, v in files.items():
    write(k, v)

# --- pyHanko's verdict on every file (both test roots trusted) ---
VC = ValidationContext(trust_roots=[a_cert(root)] + [a_cert(c) for c in foreign_trust],
                       other_certs=[a_cert(seal_ca), a_cert(tsa)],
                       crls=[ca_crl.public_bytes(serialization.Encoding.DER),
                             root_crl.public_bytes(serialization.Encoding.DER)],
                       allow_fetching=False, revocation_mode="soft-fail")
verdicts = {}
for k in sorted(files):
    try:
        r = PdfFileReader(io.BytesIO(files[k]), strict=False)
        results = []
        for es in r.embedded_regular_signatures:
            st = validate_pdf_signature(es, signer_validation_context=VC, ts_validation_context=VC)
            results.append({"bottom_line": bool(st.bottom_line), "intact": bool(st.intact),
                            "valid": bool(st.valid), "trusted": bool(st.trusted),
                            "revoked": bool(getattr(st, "revoked", False)),
                            "coverage": str(st.coverage), "modification_level": str(st.modification_level)})
        verdicts[k] = results
    except Exception as e:  # recorded, not hidden: the Rust test decides what it means
        verdicts[k] = {"error": repr(e)}
write("pyhanko.json", json.dumps(verdicts, indent=1, ensure_ascii=False).encode())
print("corpus written to", OUT)
