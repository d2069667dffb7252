"""The PDF engine as a reader sees its output: real glyphs, bold where bold, small subset fonts,
no fetched URLs or smuggled files, bounded output for huge comments, a loud start-up check."""

from __future__ import annotations

import gc
import hashlib
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
import weasyprint
from fontTools.ttLib import TTFont

from scoring.evidence import decode_text
from scoring.report import pdf as pdf_module
from scoring.report.pdf import (
    FONT_DIR,
    FONT_FILES,
    STATIC_DIR,
    AssetFetcher,
    PdfEnvironmentError,
    PdfRenderer,
    check_pdf_environment,
    get_renderer,
    render_pdf,
)
from scoring.report.render import truncate_for_print
from tests import pdfcheck

REPO = Path(__file__).resolve().parents[3]
PLACE_NAMES = "垌洑埝堌碶漖澚坶浛"
# First paragraph of scoring/demo/evidence/新城镇/2015年新城镇依法行政工作报告.txt (a town's published
# 2015 report), verbatim, including its ASCII commas.
EVIDENCE_PARAGRAPH = (
    "今年以,根据市、区有关会议精神及上级有关要求和部署,新城镇坚持以经济建设为中心,以促进经济发展、"
    "社会稳定、依法行政为目标,深入开展法治宣传教育,扎实推进普法依法治理工作不断提升依法行政水平,"
    "着力夯实行政执法基础创新工作机制,全面推进法治政府建设。现将本年度工作报告如下:"
)
# The 3,755 level-1 GB2312 hanzi, for realistic comment text.
HANZI = [
    bytes([hi, lo]).decode("gb2312")
    for hi in range(0xB0, 0xD8)
    for lo in range(0xA1, 0xFF)
    if not (hi == 0xD7 and lo > 0xF9)
]


def page(body: str, head: str = "") -> str:
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"{head}</head><body>{body}</body></html>"
    )


REPORT = REPO / "scoring" / "demo" / "evidence" / "新城镇" / "2015年新城镇依法行政工作报告.txt"


def test_evidence_paragraph_is_verbatim() -> None:
    lines = [line.strip() for line in REPORT.read_text(encoding="utf-8").splitlines()]
    assert next(line for line in lines if len(line) > 50) == EVIDENCE_PARAGRAPH  # after the header


@pytest.fixture(scope="module")
def renderer() -> PdfRenderer:
    return get_renderer()


# -- fonts --------------------------------------------------------------------------------


def test_bundled_fonts_are_the_documented_files() -> None:
    # Same bytes on every machine (no LFS pointer, no re-encoding), hence the same PDFs.
    sums = dict(
        reversed(line.split()) for line in (FONT_DIR / "SHA256SUMS").read_text().splitlines()
    )
    assert sorted(sums) == sorted(FONT_FILES)
    for name, digest in sums.items():
        assert hashlib.sha256((FONT_DIR / name).read_bytes()).hexdigest() == digest, name
    assert (FONT_DIR / "OFL.txt").read_text().count("SIL OPEN FONT LICENSE Version 1.1") == 1


@pytest.mark.parametrize(("name", "weight"), [(FONT_FILES[0], 400), (FONT_FILES[1], 700)])
def test_bundled_font_is_static_truetype_with_full_coverage(name: str, weight: int) -> None:
    with TTFont(FONT_DIR / name, lazy=True) as font:
        assert "glyf" in font and "fvar" not in font  # TrueType outlines, not a variable font
        assert font["OS/2"].usWeightClass == weight
        cmap = font.getBestCmap()
    gb2312 = {
        char
        for char in (
            bytes([hi, lo]).decode("gb2312", errors="ignore")
            for hi in range(0xA1, 0xF8)
            for lo in range(0xA1, 0xFF)
        )
        if char
    }
    wanted = gb2312 | set(PLACE_NAMES) | set(EVIDENCE_PARAGRAPH)
    for path in REPORT.parent.parent.glob("*/*.txt"):  # every demo report, the real one included
        text = decode_text(path.read_bytes()) or ""  # UTF-8, or GB18030 for one of them
        wanted |= {c for c in text if not c.isspace()}
    assert len(gb2312) > 7000
    assert sorted(c for c in wanted if ord(c) not in cmap) == []


# -- text and glyphs ----------------------------------------------------------------------


