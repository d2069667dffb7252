"""Header checks for PNG and JPEG evidence, without decoding a single pixel.

Images are stored and downloaded, never parsed further, but a browser or a later PDF step
may decode them, so a pixel flood (a tiny file declaring 9000x9000 pixels) and a truncated
file are refused at upload.
"""

from __future__ import annotations

import struct

from scoring.messages import N_

from .errors import EvidenceRejected, rejected

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
# 50 megapixels admits a 48 MP phone photo and refuses a 9000×9000 (81 MP) pixel-flood PNG.
DEFAULT_MAX_PIXELS = 50_000_000

_PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
# Start-of-frame markers carry the image size; C4 (DHT), C8 (JPG) and CC (DAC) are not frames.
_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _damaged(kind: str) -> EvidenceRejected:
    return rejected("corrupt", N_("%(kind)s 图片已损坏或不完整", kind=kind))


def _check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width <= 0 or height <= 0:
        raise rejected("corrupt", N_("图片尺寸无效"))
    if width * height > max_pixels:
        raise rejected("image_too_large",
                       N_("图片尺寸过大（%(width)s×%(height)s 像素），请缩小后上传", width=width, height=height))


def check_png(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> None:
    """Refuse a PNG without a proper IHDR/IEND or with too many pixels."""
    if len(data) < 33 or data[12:16] != b"IHDR":
        raise _damaged("PNG")
    width, height = struct.unpack(">II", data[16:24])
    _check_pixels(width, height, max_pixels)
    # Data after IEND is how PNG/ZIP and PNG/HTML polyglots are built; a real PNG ends here.
    if not data.endswith(_PNG_IEND):
        raise _damaged("PNG")


def _jpeg_size(data: bytes) -> tuple[int, int, int]:
    """Walk the JPEG marker segments up to the scan; return (width, height, scan offset)."""
    pos, size = 2, None
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise _damaged("JPEG")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length field
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if length < 2:
            raise _damaged("JPEG")
        if marker in _JPEG_SOF and pos + 9 <= len(data):
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            size = (width, height)
        if marker == 0xDA:  # start of scan: headers are over
            if size is None:
                raise _damaged("JPEG")
            return size[0], size[1], pos
        pos += 2 + length
    raise _damaged("JPEG")


def check_jpeg(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> None:
    """Refuse a JPEG without a frame header, with too many pixels, or cut off mid-scan."""
    width, height, scan = _jpeg_size(data)
    _check_pixels(width, height, max_pixels)
    # The end-of-image marker must follow the scan (an EXIF thumbnail's own EOI comes earlier).
    if data.rfind(b"\xff\xd9") <= scan:
        raise _damaged("JPEG")
