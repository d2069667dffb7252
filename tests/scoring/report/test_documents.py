"""Scorecards and rankings as a reader gets them: PDFs read back and checked against the core.

The demo district (2024 released and complete, 2025 being scored) is rendered through the
same batch path the CLI, the jobs and the web use; every number read out of a PDF must be
the one scoring.services computes for that town.
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from scoring import services
from scoring.cli import main as cli
from scoring.points import format_points, to_cents
from scoring.report import render
from scoring.report.pdf import AssetFetcher, get_renderer
from scoring.report.render import (
    render_scorecard_html,
)
from scoring.report.scorecard import (
    AppealLine,
    CitedPassage,
    Finding,
    Scorecard,
)
from scoring.report.worker import REPORT_CSS, render_document
from scoring.services import documents as batch
from scoring.settings import Settings
from scoring.store import queries
from scoring.store.audit import Actor
from scoring.store.models import User
from tests import pdfcheck

pytestmark = pytest.mark.slow


def read(path: Path) -> tuple[bytes, str]:
    data = path.read_bytes()
    return data, pdfcheck.squash(pdfcheck.pdf_text(data))


def page_texts(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [pdfcheck.squash(p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf)).pages]


# -- the demo assessment, read back -----------------------------------------------------------


def test_every_scorecard_and_the_ranking_show_the_cores_numbers(demo_settings: Settings,
                                                                demo_session: Session) -> None:
    rubric, outcome = services.assessment_outcome(demo_session, 1)
    demo_session.rollback()  # SQLite transactions of the store lock the file: let the batch read
    progress: list[tuple[int, int]] = []
    result = batch.render_assessment(demo_settings, 1, workers=2, progress=lambda *p: progress.append(p))

    towns = outcome.ranking.to_dict("records")
    assert len(result.documents) == len(towns) + 1 and result.rendered == len(towns) + 1
    assert progress[-1] == (9, 9) and [d for d, _ in progress] == sorted(d for d, _ in progress)
    by_town = {d.name.split("-", 1)[1].removesuffix(".pdf"): d.path for d in result.documents[:-1]}
    for row in towns:
        pdf, text = read(by_town[row["town"]])
        # Up to 6 pages: a town that lost points on most items gets a 整改要求 line for each.
        assert 2 <= pdfcheck.page_count(pdf) <= 6, row["town"]
        pdfcheck.assert_all_glyphs_real(pdf)
        assert {f.full_name for f in pdfcheck.embedded_fonts(pdf)} == {"Noto Sans SC Regular", "Noto Sans SC Bold"}
        assert pdfcheck.image_count(pdf) == 0  # the chart is vector art
        assert f"总得分{format_points(row['total'])}分（满分100分）" in text
        assert f"参加排名的{len(towns)}个单位中列第{row['rank']}名" in text
        assert f"考核等次为“{row['grade']}”" in text
        for category in rubric.categories:
            points = format_points(row[f"cat:{category.id}"])
            assert f"{category.id}.{category.title}{points}/{format_points(to_cents(category.points))}" in text
        code = services.town_scorecard(demo_session, 1, _town_id(demo_session, row["town"])).verification
        demo_session.rollback()
        assert all(f"核验码{code}" in page for page in page_texts(pdf))  # printed in every footer

    ranking, text = read(result.documents[-1].path)
    pdfcheck.assert_all_glyphs_real(ranking)
    lines = [f"{r['rank']}{r['town']}" + "".join(format_points(r[f"cat:{c.id}"]) for c in rubric.categories)
             + f"{format_points(r['bonus'])}{format_points(r['total'])}{r['grade']}" for r in towns]
    positions = [text.find(line) for line in lines]
    assert -1 not in positions and positions == sorted(positions)  # every town, in rank order
    assert "优秀：总分≥90分，不超过30%（最多2个）；本次评定2个。" in text


def test_all_cards_from_one_computation_equal_each_single_card(demo_session: Session) -> None:
    # The batch builds every card from one computation; each must equal the page's single card.
    for assessment_id in (1, 2):
        towns = list(queries.assessment_towns(demo_session, assessment_id))
        cards, report = services.assessment_documents(demo_session, assessment_id, towns, ranking=True)
        assert list(cards) == [services.town_scorecard(demo_session, assessment_id, t) for t in towns]
        assert report == services.district_ranking(demo_session, assessment_id)


def test_incomplete_towns_are_listed_apart_and_not_ranked(demo_settings: Settings, demo_session: Session) -> None:
    report = services.district_ranking(demo_session, 2)
    card = services.town_scorecard(demo_session, 2, _town_id(demo_session, "西岭镇"))
    demo_session.rollback()
    _, text = read(batch.render_ranking(demo_settings, report).path)
    apart = text.index("未完成评分的单位（不参加排名）")
    for row in report.incomplete:
        assert row.total == row.note and row.note.startswith("未完成，缺")  # no partial total
        assert text.find(f"{row.town}{row.note}".replace(" ", ""), apart) > apart
    assert "名次" not in text and "已评小计" not in text  # no ranked table, no partial sums

    pdf = render_document(render_scorecard_html(card))
    text = pdfcheck.squash(pdfcheck.pdf_text(pdf))
    expected = pdfcheck.squash(f"西岭镇：{card.status_note}。不计总分，暂不排名，不评定等次")
    assert expected in text and "总得分" not in text
    # No town of 2025 is complete: a category's district figures are over the towns that scored it all, never 0.
    assert all(c.district_average == "—" or (c.district_average != "0" and c.district_best != "0")
               for c in card.categories)
    assert all((c.points == "—") or c.district_average != "—" for c in card.categories)  # its own counts too


def test_cached_scorecard_is_served_without_rendering_again(demo_settings: Settings, demo_session: Session,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    renders: list[str] = []
    real = batch.render_bounded
    monkeypatch.setattr(batch, "render_bounded",
                        lambda html, seconds: renders.append(html) or real(html, seconds=seconds))
    town_id = _town_id(demo_session, "新城镇")

    first = batch.scorecard_pdf(demo_settings, demo_session, 1, town_id)
    again = batch.scorecard_pdf(demo_settings, demo_session, 1, town_id)

    assert len(renders) == 1 and first == again and first.startswith(b"%PDF")
    demo_session.rollback()
    assert batch.render_assessment(demo_settings, 1, workers=2).cached >= 1


def test_zip_holds_every_scorecard_and_the_ranking_and_is_reused(demo_settings: Settings,
                                                                  demo_session: Session) -> None:
    from scoring.services import exports

    progress: list[tuple[int, int]] = []
    digest = exports.render_assessment_zip(demo_settings, 1, progress=lambda *p: progress.append(p), workers=2,
                                           job_id="first")
    export = exports.finished_export(demo_session, "first")
    assert export is not None and export.sha256 == digest
    with zipfile.ZipFile(io.BytesIO(exports.export_bytes(demo_settings, demo_session, export))) as archive:
        names = archive.namelist()
        assert archive.read(names[0]).startswith(b"%PDF")
    assert len(names) == 9 and names[-1] == batch.RANKING_NAME and names[0] == "001-东港镇.pdf"
    assert progress[-1] == (9, 9)
    rendered_again: list[tuple[int, int]] = []
    again = exports.render_assessment_zip(demo_settings, 1, progress=lambda *p: rendered_again.append(p),
                                          job_id="second")
    assert again == digest  # the same results: the same ZIP, stored once
    assert rendered_again == [(9, 9)]  # everything from the cache at once
    demo_session.rollback()
    assert exports.finished_export(demo_session, "first") == export  # both jobs can download it


def test_cli_writes_the_scorecards_and_the_ranking(demo_settings: Settings, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSTANCE_PATH", str(demo_settings.instance_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(cli, ["render", "--assessment", "1", "--out", str(out), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert len(list(out.glob("*.pdf"))) == 9 and (out / batch.RANKING_NAME).exists()

    one = runner.invoke(cli, ["render", "--assessment", "2", "--out", str(tmp_path / "one"), "--town", "西岭镇"])
    assert one.exit_code == 0, one.output
    assert [p.name for p in (tmp_path / "one").iterdir()] == ["未排名-西岭镇.pdf"]
    unknown = runner.invoke(cli, ["render", "--assessment", "1", "--out", str(out), "--town", "无此镇"])
    assert unknown.exit_code != 0 and "无此镇" in unknown.output


# -- the verification code ------------------------------------------------------------------------


def test_verification_code_changes_when_one_mark_changes(demo_session: Session) -> None:
    town_id = _town_id(demo_session, "东港镇")
    before = services.town_scorecard(demo_session, 2, town_id)
    reviewer = demo_session.execute(select(User).where(User.username == "sifaju")).scalar_one()
    marks = queries.reviewer_marks(demo_session, 2, town_id, reviewer.id)
    item, state = next((i, m) for i, m in sorted(marks.items()) if m.complete and m.inputs.get("deductions"))
    services.record_mark(demo_session, Actor(reviewer.id, reviewer.username), assessment_id=2, town_id=town_id,
                         item_id=item, reviewer_id=reviewer.id, inputs={**state.inputs, "deductions": []},
                         expected_version=state.version, running_total=False)
    after = services.town_scorecard(demo_session, 2, town_id)

    changed = {i.id for i, j in zip(before.items, after.items, strict=True) if i.points != j.points}
    assert changed == {item} and after.verification != before.verification  # (an incomplete town: no total)
    assert re.fullmatch(r"[0-9A-F]{4}(-[0-9A-F]{4}){3}", after.verification)
    pdf = render_document(render_scorecard_html(after))
    assert all(f"核验码{after.verification}" in page for page in page_texts(pdf))


def test_change_from_last_year_and_appeals_are_stated_when_known(demo_session: Session) -> None:
    card = services.town_scorecard(demo_session, 1, _town_id(demo_session, "新城镇"))  # 88.74
    appeal = AppealLine(item="C3 规范性文件合法性审查与备案", request="已补交备案材料", decision="调整评分",
                        reply="经复核，备案材料齐全", points_before="3", points_after="3.5")
    known = dataclasses.replace(card, previous_total="90.24", appeals=(appeal,))

    text = pdfcheck.squash(pdfcheck.pdf_text(render_document(render_scorecard_html(known))))

    assert known.total_change == "-1.5" and "总得分较上年（90.24分）减少1.5分。" in text
    assert "1.C3规范性文件合法性审查与备案：已补交备案材料复核结果：调整评分（3分→3.5分）。经复核，备案材料齐全" in text
    assert "较上年" not in pdfcheck.squash(pdfcheck.pdf_text(render_document(render_scorecard_html(card))))


# -- user text: escaped, fetched never, cut when huge -----------------------------------------------


def payloads(base: str) -> str:
    return (f"<img src={base}/x><link rel=attachment href=file:///etc/passwd>"
            f"</style><style>@import url({base}/y)</style><a rel=attachment href={base}/z>附</a>")


def with_text(card: Scorecard, text: str) -> Scorecard:
    """``card`` with ``text`` in every field a person typed (or named) that a scorecard prints."""
    cite = CitedPassage(file=text, location=text, quote=text)
    finding = Finding(text=text, department=text, points_lost="1", citation=cite)
    items = tuple(dataclasses.replace(i, findings=(finding,)) if i.lost != "0" else i for i in card.items)
    return dataclasses.replace(
        card, district=text, assessment=text, town=text, released=text, grade_note=text, items=items,
        bonus_findings=(finding,), veto_findings=(finding,),
        appeals=(AppealLine(item=text, request=text, decision=text, reply=text, points_before="1", points_after="2"),))


def test_hostile_user_text_is_printed_as_text_and_fetches_nothing(
        demo_session: Session, canary: tuple[str, list[str]]) -> None:
    base, hits = canary
    card = with_text(services.town_scorecard(demo_session, 1, _town_id(demo_session, "白河街道")), payloads(base))
    html = render_scorecard_html(card)
    assert "<img" not in html and "<link rel=attachment" not in html and "</style><style>" not in html
    fetcher = AssetFetcher()

    pdf = get_renderer().render(html, fetcher=fetcher, bundled=REPORT_CSS)

    assert hits == [] and pdfcheck.attachments(pdf) == []
    assert fetcher.refused == []  # nothing even asked for: the payloads never became markup
    text = pdfcheck.squash(pdfcheck.pdf_text(pdf))
    assert pdfcheck.squash(f"<img src={base}/x>") in text and "rel=attachmenthref=file:///etc/passwd" in text


def test_hostile_reason_saved_as_a_mark_is_printed_as_text(demo_settings: Settings, demo_session: Session,
                                                          canary: tuple[str, list[str]]) -> None:
    base, hits = canary
    town_id = _town_id(demo_session, "北塘镇")
    reviewer = demo_session.execute(select(User).where(User.username == "sifaju")).scalar_one()
    marks = queries.reviewer_marks(demo_session, 2, town_id, reviewer.id)
    item, state = next((i, m) for i, m in sorted(marks.items()) if m.complete and m.inputs.get("deductions"))
    deductions = [{**d, "reason": payloads(base)} for d in state.inputs["deductions"]]
    services.record_mark(demo_session, Actor(reviewer.id, reviewer.username), assessment_id=2, town_id=town_id,
                         item_id=item, reviewer_id=reviewer.id, inputs={**state.inputs, "deductions": deductions},
                         expected_version=state.version, running_total=False)
    demo_session.commit()

    pdf = batch.scorecard_pdf(demo_settings, demo_session, 2, town_id)

    assert hits == [] and pdfcheck.attachments(pdf) == []
    assert pdfcheck.squash(f"<img src={base}/x>") in pdfcheck.squash(pdfcheck.pdf_text(pdf))


def test_huge_comment_is_cut_for_print_with_a_note(demo_session: Session) -> None:
    card = services.town_scorecard(demo_session, 1, _town_id(demo_session, "东港镇"))
    comment = "法治政府建设" * 25_000  # 150,000 characters
    lost = next(i for i in card.items if i.lost != "0")
    item = dataclasses.replace(lost, findings=(Finding(text=comment, department="区司法局"),))
    card = dataclasses.replace(card, items=tuple(item if i is lost else i for i in card.items))

    html = render_scorecard_html(card)
    pdf = render_document(html)

    assert len(html) < 60_000 and pdfcheck.page_count(pdf) <= 5
    assert "……（以下省略，全文共150000字）" in pdfcheck.squash(pdfcheck.pdf_text(pdf))


# -- the shared partials ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["_scorecard_summary.html", "_scorecard_categories.html",
                                  "_scorecard_items.html", "_scorecard_findings.html"])
def test_partials_render_in_a_plain_environment_with_sc_classes_only(name: str, demo_session: Session) -> None:
    from jinja2 import Environment, PackageLoader, PrefixLoader

    # As the web page includes them: another environment, default settings, only `card`.
    env = Environment(loader=PrefixLoader({"report": PackageLoader("scoring.report")}), autoescape=True)
    card = services.town_scorecard(demo_session, 1, _town_id(demo_session, "白河街道"))
    html = env.get_template(f"report/{name}").render(card=card)
    assert "style=" not in html and "<script" not in html and "{%" not in html
    classes = [c for value in re.findall(r'class="([^"]*)"', html) for c in value.split()]
    assert classes and all(c.startswith("sc-") for c in classes)
    # Where whitespace is printed (pre, pre-line), both environments give the same text.
    ours = render.environment().get_template(name).render(card=card)
    printed = r'class="sc-(?:entry|entries|tabbed[^"]*)">(.*?)</(?:td|p|pre)>'
    assert re.findall(printed, html, re.S) == re.findall(printed, ours, re.S)


def _town_id(session: Session, name: str) -> int:
    return next(t for t, n in queries.assessment_towns(session, 1).items() if n == name)
