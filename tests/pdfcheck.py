"""Read generated PDFs back for what a reader would notice: text, fonts, glyphs, attachments.

Shared by every test that renders a PDF. Pure Python (pypdf + fontTools), no poppler needed.

Text extraction alone cannot catch tofu or wrong glyphs: the ToUnicode map still says "垌"
when the glyph drawn is .notdef (WeasyPrint 70 does so silently with a missing CJK font). ``assert_all_glyphs_real``
therefore walks the content streams and looks every drawn glyph up in the embedded font file.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from fontTools.pens.boundsPen import ControlBoundsPen
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import ContentStream, DictionaryObject, IndirectObject, NameObject

_SUBSET_PREFIX = re.compile(r"^([A-Z]{6})\+(.+)$")
_TEXT_OPERATORS = {b"Tj", b"TJ", b"'", b'"'}


def pdf_text(pdf_bytes: bytes) -> str:
    """All pages' text, as pypdf extracts it, pages separated by a newline."""
    reader = PdfReader(io.BytesIO(pdf_bytes))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def squash(text: str) -> str:
    """NFC-normalised text without any whitespace: line breaks depend on layout, not content."""
    return "".join(unicodedata.normalize("NFC", text).split())


def page_count(pdf_bytes: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf_bytes)).pages)


@dataclass(frozen=True)
class EmbeddedFont:
    """One font resource of the PDF, with what its embedded file says about itself."""

    base_font: str  # as written in the PDF, e.g. "OVVOST+ScoringSans-Bold"
    name: str  # base_font without the subset prefix
    subset_prefix: str | None  # "OVVOST" when the font is a subset (ISO 32000 §9.6.4)
    font_file: str | None  # "FontFile2" (TrueType), "FontFile3" (CFF/OpenType) or None
    full_name: str  # name ID 4 of the embedded file, e.g. "Noto Sans SC Bold"
    weight_class: int | None  # OS/2 usWeightClass of the embedded file

    @property
    def embedded(self) -> bool:
        return self.font_file is not None

    @property
    def is_bold(self) -> bool:
        """The embedded file is a bold face (not a regular face named or styled bold)."""
        if self.weight_class is not None:
            return self.weight_class >= 600
        return "bold" in self.name.lower()


@dataclass(frozen=True)
class DrawnGlyph:
    char: str  # from the font's ToUnicode map ("" if unmapped)
    gid: int
    font: str  # BaseFont
    real: bool  # a glyph with an outline exists at that gid in the embedded file


@dataclass
class _FontInfo:
    info: EmbeddedFont
    to_unicode: dict[int, str]
    code_to_cid: dict[int, int] | None  # None: Identity-H (code == CID); absent code: CID 0
    two_byte: bool
    ttfont: TTFont | None


def embedded_fonts(pdf_bytes: bytes) -> list[EmbeddedFont]:
    """Every distinct font resource used by the pages (and their form XObjects)."""
    reader = PdfReader(io.BytesIO(pdf_bytes))
    cache: dict[int, _FontInfo] = {}
    for page in reader.pages:
        for _ops, fonts in _streams(page, reader):
            for ref in fonts.values():
                _font_info(ref, cache)
    return [f.info for f in cache.values()]


def image_count(pdf_bytes: bytes) -> int:
    """Raster images drawn (Image XObjects, also inside forms); inline SVG is vector art."""
    reader = PdfReader(io.BytesIO(pdf_bytes))
    count = 0
    for page in reader.pages:
        for owner in _xobject_owners(page):
            xobjects = _resources(owner).get("/XObject") or DictionaryObject()
            count += sum(
                1
                for x in xobjects.get_object().values()
                if x.get_object().get("/Subtype") == "/Image"
            )
    return count


def attachments(pdf_bytes: bytes) -> list[tuple[str, bytes]]:
    """Files embedded in the PDF: document-level (EmbeddedFiles) and page annotations.

    WeasyPrint writes ``<link rel=attachment>`` to the EmbeddedFiles name tree but
    ``<a rel=attachment>`` as FileAttachment annotations, which ``PdfReader.attachments``
    does not list.
    """
    reader = PdfReader(io.BytesIO(pdf_bytes))
    found = [(name, data) for name, datas in reader.attachments.items() for data in datas]
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") == "/FileAttachment":
                spec = annot["/FS"].get_object()
                stream = spec["/EF"].get_object()["/F"].get_object()
                found.append((str(spec.get("/UF", spec.get("/F", ""))), stream.get_data()))
    return found


