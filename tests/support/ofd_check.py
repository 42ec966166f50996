"""An independent checker of OFD electronic signatures (GB/T 33190-2016
section 18, GM/T 0099, GB/T 38540-2020), written from the standards:
zipfile and ElementTree read the package, asn1crypto types SES_Signature
(SESeal from ses_asn1.py beside it), gmssl computes SM3 and verifies the
SM2 signatures (its own curve arithmetic and Z value). Nothing is shared
with eseal's Rust code.

For the package it prints one JSON object: per signature the references
with the recomputed SM3 digests, the dataHash against SM3 of
Signature.xml, the propertyInfo, the SES_Signature's fields, gmssl's
verdict on the signer's signature over TBS_Sign and on the maker's over
SES_SealInfo, the timestamp's imprint against SM3 of the signature value;
and the files no signature protects. It writes into OUT_DIR the DER
parts (TBS_Sign, signature, signer cert, SES_SealInfo, maker signature and
cert, the timestamp's signed attributes, signature and certs) so that
openssl can check them on its own.

Usage: ofd_check.py OUT_DIR FILE.ofd
"""

import base64
import json
import os
import posixpath
import sys
import zipfile
import xml.etree.ElementTree as ET

from asn1crypto import cms, core, tsp, x509
from gmssl import sm2, sm3, func

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ses_asn1 import SESeal  # noqa: E402

NS = "{http://www.ofdspec.org/2016}"
SM3_OID = "1.2.156.10197.1.401"


class TbsSign(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("eseal", SESeal),
        ("time_info", core.GeneralizedTime),
        ("data_hash", core.OctetBitString),
        ("property_info", core.IA5String),
        ("ext_datas", core.Any, {"explicit": 0, "optional": True}),
    ]


class SesSignature(core.Sequence):
    _fields = [
        ("to_sign", TbsSign),
        ("cert", core.OctetString),
        ("signature_alg_id", core.ObjectIdentifier),
        ("signature", core.OctetBitString),
        ("time_stamp", core.OctetBitString, {"explicit": 0, "optional": True}),
    ]


def sm3_hex(data):
    return sm3.sm3_hash(func.bytes_to_list(data))


def resolve(base_dir, loc):
    """A location inside the package, absolute or relative to base_dir."""
    loc = loc.strip()
    path = loc[1:] if loc.startswith("/") else posixpath.join(base_dir, loc)
    path = posixpath.normpath(path)
    if path.startswith(".."):
        raise ValueError("location leaves the package: " + loc)
    return path


def child(el, name):
    return el.find(NS + name)


def public_key_hex(cert_der):
    """X || Y of the cert's SM2 key, hex (gmssl's form)."""
    spki = x509.Certificate.load(cert_der)["tbs_certificate"]["subject_public_key_info"]
    point = spki["public_key"].contents[1:]  # skip the unused-bits byte
    assert point[0] == 4 and len(point) == 65, "uncompressed SM2 point"
    return point[1:].hex()


def gmssl_verify(cert_der, message, der_sig):
    key = public_key_hex(cert_der)
    v = sm2.CryptSM2(private_key=None, public_key="00" * 64, asn1=True)
    # Set the key directly: the constructor's lstrip("04") can eat the
    # leading digits of X.
    v.public_key = key
    return bool(v.verify_with_sm3(der_sig.hex(), message))


def check_timestamp(out, token_der, signature):
    token = cms.ContentInfo.load(token_der)
    signed = token["content"]
    tst = signed["encap_content_info"]["content"].parsed
    si = signed["signer_infos"][0]
    attrs = si["signed_attrs"]
    attrs_der = b"\x31" + attrs.dump()[1:]
    tst_der = signed["encap_content_info"]["content"].parsed.dump()
    files = {}
    for name, data in {
        "ts_attrs": attrs_der,
        "ts_sig": si["signature"].native,
        "ts_tst": tst_der,
    }.items():
        p = os.path.join(out, name + ".der")
        open(p, "wb").write(data)
        files[name] = p
    certs = []
    for i, c in enumerate(signed["certificates"] or []):
        p = os.path.join(out, "ts_cert%d.der" % i)
        open(p, "wb").write(c.chosen.dump())
        certs.append(p)
    md = None
    for a in attrs:
        if a["type"].dotted == "1.2.840.113549.1.9.4":
            md = a["values"][0].native.hex()
    mi = tst["message_imprint"]
    return {
        "imprint_alg": mi["hash_algorithm"]["algorithm"].dotted,
        "imprint_matches_signature": mi["hashed_message"].native.hex() == sm3_hex(signature),
        "message_digest_matches_tst": md == sm3_hex(tst_der),
        "gen_time": tst["gen_time"].native.isoformat(),
        "signature_alg": si["signature_algorithm"]["algorithm"].dotted,
        "files": files,
        "certs": certs,
    }


