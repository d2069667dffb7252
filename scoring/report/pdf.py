"""HTML → PDF with WeasyPrint 70, the bundled CJK fonts and a deny-by-default URL fetcher.

An output adapter shared by the web app, the CLI and job workers, so it never imports flask.
The choices here: one long-lived renderer per process (fonts and base CSS loaded once), fonts
bundled as static TrueType files, and every URL the document names refused unless it is a
bundled asset or a small inline image (WeasyPrint reads whatever its URL fetcher returns).
"""

from __future__ import annotations

import logging
import mimetypes
import os
import threading
import warnings
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

with warnings.catch_warnings():
    # WeasyPrint only *warns* at import when libharfbuzz-subset is missing (and pytest's
    # filterwarnings=error turns that into an obscure import error). check_pdf_environment()
    # reports the same condition as a clear PdfEnvironmentError instead.
    warnings.filterwarnings("ignore", message="HarfBuzz-Subset", category=DeprecationWarning)
    import weasyprint
    from weasyprint.pdf import fonts as weasy_pdf_fonts
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
FONT_DIR = STATIC_DIR / "fonts"
FONT_FILES = ("NotoSansSC-Regular.ttf", "NotoSansSC-Bold.ttf")
_TRUETYPE_MAGIC = b"\x00\x01\x00\x00"


class PdfEnvironmentError(RuntimeError):
    """The machine cannot produce correct, fast PDFs (fonts or native libraries missing)."""


class AssetFetcher(URLFetcher):
    """Serve files under ``static_dir`` and small inline images; refuse every other URL.

    WeasyPrint sends HTML images, ``<link>`` stylesheets, ``@import``, ``@font-face``, SVG
    references, ``<object>``/``<embed>`` and attachments through this one object, so it is
    the control against SSRF and local-file reads (``file:///etc/passwd``, ``/dev/urandom``). Refusals are logged
    and kept in ``refused`` (what was served is kept in ``served``); WeasyPrint then skips a
    refused resource and carries on.
    """

    MAX_DATA_URL = 200_000
    DATA_TYPES = frozenset({"image/png", "image/jpeg", "image/svg+xml"})

    def __init__(self, static_dir: Path = STATIC_DIR) -> None:
        # The parent class only ever sees data: URLs; no redirects in case that changes.
        super().__init__(timeout=5, allowed_protocols={"data"}, allow_redirects=False)
        self.static_dir = static_dir.resolve()
        self.refused: list[str] = []
        self.served: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        scheme = url.partition(":")[0].lower()
        if scheme == "file" and (path := self._static_file(url)) is not None:
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if content_type.startswith("text/"):
                content_type += "; charset=utf-8"
            self.served.append(url)
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})
        if scheme == "data" and self._small_image(url):
            self.served.append(url[:200])
            return super().fetch(url, headers)
        self.refused.append(url[:200])  # data: URLs can be huge
        log.warning("PDF renderer refused URL %.200s", url)
        raise ValueError(f"URL refused by AssetFetcher: {url[:80]}")

    def _static_file(self, url: str) -> Path | None:
        try:
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost"):
                return None
            # url2pathname decodes %2e%2e; resolve() then collapses ../ and follows symlinks,
            # so the containment test below sees the real location.
            path = Path(url2pathname(parts.path)).resolve()
            if path.is_relative_to(self.static_dir) and path.is_file():
                return path
        except (OSError, ValueError):  # NUL bytes, malformed netloc, …
            pass
        return None

    def _small_image(self, url: str) -> bool:
        if len(url) > self.MAX_DATA_URL:
            return False
        media_type = url[len("data:") :].partition(",")[0].split(";")[0].strip().lower()
        return media_type in self.DATA_TYPES


def check_pdf_environment(font_dir: Path = FONT_DIR) -> None:
    """Raise PdfEnvironmentError for what would otherwise degrade every PDF silently.

    Without the bundled fonts WeasyPrint falls back to whatever fontconfig finds (tofu on a
    machine without a CJK font, with no error). Without libharfbuzz-subset it subsets fonts
    with fontTools and only logs a warning: ≈ 8 s per CJK scorecard instead of ≈ 0.2 s.
    """
    for name in FONT_FILES:
        path = font_dir / name
        try:
            with path.open("rb") as file:
                magic = file.read(4)
        except OSError as exc:
            raise PdfEnvironmentError(
                f"Bundled font {path} cannot be read ({exc.strerror}). The fonts are part of "
                "the repository (scoring/report/static/fonts/README.md)."
            ) from exc
        if magic != _TRUETYPE_MAGIC:
            raise PdfEnvironmentError(
                f"{path} is not a TrueType font (a Git LFS pointer or a truncated checkout?)."
            )
    # The exact test WeasyPrint's Font.subset() makes before using HarfBuzz (pdf/fonts.py);
    # the library itself is dlopen()ed as libharfbuzz-subset.so.0 in weasyprint/text/ffi.py.
    harfbuzz = weasy_pdf_fonts.harfbuzz
    if not (weasy_pdf_fonts.harfbuzz_subset and harfbuzz.hb_version_atleast(4, 1, 0)):
        raise PdfEnvironmentError(
            "libharfbuzz-subset (HarfBuzz >= 4.1) cannot be loaded. Install the Debian package "
            "libharfbuzz-subset0 (listed in scripts/apt-packages.txt); without it every CJK "
            "PDF takes seconds to write."
        )