def drawn_glyphs(pdf_bytes: bytes) -> list[DrawnGlyph]:
    """Every glyph drawn by a text operator, in content-stream order."""
    reader = PdfReader(io.BytesIO(pdf_bytes))
    cache: dict[int, _FontInfo] = {}
    out: list[DrawnGlyph] = []
    for page in reader.pages:
        for operations, fonts in _streams(page, reader):
            font: _FontInfo | None = None
            stack: list[_FontInfo | None] = []
            for operands, operator in operations:
                if operator == b"q":
                    stack.append(font)
                elif operator == b"Q" and stack:
                    font = stack.pop()
                elif operator == b"Tf":
                    font = _font_info(fonts[operands[0]], cache)
                elif operator in _TEXT_OPERATORS:
                    assert font is not None, "text shown before any Tf"
                    for code in _codes(operands, font.two_byte):
                        out.append(_glyph(font, code))
    return out


def assert_all_glyphs_real(pdf_bytes: bytes) -> None:
    """Fail if any visible character is drawn as .notdef, an empty or a missing glyph.

    Also fails if the extracted text contains a character that no real glyph accounts for.
    """
    glyphs = drawn_glyphs(pdf_bytes)
    bad = [g for g in glyphs if not g.real and g.char.strip()]
    assert not bad, "characters without a real glyph: " + ", ".join(
        f"{g.char!r} (U+{ord(g.char[0]):04X}, gid {g.gid}, {g.font})" for g in bad[:20]
    )
    real_chars = {c for g in glyphs if g.real for c in g.char}
    unexplained = sorted(set(squash(pdf_text(pdf_bytes))) - real_chars)
    assert not unexplained, f"extracted characters with no drawn glyph: {unexplained[:20]}"


# -- internals -----------------------------------------------------------------------------


def _resources(owner: DictionaryObject) -> DictionaryObject:
    return (owner.get("/Resources") or DictionaryObject()).get_object()


def _xobject_owners(owner: DictionaryObject, seen: set[int] | None = None) -> Iterator:
    """A page, then recursively every form XObject it draws (each once)."""
    seen = set() if seen is None else seen
    yield owner
    for ref in ((_resources(owner).get("/XObject") or DictionaryObject()).get_object()).values():
        if isinstance(ref, IndirectObject):
            if ref.idnum in seen:
                continue
            seen.add(ref.idnum)
        xobject = ref.get_object()
        if xobject.get("/Subtype") == "/Form":
            yield from _xobject_owners(xobject, seen)


def _streams(owner: DictionaryObject, reader: PdfReader) -> Iterator[tuple[list, DictionaryObject]]:
    """(operations, font resources) for a page and each form XObject it draws."""
    for stream_owner in _xobject_owners(owner):
        fonts = (_resources(stream_owner).get("/Font") or DictionaryObject()).get_object()
        contents = (
            stream_owner.get_contents() if hasattr(stream_owner, "get_contents") else stream_owner
        )
        if contents is not None:
            yield ContentStream(contents, reader).operations, fonts


def _font_info(ref: IndirectObject, cache: dict[int, _FontInfo]) -> _FontInfo:
    key = ref.idnum if isinstance(ref, IndirectObject) else id(ref)
    if key in cache:
        return cache[key]
    font = ref.get_object()
    base_font = str(font.get("/BaseFont", ""))[1:] if font.get("/BaseFont") else ""
    match = _SUBSET_PREFIX.match(base_font)
    descriptor_owner = font
    if font.get("/Subtype") == "/Type0":
        descriptor_owner = font["/DescendantFonts"][0].get_object()
    descriptor = (descriptor_owner.get("/FontDescriptor") or DictionaryObject()).get_object()
    font_file = next(
        (k for k in ("/FontFile2", "/FontFile3", "/FontFile") if k in descriptor), None
    )
    ttfont = full_name = weight = None
    if font_file in ("/FontFile2", "/FontFile3"):
        data = descriptor[font_file].get_object().get_data()
        if data[:4] in (b"\x00\x01\x00\x00", b"OTTO", b"true", b"ttcf"):
            ttfont = TTFont(io.BytesIO(data), fontNumber=0, lazy=True)
            full_name = ttfont["name"].getDebugName(4) if "name" in ttfont else None
            weight = ttfont["OS/2"].usWeightClass if "OS/2" in ttfont else None
    to_unicode: dict[int, str] = {}
    if "/ToUnicode" in font:
        to_unicode = _parse_to_unicode(font["/ToUnicode"].get_object().get_data())
    info = EmbeddedFont(
        base_font=base_font,
        name=match.group(2) if match else base_font,
        subset_prefix=match.group(1) if match else None,
        font_file=font_file[1:] if font_file else None,
        full_name=full_name or "",
        weight_class=weight,
    )
    # WeasyPrint writes Identity-H, or, when some character had no glyph anywhere, an
    # embedded CMap that sends those codes to CID 0 (.notdef). Both use 2-byte codes.
    two_byte = font.get("/Subtype") == "/Type0"
    encoding = font.get("/Encoding")
    code_to_cid = None
    if two_byte and encoding is not None and not isinstance(encoding.get_object(), NameObject):
        code_to_cid = _parse_cid_cmap(encoding.get_object().get_data())
    cache[key] = _FontInfo(info, to_unicode, code_to_cid, two_byte, ttfont)
    return cache[key]


