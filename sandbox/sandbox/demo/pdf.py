"""A minimal valid one-page PDF, so the demo has real files without a PDF library.

The text is set in Helvetica, one of the 14 fonts every PDF reader provides, so
nothing is embedded. WinAnsiEncoding lacks most Polish letters; a /Differences
table maps them to standard glyph names that those readers' Helvetica has.
"""

_EXTRA_GLYPHS = {
    "Ą": "Aogonek", "ą": "aogonek", "Ć": "Cacute", "ć": "cacute", "Ę": "Eogonek",
    "ę": "eogonek", "Ł": "Lslash", "ł": "lslash", "Ń": "Nacute", "ń": "nacute",
    "Ó": "Oacute", "ó": "oacute", "Ś": "Sacute", "ś": "sacute", "Ź": "Zacute",
    "ź": "zacute", "Ż": "Zdotaccent", "ż": "zdotaccent", "–": "endash",
}  # fmt: skip
_FIRST_CODE = 128
_CODES = {char: _FIRST_CODE + i for i, char in enumerate(_EXTRA_GLYPHS)}


def _pdf_string(text: str) -> bytes:
    """The text as a PDF literal string in the font's encoding; unknown characters become '?'."""
    out = bytearray(b"(")
    for char in text:
        if char in _CODES:
            out.append(_CODES[char])
        elif char in "()\\":
            out += b"\\" + char.encode()
        elif " " <= char <= "~":
            out += char.encode()
        else:
            out += b"?"
    return bytes(out + b")")


def make_pdf(*lines: str) -> bytes:
    """An A4 page with ``lines`` at the top, the first one larger (a title)."""
    text = b"BT /F1 16 Tf 72 770 Td 22 TL"
    for number, line in enumerate(lines):
        if number == 1:
            text += b" /F1 11 Tf"
        text += b" " + _pdf_string(line) + b" Tj T*"
    text += b" ET"
    differences = b" ".join(b"/" + name.encode() for name in _EXTRA_GLYPHS.values())
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
        b" /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding"
        b" /BaseEncoding /WinAnsiEncoding /Differences [%d %s] >> >>" % (_FIRST_CODE, differences),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
    ]
    # The binary comment line tells transfer tools the file is not plain text.
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(out)
    # Every xref entry is exactly 20 bytes, the end of line included.
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n" % (len(objects) + 1, xref_at)
    return bytes(out + b"%%EOF\n")
