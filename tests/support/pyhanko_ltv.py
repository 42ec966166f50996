"""pyHanko's long-term (LTV) validation of every signature in a PDF, offline.

Usage: pyhanko_ltv.py FILE.pdf ROOT.pem (PADES_LT|PADES_LTA)

Uses only the root as trust anchor and no network (allow_fetching=False):
the DSS and the timestamps in the file must suffice. Prints pyHanko's
report and exits 0 only if every signature's bottom line is good.
"""

import sys

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import RevocationInfoValidationType, validate_pdf_ltv_signature

path, root, profile = sys.argv[1], sys.argv[2], sys.argv[3]
kind = RevocationInfoValidationType[profile]
ok = True
with open(path, "rb") as f:
    reader = PdfFileReader(f)
    sigs = reader.embedded_regular_signatures
    if not sigs:
        print("no signatures")
        sys.exit(1)
    for sig in sigs:
        status = validate_pdf_ltv_signature(
            sig,
            kind,
            validation_context_kwargs={
                "trust_roots": [load_cert_from_pemder(root)],
                "allow_fetching": False,
            },
        )
        print(status.pretty_print_details())
        print(f"LTV bottom line for {sig.field_name}: {status.bottom_line}")
        ok = ok and status.bottom_line
sys.exit(0 if ok else 1)