def test_chinese_text_renders_with_real_glyphs_and_reads_back(renderer: PdfRenderer) -> None:
    place = f"地址：{PLACE_NAMES[:3]}镇碶头村埝口路（原垌口乡）"
    pdf = renderer.render(page(f"<h1>{place}</h1><p>{EVIDENCE_PARAGRAPH}</p>"))

    pdfcheck.assert_all_glyphs_real(pdf)
    text = pdfcheck.squash(pdfcheck.pdf_text(pdf))
    assert pdfcheck.squash(place) in text
    assert pdfcheck.squash(EVIDENCE_PARAGRAPH) in text
    assert "第1页/共1页" in text  # the @page footer from base.css
    assert {f.full_name for f in pdfcheck.embedded_fonts(pdf)} <= {
        "Noto Sans SC Regular",
        "Noto Sans SC Bold",
    }  # the bundled files, never a system fallback


def test_glyph_check_catches_tofu(renderer: PdfRenderer) -> None:
    # Guard against a vacuous checker: a code point no font has must be reported.
    pdf = renderer.render(page("<p>正常\U000f0001文字</p>"))
    with pytest.raises(AssertionError, match="U\\+F0001"):
        pdfcheck.assert_all_glyphs_real(pdf)


def test_bold_elements_use_the_bold_file_and_text_does_not(renderer: PdfRenderer) -> None:
    regular, bold, header = "常规甲单元", "加粗乙", "表头丙"
    pdf = renderer.render(
        page(
            f"<p>{regular[:3]}<b>{bold}</b></p><table><tr><th>{header}</th><td>{regular[3:]}</td></tr></table>"
        )
    )
    fonts = {f.base_font: f for f in pdfcheck.embedded_fonts(pdf)}
    by_char = {g.char: fonts[g.font] for g in pdfcheck.drawn_glyphs(pdf) if g.char.strip()}

    for char in bold + header:
        font = by_char[char]
        assert "Bold" in font.name and font.is_bold and font.full_name == "Noto Sans SC Bold", char
    for char in regular:
        font = by_char[char]
        assert "Bold" not in font.name and not font.is_bold, char
        assert font.full_name == "Noto Sans SC Regular", char


def test_fonts_are_embedded_as_subsets(renderer: PdfRenderer) -> None:
    pdf = renderer.render(page(f"<p>你好，法治政府 {PLACE_NAMES}</p><p><b>加粗</b></p>"))
    fonts = pdfcheck.embedded_fonts(pdf)
    assert len(fonts) == 2
    for font in fonts:
        assert font.embedded and font.font_file == "FontFile2", font
        assert font.subset_prefix is not None and len(font.subset_prefix) == 6, font
    # A subset of two 10 MB fonts; the whole files would make this > 20 MB.
    assert len(pdf) < 60_000


def test_same_html_gives_identical_bytes(renderer: PdfRenderer) -> None:
    html = page(f"<p>{EVIDENCE_PARAGRAPH}</p>")
    assert renderer.render(html) == renderer.render(html)


# -- hostile URLs -------------------------------------------------------------------------


# The canary fixture (a loopback server recording requests) is in conftest.py.


def test_hostile_urls_are_refused_without_any_request(
    renderer: PdfRenderer, canary: tuple[str, list[str]], tmp_path: Path
) -> None:
    base, hits = canary
    port = base.rsplit(":", 1)[1]
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CANARY")
    traversal = "../" * 12 + "etc/passwd"
    head = f"""
      <link rel="stylesheet" href="{base}/link.css">
      <link rel="attachment" href="file:///etc/passwd">
      <link rel="attachment" href="{secret.as_uri()}">
      <link rel="attachment" href="{base}/link-attachment">
      <style>
        @import url("{base}/import.css");
        @import url("{secret.as_uri()}");
        body {{ background: url("file:///etc/passwd"); }}
        h1 {{ background-image: url("{base}/bg.png"); }}
        @font-face {{ font-family: Evil; src: url("{base}/font.ttf"); }}
        .evil {{ font-family: Evil; }}
      </style>"""
    body = f"""
      <h1>考核结果</h1><p class="evil">正文{PLACE_NAMES}</p>
      <img src="{base}/img.png"><img src="http://localhost:{port}/localhost.png">
      <img src="http://[::1]:{port}/v6.png"><img src="https://127.0.0.1:{port}/tls.png">
      <img src="ftp://127.0.0.1:{port}/ftp.png"><img src="file:///etc/passwd">
      <img src="{traversal}"><img src="fonts/{traversal}"><img src="%2e%2e/%2e%2e/pdf.py">
      <img src="data:text/html;base64,PGI+eDwvYj4=">
      <a rel="attachment" href="file:///etc/passwd">附件一</a>
      <a rel="attachment" href="{base}/a-attachment">附件二</a>
      <object data="{base}/object.svg" type="image/svg+xml"></object>
      <object data="file:///etc/passwd"></object><embed src="{base}/embed.svg">
      <iframe src="{base}/iframe.html"></iframe>
      <svg width="10" height="10"><image href="{base}/svg.png" width="10" height="10"/></svg>
      <div style="background: url('{base}/inline.png')">内联</div>"""
    fetcher = AssetFetcher()

    pdf = renderer.render(page(body, head), fetcher=fetcher)

    assert hits == [] and fetcher.served == []
    assert pdfcheck.attachments(pdf) == []
    assert b"TOP-SECRET-CANARY" not in pdf
    text = pdfcheck.squash(pdfcheck.pdf_text(pdf))
    assert "考核结果" in text and "root:" not in text and "附件一" in text
    pdfcheck.assert_all_glyphs_real(pdf)  # the Evil font never replaced the bundled one
    for url in (
        f"{base}/link.css",
        f"{base}/import.css",
        f"{base}/img.png",
        f"{base}/font.ttf",
        f"{base}/a-attachment",
        f"{base}/link-attachment",
        "file:///etc/passwd",
        secret.as_uri(),
        "data:text/html;base64,PGI+eDwvYj4=",
    ):
        assert url in fetcher.refused


