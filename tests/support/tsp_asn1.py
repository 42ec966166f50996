"""An independent reader of RFC 3161 timestamp responses (asn1crypto's
tsp and cms modules; nothing shared with eseal's Rust code), for the SM2
TSA's tokens (GB/T 20520), which openssl 3.0 cannot verify itself: its
PKCS#7 code has no SM2.

For the response it prints one JSON line with the fields it found and
writes into OUT_DIR the TSTInfo (DER), the signed attributes as signed
(DER SET OF), the signature and the embedded certs, so that openssl can
check the SM3 digest and the SM2 signature on their own.

Usage: tsp_asn1.py OUT_DIR RESPONSE.tsr
"""

import json
import os
import sys

from asn1crypto import tsp


def main():
    out, path = sys.argv[1], sys.argv[2]
    with open(path, "rb") as f:
        resp = tsp.TimeStampResp.load(f.read())
    status = resp["status"]["status"].native
    token = resp["time_stamp_token"]
    signed = token["content"]
    tst_der = signed["encap_content_info"]["content"].parsed.dump()
    tst = signed["encap_content_info"]["content"].parsed
    si = signed["signer_infos"][0]
    attrs = si["signed_attrs"]
    # The signature covers the attributes as a SET OF (tag 0x31), not as the
    # [0] IMPLICIT field they are stored in (RFC 5652 section 5.4).
    attrs_der = b"\x31" + attrs.dump()[1:]
    message_digest = None
    for a in attrs:
        if a["type"].dotted == "1.2.840.113549.1.9.4":
            message_digest = a["values"][0].native.hex()
    files = {
        "tst": tst_der,
        "attrs": attrs_der,
        "sig": si["signature"].native,
    }
    written = {}
    for name, data in files.items():
        p = os.path.join(out, "token." + name)
        with open(p, "wb") as f:
            f.write(data)
        written[name] = p
    certs = []
    for i, c in enumerate(signed["certificates"] or []):
        p = os.path.join(out, "token.cert%d.der" % i)
        with open(p, "wb") as f:
            f.write(c.chosen.dump())
        certs.append(p)
    print(json.dumps({
        "status": status,
        "content_type": token["content_type"].dotted,
        "econtent_type": signed["encap_content_info"]["content_type"].dotted,
        "imprint_alg": tst["message_imprint"]["hash_algorithm"]["algorithm"].dotted,
        "imprint": tst["message_imprint"]["hashed_message"].native.hex(),
        "policy": tst["policy"].dotted,
        "nonce": tst["nonce"].native,
        "gen_time": tst["gen_time"].native.isoformat(),
        "digest_alg": si["digest_algorithm"]["algorithm"].dotted,
        "signed_data_digest_algs": [a["algorithm"].dotted for a in signed["digest_algorithms"]],
        "signature_alg": si["signature_algorithm"]["algorithm"].dotted,
        "message_digest": message_digest,
        "files": written,
        "certs": certs,
    }))


if __name__ == "__main__":
    main()
