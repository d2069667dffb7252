"""What an upload is, decided by its bytes: type allow-list, size, archive bombs, pixel floods."""

from __future__ import annotations

import io
import re
import resource
import zipfile

import pytest

from scoring.evidence import EvidenceRejected, detect_type
from scoring.evidence.archive import MAX_MEMBERS
from scoring.messages import Message
from tests.scoring.evidence.builders import (
    DOCX_CONTENT_TYPES,
    make_docx,
    make_jpeg,
    make_pdf,
    make_png,
    make_xlsx,
    make_zip,
)

REPORT_TEXT = "2025年法治政府建设年度报告\n\n一、主要举措和成效\n".encode()
FAKE_EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def rejection(data: bytes, filename: str, **kwargs: int) -> EvidenceRejected:
    with pytest.raises(EvidenceRejected) as caught:
        detect_type(data, filename, **kwargs)
    return caught.value


def assert_message_id(error: EvidenceRejected) -> None:
    """The reason is a Chinese message id the web shows in the uploader's language (its English
    is checked by tests/web/test_i18n.py), and ``reason`` its Chinese text."""
    assert isinstance(error.message, Message), error.message
    assert re.search(r"[\u4e00-\u9fff]", error.message.id), error.message
    assert error.reason == str(error.message)


@pytest.mark.parametrize(
    ("data", "filename", "kind"),
    [
        (make_pdf([["测试"]]), "报告.pdf", "pdf"),
        (make_docx(), "报告.docx", "docx"),
        (make_xlsx({"台账": [["日期", "事项"]]}), "台账.xlsx", "xlsx"),
        (REPORT_TEXT, "报告.txt", "txt"),
        (b"\xef\xbb\xbf" + REPORT_TEXT, "bom.txt", "txt"),
        ("一、主要举措和成效\r\n".encode("gb18030"), "旧电脑.txt", "txt"),
        (make_jpeg(), "现场照片.jpg", "jpg"),
        (make_jpeg(), "现场照片.JPEG", "jpg"),
        (make_png(), "截图.png", "png"),
        (make_pdf([["测试"]]), "报告.PDF", "pdf"),
        (make_pdf([["测试"]]), "..\\..\\报告.pdf", "pdf"),
    ],
)
def test_each_allowed_type_is_recognised_by_content(data: bytes, filename: str, kind: str) -> None:
    assert detect_type(data, filename) == kind


@pytest.mark.parametrize(
    ("data", "filename", "says"),
    [
        (FAKE_EXE, "报告.pdf", "可执行程序"),
        (FAKE_EXE, "台账.xlsx", "可执行程序"),
        (HTML, "报告.pdf", "网页"),
        (HTML, "报告.txt", "网页"),
        (b"\n  <svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "图.png", "网页"),
        (b"%PDF-1.4\n<html><script>alert(1)</script></html>", "报告.pdf", "PDF 与网页"),
        (make_zip({"readme.txt": b"hello"}), "报告.docx", "Word"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "旧报告.docx", ".doc/.xls"),
        (b"GIF89a\x01\x00\x01\x00", "图.png", "GIF"),
        ("报告".encode("utf-16"), "报告.txt", "UTF-16"),
        (b"abc\x00def", "报告.txt", "二进制"),
        (b"text with a bell \x07 character", "报告.txt", "控制字符"),
        (b"\x81\x30\x81", "报告.txt", "编码"),  # neither UTF-8 nor GB18030
    ],
)
def test_content_of_no_allowed_type_is_refused_and_named(
    data: bytes, filename: str, says: str
) -> None:
    error = rejection(data, filename)
    assert error.code == "unsupported_type"
    assert says in error.reason
    assert "允许的类型" in error.reason
    assert_message_id(error)


@pytest.mark.parametrize(
    ("data", "filename", "content"),
    [
        (make_png(), "照片.jpg", "PNG"),
        (make_jpeg(), "截图.png", "JPG"),
        (REPORT_TEXT, "报告.pdf", "纯文本"),
        (make_pdf([["测试"]]), "报告.txt", "PDF"),
        (make_docx(), "台账.xlsx", "Word"),
        (make_xlsx({"S": [["a"]]}), "报告.docx", "Excel"),
    ],
)
def test_extension_disagreeing_with_content_is_refused(
    data: bytes, filename: str, content: str
) -> None:
    error = rejection(data, filename)
    assert error.code == "extension_mismatch"
    assert content in error.reason
    assert_message_id(error)


@pytest.mark.parametrize(
    "filename", ["报告", "报告.exe", "台账.xlsm", "报告.doc", "报告.pdf.exe", "图.svg"]
)
def test_names_without_an_allowed_extension_are_refused(filename: str) -> None:
    error = rejection(make_pdf([["测试"]]), filename)
    assert error.code == "unsupported_type"
    assert_message_id(error)


def test_an_empty_file_is_refused() -> None:
    error = rejection(b"", "报告.pdf")
    assert error.code == "empty"
    assert error.reason == "文件为空"


def test_size_limit_is_inclusive_and_one_byte_over_is_refused() -> None:
    data = make_pdf([["测试"]])
    assert detect_type(data, "a.pdf", max_bytes=len(data)) == "pdf"
    error = rejection(data, "a.pdf", max_bytes=len(data) - 1)
    assert error.code == "too_large"
    assert_message_id(error)


def test_default_size_limit_is_twenty_megabytes() -> None:
    error = rejection(b"a" * (20 * 1024 * 1024 + 1), "big.txt")
    assert error.code == "too_large"
    assert "20 MB" in error.reason


def test_pixel_flood_png_is_refused_before_decoding() -> None:
    flood = make_png(9000, 9000, bit_depth=1)  # 81 megapixels in about 10 KB
    assert len(flood) < 20_000
    error = rejection(flood, "flood.png")
    assert error.code == "image_too_large"
    assert "9000×9000" in error.reason


def test_pixel_flood_jpeg_is_refused() -> None:
    assert rejection(make_jpeg(15000, 15000), "flood.jpg").code == "image_too_large"


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (make_jpeg()[:-40], "truncated.jpg"),
        (make_png()[:-12], "truncated.png"),
        (make_png() + b"PK\x03\x04polyglot", "polyglot.png"),
    ],
)
def test_truncated_or_padded_images_are_refused(data: bytes, filename: str) -> None:
    assert rejection(data, filename).code == "corrupt"