def _codes(operands: list, two_byte: bool) -> Iterator[int]:
    strings = operands[0] if operands and isinstance(operands[0], list) else operands[-1:]
    for item in strings:
        if isinstance(item, (int, float)):  # TJ kerning adjustments
            continue
        raw = item.original_bytes if hasattr(item, "original_bytes") else bytes(item)
        if two_byte:
            yield from (int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw) - 1, 2))
        else:
            yield from raw


def _glyph(font: _FontInfo, code: int) -> DrawnGlyph:
    # Type0 with CIDToGIDMap /Identity (what WeasyPrint writes): CID == glyph id.
    char = font.to_unicode.get(code, "")
    gid = code if font.code_to_cid is None else font.code_to_cid.get(code, 0)
    real = False
    ttfont = font.ttfont
    if ttfont is not None and font.two_byte and 0 < gid < ttfont["maxp"].numGlyphs:
        glyph_set = ttfont.getGlyphSet()
        name = f"cid{gid:05d}" if f"cid{gid:05d}" in glyph_set else ttfont.getGlyphName(gid)
        pen = ControlBoundsPen(glyph_set)
        glyph_set[name].draw(pen)
        real = pen.bounds is not None or not char.strip()
    return DrawnGlyph(char=char, gid=gid, font=font.info.base_font, real=real)


_BFCHAR = re.compile(r"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(r"beginbfrange(.*?)endbfrange", re.S)
_PAIR = re.compile(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>")
_RANGE = re.compile(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])")


_CIDCHAR = re.compile(r"begincidchar(.*?)endcidchar", re.S)
_CIDRANGE = re.compile(r"begincidrange(.*?)endcidrange", re.S)


def _parse_cid_cmap(cmap: bytes) -> dict[int, int]:
    text = cmap.decode("latin-1")
    mapping: dict[int, int] = {}
    for block in _CIDCHAR.findall(text):
        for src, cid in re.findall(r"<([0-9A-Fa-f]+)>\s*(\d+)", block):
            mapping[int(src, 16)] = int(cid)
    for block in _CIDRANGE.findall(text):
        for low, high, cid in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\d+)", block):
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                mapping[code] = int(cid) + offset
    return mapping


def _utf16(hex_string: str) -> str:
    return bytes.fromhex(hex_string).decode("utf-16-be", errors="replace")


def _parse_to_unicode(cmap: bytes) -> dict[int, str]:
    text = cmap.decode("latin-1")
    mapping: dict[int, str] = {}
    for block in _BFCHAR.findall(text):
        for src, dst in _PAIR.findall(block):
            mapping[int(src, 16)] = _utf16(dst)
    for block in _BFRANGE.findall(text):
        for low, high, dst in _RANGE.findall(block):
            low_code, high_code = int(low, 16), int(high, 16)
            if dst.startswith("["):
                targets = [_utf16(h) for h in re.findall(r"<([0-9A-Fa-f]*)>", dst)]
                mapping.update(zip(range(low_code, high_code + 1), targets, strict=False))
            else:
                start = bytes.fromhex(dst[1:-1])
                prefix, last = start[:-2], int.from_bytes(start[-2:], "big")
                for offset, code in enumerate(range(low_code, high_code + 1)):
                    value = prefix + (last + offset).to_bytes(2, "big")
                    mapping[code] = value.decode("utf-16-be", errors="replace")
    return mapping
