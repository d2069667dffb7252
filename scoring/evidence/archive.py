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

from scoring.messages import N_, Message

from .errors import EvidenceRejected, rejected, unsupported

MAX_MEMBERS = 1000
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
# Office XML compresses about 10-20x; far higher ratios on a big member mean a bomb.
MAX_RATIO = 100
RATIO_CHECK_FROM_BYTES = 1024 * 1024
MAX_CONTENT_TYPES_BYTES = 1024 * 1024

_DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_MACROS = N_("文档含有宏，不予接收")


def _unsafe(message: Message) -> EvidenceRejected:
    return rejected("archive_unsafe", message)


def _check_member(info: zipfile.ZipInfo) -> None:
    name = info.filename.replace("\\", "/")
    if name.startswith("/") or ".." in name.split("/") or ":" in name or "\x00" in name:
        raise _unsafe(N_("压缩包内含可疑路径：%(name)s", name=repr(name[:80])))
    if stat.S_ISLNK(info.external_attr >> 16):
        raise _unsafe(N_("压缩包内含符号链接"))
    if info.flag_bits & 0x1:
        raise rejected("encrypted", N_("文档已加密，请去除密码后上传"))
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _unsafe(N_("压缩包使用了不支持的压缩方式"))
    if info.file_size > RATIO_CHECK_FROM_BYTES and info.file_size > MAX_RATIO * max(
        info.compress_size, 1
    ):
        raise _unsafe(N_("压缩比异常（疑似压缩炸弹）"))


def _open_checked(data: bytes) -> zipfile.ZipFile:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise rejected("corrupt", N_("压缩包已损坏，无法打开")) from exc
    if len(infos) > MAX_MEMBERS:
        raise _unsafe(N_("压缩包条目过多（超过 %(limit)s 个）", limit=MAX_MEMBERS))
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        # Two entries with one name let different readers see different documents.
        raise _unsafe(N_("压缩包内有重名条目"))
    total = 0
    for info in infos:
        _check_member(info)
        total += info.file_size
    if total > MAX_UNZIPPED_BYTES:
        raise _unsafe(N_("解压后超过 %(mb)s MB（疑似压缩炸弹）", mb=MAX_UNZIPPED_BYTES // (1024 * 1024)))
    return zf


def ooxml_kind(data: bytes) -> str:
    """Return "docx" or "xlsx" for a safe Office Open XML file, else raise EvidenceRejected."""
    with _open_checked(data) as zf:
        names = set(zf.namelist())
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            raise unsupported(_MACROS)
        info = zf.getinfo("[Content_Types].xml") if "[Content_Types].xml" in names else None
        if info is None or info.file_size > MAX_CONTENT_TYPES_BYTES:
            raise unsupported(N_("ZIP 压缩包不是 Word（.docx）或 Excel（.xlsx）文档"))
        try:
            content_types = zf.read(info)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise rejected("corrupt", N_("文档已损坏，无法读取")) from exc
    if b"macroEnabled" in content_types:
        raise unsupported(_MACROS)
    if _DOCX_MAIN in content_types and "word/document.xml" in names:
        return "docx"
    if _XLSX_MAIN in content_types and "xl/workbook.xml" in names:
        return "xlsx"
    if b"presentationml" in content_types:
        raise unsupported(N_("不支持 PowerPoint 文件，请转为 PDF 后上传"))
    raise unsupported(N_("文件不是 Word（.docx）或 Excel（.xlsx）文档"))


def check_archive(data: bytes) -> None:
    """Refuse unsafe containers; extraction calls this again so it never trusts its caller."""
    _open_checked(data).close()