def ooxml_with(extra: dict[str, bytes], content_types: bytes = DOCX_CONTENT_TYPES) -> bytes:
    return make_zip({"[Content_Types].xml": content_types, "word/document.xml": b"<w/>", **extra})


def test_zip_bomb_over_total_uncompressed_limit_is_refused_without_inflating() -> None:
    # 101 members of 1 MiB zeros (each under the ratio check): 101 MiB declared, ~100 KiB on disk.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", DOCX_CONTENT_TYPES)
        zf.writestr("word/document.xml", b"<w/>")
        for i in range(101):
            zf.writestr(f"word/media/zeros{i}.bin", bytes(1024 * 1024))
    bomb = out.getvalue()
    assert len(bomb) < 1024 * 1024
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    error = rejection(bomb, "bomb.docx")
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert error.code == "archive_unsafe"
    assert "100 MB" in error.reason
    assert grown_kib < 50 * 1024


def test_zip_member_with_bomb_compression_ratio_is_refused() -> None:
    bomb = ooxml_with({"word/media/zeros.bin": bytes(8 * 1024 * 1024)}, DOCX_CONTENT_TYPES)
    error = rejection(bomb, "bomb.docx")
    assert error.code == "archive_unsafe"
    assert "压缩比" in error.reason


def test_zip_with_too_many_members_is_refused() -> None:
    many = ooxml_with({f"word/m{i}.xml": b"x" for i in range(MAX_MEMBERS)})
    assert rejection(many, "many.docx").code == "archive_unsafe"


@pytest.mark.parametrize("name", ["../evil.xml", "/etc/passwd", "word/../../evil.xml", "C:/x.xml"])
def test_zip_entry_paths_escaping_the_archive_are_refused(name: str) -> None:
    assert rejection(ooxml_with({name: b"x"}), "a.docx").code == "archive_unsafe"


def test_zip_symlink_entry_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", DOCX_CONTENT_TYPES)
        zf.writestr("word/document.xml", b"<w/>")
        link = zipfile.ZipInfo("word/link.xml")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
    assert "符号链接" in rejection(out.getvalue(), "a.docx").reason


def test_zip_with_duplicate_entry_names_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", DOCX_CONTENT_TYPES)
        zf.writestr("word/document.xml", b"<w/>")
        with pytest.warns(UserWarning, match="Duplicate name"):
            zf.writestr("word/document.xml", b"<other/>")
    assert "重名" in rejection(out.getvalue(), "a.docx").reason


def test_macro_enabled_workbook_renamed_xlsx_is_refused() -> None:
    xlsm_types = (
        b'<Types><Override PartName="/xl/workbook.xml" ContentType="application/'
        b'vnd.ms-excel.sheet.macroEnabled.main+xml"/></Types>'
    )
    xlsm = make_zip({"[Content_Types].xml": xlsm_types, "xl/workbook.xml": b"<w/>"})
    error = rejection(xlsm, "台账.xlsx")
    assert "宏" in error.reason
    with_vba = ooxml_with({"word/vbaProject.bin": b"\x00"})
    assert "宏" in rejection(with_vba, "报告.docx").reason


def test_damaged_zip_is_refused() -> None:
    data = make_docx()
    assert rejection(data[: len(data) // 2], "cut.docx").code == "corrupt"
