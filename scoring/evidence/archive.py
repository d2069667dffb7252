"""Safety checks on DOCX/XLSX containers (ZIP files) before any parser touches them.

Everything here reads only the ZIP central directory and the tiny ``[Content_Types].xml``,
so a zip bomb is refused before a single large member is inflated. The declared sizes can
be trusted as an upper bound: Python's ``zipfile`` (used by python-docx and openpyxl) stops
inflating a member at its declared ``file_size`` and then fails its CRC check.
"""

from __future__ import annotations

import io
import stat
import zipfile

from .errors import EvidenceRejected, rejected, unsupported

MAX_MEMBERS = 1000
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
# Office XML compresses about 10-20x; far higher ratios on a big member mean a bomb.
MAX_RATIO = 100
RATIO_CHECK_FROM_BYTES = 1024 * 1024
MAX_CONTENT_TYPES_BYTES = 1024 * 1024

_DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def _unsafe(zh: str, en: str) -> EvidenceRejected:
    return rejected("archive_unsafe", zh, en)


def _check_member(info: zipfile.ZipInfo) -> None:
    name = info.filename.replace("\\", "/")
    if name.startswith("/") or ".." in name.split("/") or ":" in name or "\x00" in name:
        raise _unsafe(
            f"压缩包内含可疑路径：{name[:80]!r}", f"Archive entry has an unsafe path: {name[:80]!r}"
        )
    if stat.S_ISLNK(info.external_attr >> 16):
        raise _unsafe("压缩包内含符号链接", "Archive contains a symbolic link")
    if info.flag_bits & 0x1:
        raise rejected(
            "encrypted",
            "文档已加密，请去除密码后上传",
            "The document is encrypted; remove the password",
        )
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _unsafe(
            "压缩包使用了不支持的压缩方式", "Archive uses an unsupported compression method"
        )
    if info.file_size > RATIO_CHECK_FROM_BYTES and info.file_size > MAX_RATIO * max(
        info.compress_size, 1
    ):
        raise _unsafe(
            "压缩比异常（疑似压缩炸弹）", "Abnormal compression ratio (suspected zip bomb)"
        )


def _open_checked(data: bytes) -> zipfile.ZipFile:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise rejected(
            "corrupt", "压缩包已损坏，无法打开", "The file is a damaged ZIP container"
        ) from exc
    if len(infos) > MAX_MEMBERS:
        raise _unsafe(
            f"压缩包条目过多（超过 {MAX_MEMBERS} 个）",
            f"Archive has more than {MAX_MEMBERS} entries",
        )
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        # Two entries with one name let different readers see different documents.
        raise _unsafe("压缩包内有重名条目", "Archive has duplicate entry names")
    total = 0
    for info in infos:
        _check_member(info)
        total += info.file_size
    if total > MAX_UNZIPPED_BYTES:
        raise _unsafe(
            f"解压后超过 {MAX_UNZIPPED_BYTES // (1024 * 1024)} MB（疑似压缩炸弹）",
            f"Uncompressed size exceeds {MAX_UNZIPPED_BYTES // (1024 * 1024)} MB (suspected zip bomb)",
        )
    return zf


def ooxml_kind(data: bytes) -> str:
    """Return "docx" or "xlsx" for a safe Office Open XML file, else raise EvidenceRejected."""
    with _open_checked(data) as zf:
        names = set(zf.namelist())
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            raise unsupported("文档含有宏，不予接收", "Documents with macros are not accepted")
        info = zf.getinfo("[Content_Types].xml") if "[Content_Types].xml" in names else None
        if info is None or info.file_size > MAX_CONTENT_TYPES_BYTES:
            raise unsupported(
                "ZIP 压缩包不是 Word（.docx）或 Excel（.xlsx）文档",
                "The ZIP file is not a Word (.docx) or Excel (.xlsx) document",
            )
        try:
            content_types = zf.read(info)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise rejected("corrupt", "文档已损坏，无法读取", "The document is damaged") from exc
    if b"macroEnabled" in content_types:
        raise unsupported("文档含有宏，不予接收", "Documents with macros are not accepted")
    if _DOCX_MAIN in content_types and "word/document.xml" in names:
        return "docx"
    if _XLSX_MAIN in content_types and "xl/workbook.xml" in names:
        return "xlsx"
    if b"presentationml" in content_types:
        raise unsupported(
            "不支持 PowerPoint 文件，请转为 PDF 后上传",
            "PowerPoint files are not accepted; convert to PDF",
        )
    raise unsupported(
        "文件不是 Word（.docx）或 Excel（.xlsx）文档",
        "The file is not a Word (.docx) or Excel (.xlsx) document",
    )


def check_archive(data: bytes) -> None:
    """Refuse unsafe containers; extraction calls this again so it never trusts its caller."""
    _open_checked(data).close()
