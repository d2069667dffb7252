"""Benchmark of the scorecard and ranking documents (not a test): prints figures and ratios.

    .venv/bin/python benchmarks/bench_documents.py [--towns 60] [--workers 2] [--rows 3000]
                                                   [--db-dir DIR] [--no-chromium]

Builds a released assessment of a made-up district (default 60 towns, demo marks, every
town with a real town report as evidence and cited passages) in a temporary SQLite
database, then prints, each with its ratio to the one-page Chinese floor of the same run:
the floor; one scorecard (warm, in-process); Chromium on the same HTML (one process per
document, and a long-lived browser through Playwright); all scorecards plus the ranking of
the district with ``--workers`` render processes and an empty cache (wall time); an
unchanged scorecard served from the cache; a ``--rows``-town ranking; and the peak memory
of a render worker. Targets (issue 4): card ≤ 6× floor and faster than Chromium, district
< 10 s on 2 cores, cached card < 20 ms, 3,000-town ranking < 12 s, worker < 300 MB.
"""

from __future__ import annotations

import argparse
import io
import random
import shutil
import statistics
import subprocess
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

from pypdf import PdfReader

from scoring import services
from scoring.demo.marks import demo_marks
from scoring.report.cache import PdfCache
from scoring.report.pdf import STATIC_DIR, get_renderer
from scoring.report.ranking import BandLine, RankingReport, RankingRow
from scoring.report.render import render_scorecard_html
from scoring.report.worker import page_count, render_document, shutdown_pool, warm_pool
from scoring.services import documents, exports
from scoring.settings import ROOT, Settings
from scoring.store import operations, queries
from scoring.store.audit import SYSTEM, Actor
from scoring.store.db import make_engine, make_session_factory
from scoring.store.migrate import upgrade_database
from scoring.store.views import PassageView

RUBRIC = ROOT / "rubrics" / "town-rule-of-law-2025.yaml"
REPORT = ROOT / "scoring" / "demo" / "evidence" / "新城镇" / "2015年新城镇依法行政工作报告.txt"
FLOOR_HTML = ('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"></head>'
              "<body><h1>城关镇</h1><p>你好，法治政府建设年度考核评分表。</p></body></html>")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def town_names(n: int) -> list[str]:
    first, second = "东西南北中新金银青白清安永和平兴", "港岭湖塘山河桥城关庄溪林泉园坝"
    names = [f"{a}{b}{'街道' if (i + j) % 4 == 0 else '镇'}" for i, a in enumerate(first) for j, b in enumerate(second)]
    return random.Random(7).sample(names, n)


def build_district(settings: Settings, towns: int) -> int:
    """Create a released assessment of ``towns`` scored towns; return its id."""
    engine = make_engine(settings.sqlalchemy_url)
    upgrade_database(engine)
    session = make_session_factory(engine)()
    district = operations.create_district(session, SYSTEM, "基准区")
    qualities = {name: round(random.Random(name).uniform(0.45, 0.95), 2) for name in town_names(towns)}
    ids = {name: operations.create_town(session, SYSTEM, district.id, name).id for name in qualities}
    admin = operations.create_user(session, SYSTEM, username="admin", display_name="管理员", password="bench-admin-1",
                                   role="admin", department="区委依法治区办")
    reviewers = {r: operations.create_user(session, SYSTEM, username=r, display_name=r, password=f"bench-{r}-1",
                                           role="reviewer", department=d)
                 for r, d in (("dept", "区司法局"), ("fazhiban", "区委依法治区办"))}
    actor = Actor(admin.id, admin.username)
    version = operations.save_rubric_version(session, actor, RUBRIC.read_text(encoding="utf-8"))
    rubric = queries.rubric_of_version(session, version.id)
    assessment = operations.create_assessment(session, actor, district_id=district.id, name="2025年度法治政府建设考核",
                                              year=2025, rubric_version_id=version.id, town_ids=list(ids.values()))
    items = [i.id for _, i in rubric.all_items()]
    extras = [b.id for b in (rubric.bonus.items if rubric.bonus else [])] + [v.id for v in rubric.vetoes]
    for reviewer in reviewers.values():
        operations.assign(session, actor, assessment.id, reviewer.id, items + extras)
    operations.set_phase(session, actor, assessment.id, "submission")
    passages: dict[str, list[PassageView]] = {}
    for name, town_id in ids.items():
        row = services.submit_evidence(session, actor, assessment_id=assessment.id, town_id=town_id,
                                       name=f"{name}2025年法治政府建设年度报告.txt", data=REPORT.read_bytes(),
                                       blobs=services.blob_store(settings, session), max_bytes=settings.max_upload_bytes)
        passages[name] = list(queries.passages(session, [row.id]))
    operations.set_phase(session, actor, assessment.id, "scoring")
    for mark in demo_marks(rubric, qualities, reviewers=tuple(reviewers)):
        inputs = mark.model_dump(mode="json", exclude={"town", "item", "reviewer"}, exclude_defaults=True)
        cited = passages[mark.town][zlib.crc32(f"{mark.item}/{mark.reviewer}".encode()) % len(passages[mark.town])]
        for deduction in inputs.get("deductions", [])[:1]:
            deduction["citation"] = {"evidence_id": str(cited.evidence_id), "passage_id": cited.passage_key,
                                     "quote": cited.text[:120]}
        operations.save_mark(session, actor, assessment_id=assessment.id, town_id=ids[mark.town],
                             item_id=mark.item, reviewer_id=reviewers[mark.reviewer].id, inputs=inputs,
                             expected_version=0)
    for phase in ("review", "released"):
        operations.set_phase(session, actor, assessment.id, phase, reason="基准数据")
    session.close()
    engine.dispose()
    return assessment.id


