"""Draw an OFD's first page with easyofd (an independent OFD renderer from
PyPI) and compare it with a drawing of the PDF twin.

easyofd draws text only in a font it calls 宋体 (SimSun) and cannot load
embedded CFF (PostScript-outline) fonts, which is what eseal embeds, as
the PDF does; so its text is drawn here in reportlab's built-in Song CID
font registered under that name. Positions, sizes, the QR code, the rule
and the seal (easyofd takes the seal's picture out of the electronic
signature and puts it at the stamp annotation) are the OFD's own.

Writes PREFIX-ofd.png (the OFD page, at the PDF drawing's size) and
PREFIX-side.png (OFD left, PDF right), and prints a JSON line: inked cells
of a 4 mm grid in either drawing, the share of them inked in one but blank
in the other, and as a control that share for the PDF drawing against
itself moved 3 mm to the right (what a misplaced page would give).

Usage: ofd_render.py FILE.ofd PDF_PAGE.png PREFIX
"""

import json
import sys

from PIL import Image
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

song = UnicodeCIDFont("STSong-Light")
song.fontName = song.name = "宋体"
pdfmetrics.registerFont(song)

from easyofd.ofd import OFD  # noqa: E402


def cells(img, n_x, n_y):
    """Which cells of an n_x by n_y grid hold ink (any pixel darker than 160)."""
    gray = img.convert("L")
    w, h = gray.size
    px = gray.load()
    out = set()
    for cy in range(n_y):
        for cx in range(n_x):
            x0, x1 = cx * w // n_x, (cx + 1) * w // n_x
            y0, y1 = cy * h // n_y, (cy + 1) * h // n_y
            if any(px[x, y] < 160 for y in range(y0, y1, 2) for x in range(x0, x1, 2)):
                out.add((cx, cy))
    return out


def main():
    ofd_path, pdf_png, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
    doc = OFD()
    doc.read(ofd_path, fmt="path")
    drawn = doc.pdf2img(doc.to_pdf())[0].convert("RGB")
    pdf_img = Image.open(pdf_png).convert("RGB")
    drawn = drawn.resize(pdf_img.size)
    drawn.save(prefix + "-ofd.png")
    side = Image.new("RGB", (pdf_img.width * 2, pdf_img.height), "white")
    side.paste(drawn, (0, 0))
    side.paste(pdf_img, (pdf_img.width, 0))
    side.save(prefix + "-side.png")
    grid = (52, 74)  # about 4 mm: coarser than the two fonts' differences
    a, b = cells(drawn, *grid), cells(pdf_img, *grid)
    moved = Image.new("RGB", pdf_img.size, "white")
    moved.paste(pdf_img, (round(3 / 25.4 * pdf_img.width / 8.27), 0))
    m = cells(moved, *grid)
    inked = a | b
    print(json.dumps({
        "inked_cells": len(inked),
        "differing_cells": len(a ^ b) / max(1, len(inked)),
        "control_moved_3mm": len(m ^ b) / max(1, len(m | b)),
        "ofd_png": prefix + "-ofd.png",
        "side_png": prefix + "-side.png",
    }))


if __name__ == "__main__":
    main()