def check_signature(z, names, out, idx, sig_path):
    info = {"signature_xml": sig_path}
    raw = z.read(sig_path)
    root = ET.fromstring(raw)
    signed_info = child(root, "SignedInfo")
    refs = child(signed_info, "References")
    method = refs.get("CheckMethod", "MD5")
    info["check_method"] = method
    sig_dir = posixpath.dirname(sig_path)
    references = []
    protected = set()
    for r in refs.findall(NS + "Reference"):
        entry = resolve("", r.get("FileRef"))
        protected.add(entry)
        want = base64.b64decode(child(r, "CheckValue").text.strip()).hex()
        got = sm3_hex(z.read(entry)) if entry in names else None
        references.append({"file": entry, "matches": want == got, "present": got is not None})
    info["references"] = references
    stamp = child(signed_info, "StampAnnot")
    info["stamp_page"] = stamp.get("PageRef") if stamp is not None else None
    info["stamp_boundary"] = stamp.get("Boundary") if stamp is not None else None
    info["signature_method"] = child(signed_info, "SignatureMethod").text.strip()
    value_path = resolve(sig_dir, child(root, "SignedValue").text)
    seal_el = child(signed_info, "Seal")
    seal_path = resolve(sig_dir, child(seal_el, "BaseLoc").text) if seal_el is not None else None
    own = {sig_path, value_path}
    value = z.read(value_path)
    ses = SesSignature.load(value, strict=True)
    tbs = ses["to_sign"]
    seal = tbs["eseal"]
    sig = ses["signature"].native
    cert = ses["cert"].native
    maker = seal["cert"].native
    prefix = os.path.join(out, "sig%d_" % idx)
    files = {
        "tbs": tbs.dump(),
        "sig": sig,
        "signer": cert,
        "seal_info": seal["e_seal_info"].dump(),
        "maker_sig": seal["signed_value"].native,
        "maker": maker,
    }
    for name, data in files.items():
        open(prefix + name, "wb").write(data)
    info["files"] = {name: prefix + name for name in files}
    info["version"] = tbs["version"].native
    info["seal_version"] = seal["e_seal_info"]["header"]["version"].native
    info["seal_es_id"] = seal["e_seal_info"]["es_id"].native
    info["signer_in_cert_list"] = any(
        c.native == cert for c in seal["e_seal_info"]["property"]["cert_list"]
    )
    info["signature_alg"] = ses["signature_alg_id"].dotted
    info["time_info"] = tbs["time_info"].native.isoformat()
    info["data_hash_matches"] = tbs["data_hash"].native.hex() == sm3_hex(raw)
    info["property_info"] = tbs["property_info"].native
    info["gmssl_tbs_signature"] = gmssl_verify(cert, tbs.dump(), sig)
    info["gmssl_maker_signature"] = gmssl_verify(
        maker, seal["e_seal_info"].dump(), seal["signed_value"].native
    )
    if seal_path is not None:
        own.add(seal_path)
        info["seal_file_matches"] = z.read(seal_path) == seal.dump()
    if ses["time_stamp"].native is not None:
        info["timestamp"] = check_timestamp(out, ses["time_stamp"].native, sig)
    return info, protected, own


def main():
    out, path = sys.argv[1], sys.argv[2]
    z = zipfile.ZipFile(path)
    names = set(z.namelist())
    ofd = ET.fromstring(z.read("OFD.xml"))
    body = child(ofd, "DocBody")
    doc_root = resolve("", child(body, "DocRoot").text)
    list_path = resolve("", child(body, "Signatures").text)
    sigs = ET.fromstring(z.read(list_path))
    covered = {list_path}
    result = {"doc_root": doc_root, "signatures_xml": list_path, "signatures": []}
    for i, s in enumerate(sigs.findall(NS + "Signature")):
        sig_path = resolve(posixpath.dirname(list_path), s.get("BaseLoc"))
        info, protected, own = check_signature(z, names, out, i, sig_path)
        info["type"] = s.get("Type")
        result["signatures"].append(info)
        covered |= protected | own
    result["unprotected"] = sorted(names - covered)
    result["entries"] = sorted(names)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