def synthetic_ranking(rows: int) -> RankingReport:
    rng = random.Random(rows)
    titles = ("组织领导与责任落实", "学法用法与法治宣传", "依法决策与制度建设", "政务公开与权力运行",
              "行政执法规范化", "监督问责与矛盾化解", "年度报告与问题整改")
    lines = tuple(RankingRow(rank=i + 1, town=f"{rng.choice('东西南北中新金')}{rng.choice('港岭湖塘山')}镇{i + 1}",
                             total=f"{99 - i * 30 / rows:.2f}", grade="良好",
                             categories=tuple(f"{rng.uniform(6, 20):.2f}".rstrip("0").rstrip(".") for _ in titles),
                             bonus=rng.choice(["0", "1", "3"]), vetoes="", note="")
                  for i in range(rows))
    bands = (BandLine("优秀", "90", f"不超过30%（最多{rows * 3 // 10}个）", rows * 3 // 10),
             BandLine("良好", "80", "", rows // 2), BandLine("合格", "60", "", rows // 5), BandLine("不合格", "0", "", 0))
    return RankingReport(district="基准省", assessment="2025年度法治政府建设考核", year=2025, released="2026年1月20日",
                         category_titles=titles, bands=(), rows=lines, incomplete=(), band_lines=bands)


def warm_median(function: Callable[[], object], n: int) -> float:
    function()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved_medians(first: Callable[[], object], second: Callable[[], object], n: int) -> tuple[float, float]:
    first(), second()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(n):
        for function, into in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            function()
            into.append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def chromium_html(html: str) -> str:
    # WeasyPrint applies base.css and scorecard.css itself; the browser needs them linked.
    head = (f'<base href="{STATIC_DIR.as_uri()}/"><link rel="stylesheet" href="base.css">'
            '<link rel="stylesheet" href="scorecard.css">')
    return html.replace("<head>", "<head>" + head, 1)


def chromium_cli(html: str, work: Path, n: int) -> float:
    source, target = work / "card.html", work / "card.pdf"
    source.write_text(chromium_html(html), encoding="utf-8")
    command = [str(CHROMIUM), "--headless", *CHROMIUM_FLAGS, "--no-pdf-header-footer",
               f"--print-to-pdf={target}", source.as_uri()]
    seconds = warm_median(lambda: subprocess.run(command, capture_output=True, check=True, timeout=120), n)
    check_chromium_pdf(target.read_bytes())
    return seconds


def chromium_warm(html: str, work: Path, n: int) -> float | None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    # A file: page, not set_content(): an about:blank page may not load the file: fonts, and
    # without them Chromium "wins" by printing no Chinese at all.
    source = work / "card.html"
    source.write_text(chromium_html(html), encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = browser.new_page()
        pdfs: list[bytes] = []

        def once() -> None:
            page.goto(source.as_uri(), wait_until="load")
            pdfs.append(page.pdf(format="A4", prefer_css_page_size=True))

        median = warm_median(once, n)
        browser.close()
    check_chromium_pdf(pdfs[-1])
    return median


def check_chromium_pdf(pdf: bytes) -> None:
    fonts = {str(font.get_object().get("/BaseFont", "")) for page in PdfReader(io.BytesIO(pdf)).pages
             for font in (page.get("/Resources", {}).get_object().get("/Font") or {}).values()}
    if not any("NotoSansSC" in f for f in fonts):
        raise SystemExit(f"Chromium did not use the bundled fonts ({sorted(fonts)}): its timing would mislead")


# The targets were set where 6x the floor was "about 0.25 s": a floor of ~42 ms. On a
# shared VM whose speed moves by ±30%, the targets in floor units are the stable comparison.
REFERENCE_FLOOR = 0.042


def line(label: str, seconds: float, floor: float, target: float | None = None, note: str = "") -> None:
    goal = f"target < {target:g} s = {target / REFERENCE_FLOOR:.3g}x reference floor" if target else note
    digits = 3 if seconds < 0.01 else 1  # a cache hit is well under a millisecond
    print(f"{label:<58} {seconds * 1000:9.{digits}f} ms {seconds / floor:7.{digits}f}x floor  {goal}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--towns", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--n", type=int, default=9, help="repetitions of the single-document timings")
    parser.add_argument("--db-dir", type=Path, help="reuse (or create) the benchmark database here")
    parser.add_argument("--no-chromium", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-documents-"))
    instance = args.db_dir or work / "instance"
    settings = Settings(instance_path=instance)
    start = time.perf_counter()
    fresh = not (instance / "scoring.db").exists()
    if fresh:
        instance.mkdir(parents=True, exist_ok=True)
        build_district(settings, args.towns)
    print(f"district of {args.towns} towns {'built' if fresh else 'reused'} in {time.perf_counter() - start:.1f} s "
          f"({instance})")
    assessment_id = 1
    session = make_session_factory(make_engine(settings.sqlalchemy_url))()

    renderer = get_renderer()
    ranking = services.district_ranking(session, assessment_id)
    middle = ranking.rows[len(ranking.rows) // 2].town
    town_id = next(t for t, name in queries.assessment_towns(session, assessment_id).items() if name == middle)
    card_html = render_scorecard_html(services.town_scorecard(session, assessment_id, town_id))
    session.rollback()  # end the read transaction: SQLite transactions of the store lock the file
    # Floor and card alternate, so that a change of the machine's speed (a shared VM varies
    # by ±30% within minutes) moves both figures alike and the ratio stays meaningful.
    floor, card = interleaved_medians(lambda: renderer.render(FLOOR_HTML), lambda: render_document(card_html),
                                      args.n)
    pages = page_count(render_document(card_html))
    print(f"\nfloor: one-page Chinese document, warm median of {args.n}: {floor * 1000:.1f} ms\n")
    line(f"one scorecard ({middle}, {pages} pages), warm median", card, floor, note="target ≤ 6x floor")
    if CHROMIUM.exists() and not args.no_chromium:
        line("  Chromium, same HTML, one process per document", chromium_cli(card_html, work, 3), floor)
        warm = chromium_warm(card_html, work, args.n)
        if warm is not None:
            line("  Chromium, same HTML, long-lived browser (Playwright)", warm, floor, note="target: slower than ours")
    else:
        print("  Chromium: /usr/bin/chromium not found, skipped")

    shutil.rmtree(instance / "pdf-cache", ignore_errors=True)
    start = time.perf_counter()
    warm_pool(args.workers)  # start every long-lived worker, as a server does when it starts
    startup = time.perf_counter() - start
    progress: list[int] = []
    start, parent_cpu = time.perf_counter(), time.process_time()
    result = documents.render_assessment(settings, assessment_id, workers=args.workers,
                                     progress=lambda done, total: progress.append(done))
    district, parent_cpu = time.perf_counter() - start, time.process_time() - parent_cpu
    start = time.perf_counter()
    digest = exports.render_assessment_zip(settings, assessment_id, workers=args.workers, job_id="bench")
    zipped = time.perf_counter() - start
    zip_size = len(services.blob_store(settings, session).get(digest))
    session.rollback()
    line(f"district: {args.towns} scorecards + ranking, {args.workers} workers, empty cache", district, floor, 10)
    print(f"  ({result.rendered} rendered, {len(progress)} progress calls; CPU: workers {result.worker_cpu:.1f} s, "
          f"{result.worker_cpu / result.rendered * 1000:.0f} ms a document, this process {parent_cpu:.1f} s;\n"
          f"   worker start-up {startup:.2f} s once; ZIP of the unchanged results {zipped:.2f} s, "
          f"{zip_size / 1e6:.1f} MB)")

    cache = PdfCache(instance / "pdf-cache")
    cached = warm_median(lambda: cache.get_or_render(card_html, lambda _: b""), args.n)
    line("unchanged scorecard from the cache (HTML -> bytes)", cached, floor, 0.02)
    def serve() -> None:
        documents.scorecard_pdf(settings, session, assessment_id, town_id)
        session.rollback()

    served = warm_median(serve, args.n)
    line("  same, including the view model from the database", served, floor)

    report = synthetic_ranking(args.rows)
    shutil.rmtree(instance / "pdf-cache", ignore_errors=True)
    start = time.perf_counter()
    stats = documents.render_ranking(settings, report, workers=args.workers)
    big = time.perf_counter() - start
    line(f"{args.rows}-town ranking, {args.workers} workers, {stats.pages} pages in {stats.parts} parts", big, floor, 12)
    print(f"  (CPU: workers {stats.worker_cpu:.1f} s)")
    peak = max(result.peak_worker_rss, stats.peak_worker_rss)
    print(f"\npeak RSS of a render worker: {peak / 2**20:.0f} MB (target < 300 MB)")
    session.close()
    shutdown_pool()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
