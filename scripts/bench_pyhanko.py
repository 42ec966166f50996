"""pyHanko's signing and validation rates on the files `cargo bench --bench
throughput -- --out DIR` wrote: the same unsigned document, the same seal
key and cert chain, the same B-LT document to validate.

Usage: bench_pyhanko.py DIR SECONDS
Writes DIR/pyhanko.json and prints one line per figure.
"""

import io
import json
import logging
import os
import sys
import time
import warnings

from asn1crypto import crl as a_crl
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

warnings.simplefilter("ignore")
logging.disable(logging.WARNING)
DIR, SECS = sys.argv[1], float(sys.argv[2])


def path(name):
    return os.path.join(DIR, name)


def rate(f):
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < SECS:
        f()
        n += 1
    return n / (time.perf_counter() - start)


unsigned = open(path("unsigned.pdf"), "rb").read()
blt = open(path("eseal-b-lt.pdf"), "rb").read()
root = load_cert_from_pemder(path("root.pem"))
crls = [a_crl.CertificateList.load(open(path(n), "rb").read()) for n in ("seal-ca.crl", "root.crl")]
signer = signers.SimpleSigner.load(
    path("seal-key.pem"), path("seal-cert.pem"), ca_chain_files=(path("seal-ca.pem"),)
)


def throwaway_tsa():
    """pyHanko's in-process timestamper with a throw-away RSA-2048 TSA (its
    dummy timestamper signs with RSA only): the same work as a built-in
    authority, no network."""
    import datetime as dt

    from asn1crypto import keys as a_keys
    from asn1crypto import x509 as a_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    n = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "benchmark TSA")])
    now = dt.datetime.now(dt.timezone.utc)
    c = (x509.CertificateBuilder().subject_name(n).issuer_name(n).public_key(k.public_key())
         .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
         .not_valid_after(now + dt.timedelta(days=30))
         .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
         .sign(k, hashes.SHA256()))
    cert = a_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
    key = a_keys.PrivateKeyInfo.load(k.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()))
    return cert, timestamps.DummyTimeStamper(tsa_cert=cert, tsa_key=key, certs_to_embed=[cert])


tsa_cert, tsa = throwaway_tsa()


def vc():
    return ValidationContext(trust_roots=[root, tsa_cert], crls=crls, allow_fetching=False, revocation_mode="soft-fail")


def sign(level):
    meta = signers.PdfSignatureMetadata(
        field_name="Signature1",
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason="村级证明电子签章",
        embed_validation_info=(level == "B-LT"),
        validation_context=vc() if level == "B-LT" else None,
    )
    w = IncrementalPdfFileWriter(io.BytesIO(unsigned))
    out = signers.PdfSigner(meta, signer, timestamper=tsa if level == "B-LT" else None).sign_pdf(w)
    return out.getvalue()


def validate():
    r = PdfFileReader(io.BytesIO(blt))
    status = validate_pdf_signature(r.embedded_signatures[0], vc())
    assert status.intact and status.valid, status.pretty_print_details()


results = {}
for name, f in [("sign B-B", lambda: sign("B-B")), ("sign B-LT", lambda: sign("B-LT")), ("verify B-LT", validate)]:
    f()  # warm up (and fail loudly if something is wrong)
    r = rate(f)
    results[name] = r
    print(f"pyHanko {name:<20} 1 thread(s): {r:>8.1f} documents/s")
json.dump(results, open(path("pyhanko.json"), "w"), indent=2)
