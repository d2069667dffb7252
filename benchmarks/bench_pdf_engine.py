"""Benchmark of the PDF engine (not a test): renderer setup, one-page floor, 3-page table.

    .venv/bin/python benchmarks/bench_pdf_engine.py [--n 15]

Prints the renderer set-up time (environment check, FontConfiguration, base CSS with both
@font-face files), the warm median of a one-page Chinese document (the floor every PDF pays),
and the warm median of a 3-page document with a 36-row, 7-column Chinese table (the shape of a
town scorecard), with its ratio to the floor. For comparison, an earlier study measured 0.53 s
per 3-page card with the system Noto CJK font on the same kind of 2-core machine.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import time
from collections.abc import Callable
from html import escape

T0 = time.perf_counter()
import weasyprint  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from scoring.report.pdf import AssetFetcher, PdfRenderer  # noqa: E402

IMPORT_S = time.perf_counter() - T0

HANZI = [
    bytes([hi, lo]).decode("gb2312")
    for hi in range(0xB0, 0xD8)
    for lo in range(0xA1, 0xFF)
    if not (hi == 0xD7 and lo > 0xF9)
]
CONTENT = [
    "按规定组织专题学习会议",
    "及时完成法治建设年度报告",
    "严格执行行政执法“三项制度”",
    "建立健全合法性审查目录清单",
    "规范开展矛盾纠纷排查化解台账",
    "负责人出庭应诉情况",
]
REVIEWERS = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆"]


def page(body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"></head>'
        f"<body>{body}</body></html>"
    )


def floor_html() -> str:
    return page("<h1>城关镇</h1><p>你好，法治政府建设年度考核评分表。</p>")


def table_html(seed: int = 1, rows: int = 36) -> str:
    rng = random.Random(seed)
    # ~600 distinct characters per document, as in a real scorecard:
    # subsetting and shaping costs grow with the number of distinct glyphs.
    pool = rng.sample(HANZI, 560)

    def text(n: int) -> str:
        return "".join(rng.choice(pool) if rng.random() > 0.1 else "，" for _ in range(n)) + "。"

    body = [
        "<h1>青山区2024年度法治政府建设考核评分表</h1>",
        f"<p>{escape(text(180))}</p>",
        # Column widths of a typical scorecard table.
        '<table><thead><tr><th style="width:5%">序号</th><th style="width:28%">考核内容</th>'
        '<th style="width:6%">分值</th><th style="width:6%">得分</th><th style="width:6%">扣分</th>'
        '<th>扣分原因及评审意见</th><th style="width:7%">评审人</th></tr></thead><tbody>',
    ]
    for i in range(1, rows + 1):
        points = round(rng.choice([2.5, 3, 3.5, 4]), 1)
        deduction = rng.choice([0, 0, 0.5, 1])
        body.append(
            f"<tr><td>{i}</td><td>{rng.choice(CONTENT)}</td><td>{points}</td>"
            f"<td>{points - deduction}</td><td>{deduction}</td>"
            f"<td>{escape(text(rng.randint(20, 60)))}</td><td>{rng.choice(REVIEWERS)}</td></tr>"
        )
    body.append("</tbody></table><p>评审组长（签字）：　　　　　日期：2025年1月15日</p>")
    return page("".join(body))


def timed(fn: Callable[[], bytes], n: int) -> tuple[float, float, float, bytes]:
    """(first run s, median wall s and median CPU s of the next n runs, last output).

    CPU time is printed too because wall time on a shared 2-core box moves with other load.
    """
    start = time.perf_counter()
    out = fn()
    first = time.perf_counter() - start
    walls, cpus = [], []
    for _ in range(n):
        start, cpu = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return first, statistics.median(walls), statistics.median(cpus), out


def split(renderer: PdfRenderer, html: str, n: int) -> tuple[float, float]:
    """Median layout and write_pdf times, the same calls PdfRenderer.render makes."""
    layouts, writes = [], []
    for _ in range(n):
        start = time.perf_counter()
        document = weasyprint.HTML(
            string=html, base_url=renderer.base_url, url_fetcher=AssetFetcher()
        ).render(stylesheets=[renderer.base_css], font_config=renderer.font_config)
        middle = time.perf_counter()
        document.write_pdf()
        layouts.append(middle - start)
        writes.append(time.perf_counter() - middle)
    return statistics.median(layouts), statistics.median(writes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=15, help="warm renders per document")
    args = parser.parse_args()

    start = time.perf_counter()
    renderer = PdfRenderer()
    setup = time.perf_counter() - start

    floor_doc, table_doc = floor_html(), table_html()
    f_first, f_wall, f_cpu, f_pdf = timed(lambda: renderer.render(floor_doc), args.n)
    t_first, t_wall, t_cpu, t_pdf = timed(lambda: renderer.render(table_doc), args.n)
    pages = len(PdfReader(io.BytesIO(t_pdf)).pages)
    layout, write = split(renderer, table_doc, args.n)

    print(f"import scoring.report.pdf (WeasyPrint): {IMPORT_S:.3f} s")
    print(f"renderer setup (check + fonts + base CSS): {setup:.3f} s")
    print(
        f"floor, 1-page Chinese document: first {f_first:.3f} s, warm median "
        f"{f_wall * 1000:.1f} ms wall / {f_cpu * 1000:.1f} ms CPU (n={args.n}), "
        f"{len(f_pdf) / 1024:.1f} KB"
    )
    print(
        f"{pages}-page document, 36-row Chinese table: first {t_first:.3f} s, warm median "
        f"{t_wall:.3f} s wall / {t_cpu:.3f} s CPU (n={args.n}), {len(t_pdf) / 1024:.1f} KB"
    )
    print(f"  ratio to the floor: {t_wall / f_wall:.1f}x wall, {t_cpu / f_cpu:.1f}x CPU")
    print(f"  of which layout (HTML + render) {layout:.3f} s, write_pdf {write:.3f} s (wall)")


if __name__ == "__main__":
    main()