def test_extra_css_goes_through_the_same_fetcher(
    renderer: PdfRenderer, canary: tuple[str, list[str]]
) -> None:
    base, hits = canary
    fetcher = AssetFetcher()
    extra = f'@import url("{base}/extra.css"); p {{ background: url("file:///etc/passwd") }}'
    pdf = renderer.render(page("<p>附加样式</p>"), extra_css=extra, fetcher=fetcher)
    assert hits == []
    assert f"{base}/extra.css" in fetcher.refused and "file:///etc/passwd" in fetcher.refused
    assert "附加样式" in pdfcheck.pdf_text(pdf)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "file://fileserver/share/x.css",
        STATIC_DIR.as_uri() + "/../pdf.py",
        STATIC_DIR.as_uri() + "/fonts/%2e%2e/%2e%2e/pdf.py",
        STATIC_DIR.as_uri() + "/fonts/",  # a directory
        STATIC_DIR.as_uri() + "/missing.css",
        "http://127.0.0.1:9/x",
        "https://127.0.0.1:9/x",
        "ftp://127.0.0.1:9/x",
        "gopher://127.0.0.1:9/x",
        "asset:../x",
        "fonts/NotoSansSC-Regular.ttf",  # relative: WeasyPrint only passes absolute URLs
        "data:,plain",
        "data:text/html,<b>x</b>",
        "data:text/css,body{}",
        "data:image/gif;base64,R0lGODlhAQABAAAAACw=",
        "data:image/png;base64," + "A" * 300_000,
    ],
)
def test_fetcher_refuses_and_records(url: str) -> None:
    fetcher = AssetFetcher()
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch(url)
    assert fetcher.refused == [url[:200]]


def test_fetcher_refuses_symlinks_leading_out_of_static(tmp_path: Path) -> None:
    static = tmp_path / "static"
    static.mkdir()
    (static / "passwd").symlink_to("/etc/passwd")
    fetcher = AssetFetcher(static)
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch((static / "passwd").as_uri())


def test_fetcher_serves_static_files_and_small_images() -> None:
    fetcher = AssetFetcher()
    font = fetcher.fetch(STATIC_DIR.as_uri() + "/fonts/NotoSansSC-Regular.ttf")
    assert font.read(4) == b"\x00\x01\x00\x00"
    css = fetcher.fetch(STATIC_DIR.as_uri() + "/base.css")
    assert css.content_type == "text/css" and b"@font-face" in css.read()
    png = fetcher.fetch("data:image/png;base64,iVBORw0KGgo=")
    assert png.content_type == "image/png" and png.read() == b"\x89PNG\r\n\x1a\n"
    svg = fetcher.fetch(
        "data:image/svg+xml,%3Csvg%20xmlns%3D%22http%3A%2F%2Fwww.w3.org%2F2000%2Fsvg%22%2F%3E"
    )
    assert svg.content_type == "image/svg+xml"
    assert fetcher.refused == []


