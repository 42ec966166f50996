"""An independent reader of GB/T 38540-2020 seals (SES_Seal, version 4).

The ASN.1 module is typed here from the standard with asn1crypto; nothing
is shared with eseal's Rust code. For each seal named on the command line
it prints one JSON line with the fields it found, and writes beside the
.esl the DER of SES_SealInfo (what the maker signed), the maker's
signature, the maker cert and every certList cert, so openssl can check
them.

Usage: ses_asn1.py OUT_DIR FILE.esl...
"""

import hashlib
import json
import os
import sys

from asn1crypto import core


class SesHeader(core.Sequence):
    _fields = [
        ("id", core.IA5String),
        ("version", core.Integer),
        ("vid", core.IA5String),
    ]


class CertInfoList(core.SequenceOf):
    _child_spec = core.OctetString


class SesESPropertyInfo(core.Sequence):
    _fields = [
        ("type", core.Integer),
        ("name", core.UTF8String),
        ("cert_list_type", core.Integer),
        ("cert_list", CertInfoList),
        ("create_date", core.GeneralizedTime),
        ("valid_start", core.GeneralizedTime),
        ("valid_end", core.GeneralizedTime),
    ]


class SesESPictureInfo(core.Sequence):
    _fields = [
        ("type", core.IA5String),
        ("data", core.OctetString),
        ("width", core.Integer),
        ("height", core.Integer),
    ]


class ExtData(core.Sequence):
    _fields = [
        ("extn_id", core.ObjectIdentifier),
        ("critical", core.Boolean),
        ("extn_value", core.OctetString),
    ]


class ExtensionDatas(core.SequenceOf):
    _child_spec = ExtData


class SesSealInfo(core.Sequence):
    _fields = [
        ("header", SesHeader),
        ("es_id", core.IA5String),
        ("property", SesESPropertyInfo),
        ("picture", SesESPictureInfo),
        ("ext_datas", ExtensionDatas, {"optional": True}),
    ]


class SESeal(core.Sequence):
    _fields = [
        ("e_seal_info", SesSealInfo),
        ("cert", core.OctetString),
        ("sign_alg_id", core.ObjectIdentifier),
        ("signed_value", core.OctetBitString),
    ]


def read(path, out_dir):
    data = open(path, "rb").read()
    seal = SESeal.load(data, strict=True)
    info = seal["e_seal_info"]
    prop = info["property"]
    pic = info["picture"]
    base = os.path.join(out_dir, os.path.basename(path))
    # .dump() re-encodes unchanged parsed values byte for byte (asn1crypto
    # keeps the original encoding of values it did not modify).
    open(base + ".tbs", "wb").write(info.dump())
    open(base + ".sig", "wb").write(seal["signed_value"].native)
    open(base + ".maker.der", "wb").write(seal["cert"].native)
    certs = []
    for i, c in enumerate(prop["cert_list"]):
        open(f"{base}.cert{i}.der", "wb").write(c.native)
        certs.append(hashlib.sha256(c.native).hexdigest())
    return {
        "file": path,
        "header_id": info["header"]["id"].native,
        "version": info["header"]["version"].native,
        "vid": info["header"]["vid"].native,
        "es_id": info["es_id"].native,
        "type": prop["type"].native,
        "name": prop["name"].native,
        "cert_list_type": prop["cert_list_type"].native,
        "cert_sha256": certs,
        "create_date": prop["create_date"].native.isoformat(),
        "valid_start": prop["valid_start"].native.isoformat(),
        "valid_end": prop["valid_end"].native.isoformat(),
        "picture_type": pic["type"].native,
        "picture_sha256": hashlib.sha256(pic["data"].native).hexdigest(),
        "picture_png": pic["data"].native[:8] == b"\x89PNG\r\n\x1a\n",
        "width": pic["width"].native,
        "height": pic["height"].native,
        "sign_alg": seal["sign_alg_id"].dotted,
        "tbs": base + ".tbs",
        "sig": base + ".sig",
        "maker": base + ".maker.der",
    }


def main():
    out_dir = sys.argv[1]
    for path in sys.argv[2:]:
        print(json.dumps(read(path, out_dir), ensure_ascii=False))


if __name__ == "__main__":
    main()
