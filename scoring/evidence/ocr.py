"""Text of scanned PDF pages and photos, by Tesseract OCR with its simplified-Chinese data.

Tesseract (Debian ``tesseract-ocr`` + ``tesseract-ocr-chi-sim``) and, for PDF pages, poppler's
``pdftoppm`` are run as programs, each call with a time limit and one thread, so a hostile or
huge scan cannot hold the machine. Where they are missing, ``ocr_ready()`` is False and the
caller reports the file as having no text layer instead of an empty document.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .pdf_text import _SPACE_IN_CJK, _join

LANGUAGES = "chi_sim+eng"
OCR_TIMEOUT_SECONDS = 60
RENDER_DPI = 200
MAX_OCR_PAGES = 200
_ENV = {**os.environ, "OMP_THREAD_LIMIT": "1"}


@functools.cache
def ocr_ready() -> bool:
    """Is Tesseract installed with the simplified-Chinese data?"""
    if shutil.which("tesseract") is None:
        return False
    try:
        listed = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=10,
                                env=_ENV, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return "chi_sim" in listed.stdout.split()


def pdf_ocr_ready() -> bool:
    """OCR of PDF pages also needs pdftoppm (Debian ``poppler-utils``) to render them."""
    return ocr_ready() and shutil.which("pdftoppm") is not None


def paragraphs_of(text: str) -> list[str]:
    """Tesseract's text as paragraphs: blank lines separate them, wrapped lines are rejoined,
    and the spaces it puts between Chinese characters are removed."""
    paragraphs, current = [], ""
    for raw in text.splitlines():
        line = _SPACE_IN_CJK.sub("", " ".join(raw.split()))
        if not line:
            if current:
                paragraphs.append(current)
            current = ""
            continue
        current = _join(current, line)
    if current:
        paragraphs.append(current)
    return [p for p in paragraphs if any(ch.isalnum() for ch in p)]


def ocr_image(data: bytes) -> list[str]:
    """The paragraphs Tesseract reads in a PNG or JPEG image (empty if OCR is not installed)."""
    if not ocr_ready():
        return []
    try:
        done = subprocess.run(["tesseract", "stdin", "stdout", "-l", LANGUAGES, "--psm", "3"], input=data,
                              capture_output=True, timeout=OCR_TIMEOUT_SECONDS, env=_ENV, check=False)
    except subprocess.TimeoutExpired:
        return []
    if done.returncode != 0:
        return []
    return paragraphs_of(done.stdout.decode("utf-8", "replace"))


def ocr_pdf_page(data: bytes, page: int) -> list[str]:
    """OCR of one PDF page (1-based), rendered at 200 dpi; empty past ``MAX_OCR_PAGES``."""
    if page > MAX_OCR_PAGES or not pdf_ocr_ready():
        return []
    with tempfile.TemporaryDirectory(prefix="evidence-ocr-") as tmp:
        source = Path(tmp, "in.pdf")
        source.write_bytes(data)
        try:
            subprocess.run(["pdftoppm", "-f", str(page), "-l", str(page), "-r", str(RENDER_DPI), "-gray", "-png",
                            "-singlefile", str(source), str(Path(tmp, "page"))],
                           capture_output=True, timeout=OCR_TIMEOUT_SECONDS, env=_ENV, check=False)
        except subprocess.TimeoutExpired:
            return []
        image = Path(tmp, "page.png")
        return ocr_image(image.read_bytes()) if image.exists() else []