def test_templates_can_link_static_files_relatively(renderer: PdfRenderer) -> None:
    fetcher = AssetFetcher()
    html = page("<p>相对路径</p>", head='<link rel="stylesheet" href="base.css">')
    pdf = renderer.render(html, fetcher=fetcher)
    assert fetcher.refused == []
    assert fetcher.served == [STATIC_DIR.as_uri() + "/base.css"]
    assert "相对路径" in pdfcheck.pdf_text(pdf)


def test_small_inline_image_is_drawn(renderer: PdfRenderer) -> None:
    png = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQ"
        "DwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    )
    fetcher = AssetFetcher()
    pdf = renderer.render(page(f'<p>印章</p><img src="{png}" width="40">'), fetcher=fetcher)
    assert fetcher.refused == [] and fetcher.served == [png]
    assert pdfcheck.image_count(pdf) == 1  # drawn, not dropped
    assert "印章" in pdfcheck.pdf_text(pdf)


# -- size of user text ---------------------------------------------------------------------


def test_truncate_for_print() -> None:
    assert truncate_for_print("短评") == "短评"
    assert truncate_for_print("甲" * 2000) == "甲" * 2000
    cut = truncate_for_print("乙" * 2001)
    assert cut == "乙" * 2000 + "……（以下省略，全文共 2001 字）"
    assert truncate_for_print("丙丁  戊", limit=3) == "丙丁……（以下省略，全文共 5 字）"
    with pytest.raises(ValueError):
        truncate_for_print("x", limit=-1)


def test_huge_comment_is_cut_to_a_few_pages(renderer: PdfRenderer) -> None:
    rng = random.Random(150_000)
    comment = "".join(rng.choice(HANZI) for _ in range(150_000))
    pdf = renderer.render(page(f"<h2>评审意见</h2><p>{truncate_for_print(comment)}</p>"))
    text = pdfcheck.squash(pdfcheck.pdf_text(pdf))
    assert "……（以下省略，全文共150000字）" in text
    assert comment[:200] in text and comment[2000:2200] not in text
    assert pdfcheck.page_count(pdf) <= 3


# -- start-up check and process singleton ---------------------------------------------------


def test_environment_check_passes_here() -> None:
    check_pdf_environment()


def test_environment_check_fails_without_fonts(tmp_path: Path) -> None:
    with pytest.raises(PdfEnvironmentError, match="NotoSansSC-Regular.ttf cannot be read"):
        check_pdf_environment(tmp_path / "no-such-dir")
    with pytest.raises(PdfEnvironmentError, match="cannot be read"):
        PdfRenderer(static_dir=tmp_path)


def test_environment_check_fails_on_lfs_pointer(tmp_path: Path) -> None:
    for name in FONT_FILES:
        (tmp_path / name).write_text("version https://git-lfs.github.com/spec/v1\n")
    with pytest.raises(PdfEnvironmentError, match="not a TrueType font"):
        check_pdf_environment(tmp_path)


def test_environment_check_fails_without_harfbuzz_subset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(weasyprint.pdf.fonts, "harfbuzz_subset", None)
    with pytest.raises(PdfEnvironmentError, match="libharfbuzz-subset0"):
        check_pdf_environment()


def test_weasyprint_is_at_least_70() -> None:
    # 70.0 fixes known url_fetcher bypasses (resources fetched without going through the fetcher).
    assert int(weasyprint.__version__.split(".")[0]) >= 70


def test_render_pdf_uses_one_renderer_per_process() -> None:
    assert get_renderer() is get_renderer()
    assert render_pdf(page("<p>单例</p>")).startswith(b"%PDF-")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_child_gets_its_own_renderer_and_spares_the_parents_fonts() -> None:
    parent = get_renderer()
    font_folder = parent.font_config._folder
    assert font_folder is not None and font_folder.exists()
    pid = os.fork()
    if pid == 0:  # child: must not touch the parent's renderer or its temporary fonts
        status = 1
        try:
            child = get_renderer()
            parent.font_config.__del__()  # what finalising the inherited copy at exit does
            ok = child is not parent and child.render(page("<p>子进程</p>")).startswith(b"%PDF")
            status = 0 if ok else 1
            pdf_module._renderer = child = None
            gc.collect()  # removes the child's own temporary font folder
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert font_folder.exists() and get_renderer() is parent
    pdfcheck.assert_all_glyphs_real(parent.render(page("<p>父进程 垌</p><p><b>加粗</b></p>")))


def test_pdf_module_does_not_import_flask() -> None:
    code = "import sys, scoring.report.pdf; sys.exit('flask' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    assert subprocess.run([sys.executable, "-c", code], env=env, timeout=60).returncode == 0