class PdfRenderer:
    """Long-lived renderer: fonts are loaded and the base CSS parsed once per process.

    Re-creating the FontConfiguration per document reloads every @font-face file; keeping one,
    built together with the base CSS (its @font-face rules only apply to documents rendered
    with the same FontConfiguration), halves the floor and keeps RSS flat (a woff2 font without it cost 5 s per document).
    """

    def __init__(self, static_dir: Path = STATIC_DIR) -> None:
        check_pdf_environment(static_dir / "fonts")
        self.static_dir = static_dir.resolve()
        self.base_url = self.static_dir.as_uri() + "/"  # templates use fonts/…, x.css
        self.font_config = FontConfiguration()
        fetcher = AssetFetcher(self.static_dir)
        self.base_css = weasyprint.CSS(
            filename=self.static_dir / "base.css",
            base_url=self.base_url,
            font_config=self.font_config,
            url_fetcher=fetcher,
        )
        if fetcher.refused:
            raise PdfEnvironmentError(f"base.css refers to refused URLs: {fetcher.refused}")
        # Pango/fontconfig objects are shared across documents; threads would not speed
        # rendering up anyway (layout is pure Python), so documents go one at a time.
        self._lock = threading.Lock()
        self._bundled: dict[str, weasyprint.CSS] = {}

    def bundled_css(self, name: str) -> weasyprint.CSS:
        """A stylesheet of ``static_dir`` (e.g. "scorecard.css"), parsed on first use only.

        Parsing a 200-line stylesheet costs more than rendering a one-page document, so
        documents use these instead of ``<link>`` (call under ``self._lock``).
        """
        if name not in self._bundled:
            fetcher = AssetFetcher(self.static_dir)
            path = fetcher._static_file((self.static_dir / name).as_uri())
            if path is None:
                raise ValueError(f"no stylesheet {name!r} in {self.static_dir}")
            self._bundled[name] = weasyprint.CSS(
                filename=path, base_url=self.base_url, font_config=self.font_config, url_fetcher=fetcher
            )
        return self._bundled[name]

    def render(
        self,
        html: str,
        *,
        extra_css: str | None = None,
        fetcher: AssetFetcher | None = None,
        bundled: tuple[str, ...] = (),
    ) -> bytes:
        """Render one HTML document; pass ``fetcher`` to inspect what it refused.

        ``bundled`` names stylesheets of static/ to apply after base.css (see bundled_css).
        """
        fetcher = fetcher or AssetFetcher(self.static_dir)
        document = weasyprint.HTML(string=html, base_url=self.base_url, url_fetcher=fetcher)
        with self._lock:
            stylesheets = [self.base_css, *(self.bundled_css(name) for name in bundled)]
            if extra_css:
                stylesheets.append(
                    weasyprint.CSS(
                        string=extra_css,
                        base_url=self.base_url,
                        font_config=self.font_config,
                        url_fetcher=fetcher,
                    )
                )
            # presentational_hints stays off: CVE-2026-49452 (CSS injection through them).
            return document.write_pdf(
                stylesheets=stylesheets, font_config=self.font_config, presentational_hints=False
            )

    def _disown_after_fork(self) -> None:
        # A forked child must not run FontConfiguration.__del__ on an inherited copy: it would
        # delete the temporary font folder that the parent's Pango still reads fonts from.
        self.font_config._folder = None


_renderer: PdfRenderer | None = None
_renderer_pid = 0
_inherited: list[PdfRenderer] = []
_renderer_lock = threading.Lock()


def get_renderer() -> PdfRenderer:
    """Return this process's renderer, creating it (and checking the environment) on first use."""
    global _renderer, _renderer_pid
    with _renderer_lock:
        if _renderer is not None and _renderer_pid != os.getpid():
            _renderer._disown_after_fork()
            _inherited.append(_renderer)  # keep Pango objects alive, never finalise them here
            _renderer = None
        if _renderer is None:
            _renderer = PdfRenderer()
            _renderer_pid = os.getpid()
        return _renderer


def render_pdf(html: str) -> bytes:
    """Render ``html`` with the process-wide renderer."""
    return get_renderer().render(html)

