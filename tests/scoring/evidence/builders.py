"""Small, real evidence files built in memory for the evidence tests."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Sequence

import docx
import openpyxl

DOCX_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="'
    b'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)

Line = str | tuple[float, str]


def make_pdf(pages: Sequence[Sequence[Line]], *, font_size: int = 12, leading: int = 16) -> bytes:
    """A minimal PDF with one text line per entry; ``(indent, text)`` indents a line.

    Text is set in STSong-Light, one of the standard CJK fonts a PDF may use without
    embedding it, through the predefined UniGB-UTF16-H CMap: Chinese works with no font file.
    """
    objects: list[bytes] = [b"", b""]  # catalog and page tree, filled in below

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    font = add(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UTF16-H "
        b"/DescendantFonts [<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> "
        b"/FontDescriptor << /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
        b"/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
        b"/CapHeight 880 /StemV 93 >> /DW 1000 >>] >>"
    )
    kids = []
    for lines in pages:
        ops = [b"BT", b"/F1 %d Tf" % font_size]
        y = 842 - 72
        for line in lines:
            indent, text = line if isinstance(line, tuple) else (0.0, line)
            ops.append(b"1 0 0 1 %.1f %d Tm" % (72 + indent, y))
            ops.append(b"<%s> Tj" % text.encode("utf-16-be").hex().encode())
            y -= leading
        ops.append(b"ET")
        stream = b"\n".join(ops)
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        kids.append(
            add(
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (font, content)
            )
        )
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    refs = b" ".join(b"%d 0 R" % k for k in kids)
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, len(kids))
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def docx_bytes(document: docx.document.Document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_docx(paragraphs: Sequence[str] = ("测试段落。",)) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    return docx_bytes(document)


def make_xlsx(sheets: dict[str, Sequence[Sequence[object]]]) -> bytes:
    """A workbook with one sheet per entry; a row given as ``(row_number, values)`` is placed
    at that row, leaving the rows before it empty."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        next_row = 1
        for row in rows:
            if isinstance(row, tuple) and len(row) == 2 and isinstance(row[0], int):
                next_row, values = row[0], row[1]
            else:
                values = row
            for column, value in enumerate(values, start=1):
                sheet.cell(row=next_row, column=column, value=value)
            next_row += 1
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def make_zip(members: dict[str, bytes], *, compresslevel: int = 6) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return out.getvalue()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def make_png(width: int = 4, height: int = 3, *, bit_depth: int = 8) -> bytes:
    """A real greyscale PNG, all black; 1-bit depth keeps a huge declared image tiny."""
    row = b"\x00" + b"\x00" * ((width * bit_depth + 7) // 8)
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(row * height, 9))
        + _png_chunk(b"IEND", b"")
    )


def make_jpeg(width: int = 8, height: int = 8) -> bytes:
    """A real JPEG from Pillow, then its frame header patched to claim ``width``x``height``."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "JPEG")
    data = bytearray(out.getvalue())
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def wrap_cjk(paragraph: str, width: int = 25, indent: int = 2, font_size: int = 12) -> list[Line]:
    """Hard-wrap a Chinese paragraph as a typesetter would: first line indented two characters,
    every full line ending at the same right margin."""
    first = width - indent
    lines: list[Line] = [(float(indent * font_size), paragraph[:first])]
    lines += [paragraph[i : i + width] for i in range(first, len(paragraph), width)]
    return lines
