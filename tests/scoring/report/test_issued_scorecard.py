"""The scorecard a town files: 整改要求 beside lost points, year over year per category,
and the document a district issues (文号, 落款, a place for the seal), read back from the PDF."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from scoring import services
from scoring.errors import PhaseClosed
from scoring.points import format_points, to_cents
from scoring.report.scorecard import remedy
from scoring.services.documents import scorecard_pdf
from scoring.settings import Settings
from scoring.store import operations, queries
from scoring.store.audit import Actor
from scoring.store.models import AuditEvent, User
from tests import pdfcheck

RELEASED, SCORING = 1, 2  # the demo: 2024 released, 2025 being scored


def admin(session: Session) -> Actor:
    user = session.execute(select(User).where(User.username == "admin")).scalar_one()
    return Actor(user.id, user.username)


def town_id(session: Session, name: str = "新城镇") -> int:
    return next(t for t, n in queries.assessment_towns(session, RELEASED).items() if n == name)


def test_every_lost_item_says_what_to_do_about_it(demo_session: Session) -> None:
    card = services.town_scorecard(demo_session, RELEASED, town_id(demo_session))
    rubric = queries.assessment_rubric(demo_session, RELEASED)
    lost = card.lost_items
    assert lost, "the demo town lost no points: nothing to check"
    for line in lost:
        item = rubric.item(line.id)
        assert line.remedy.startswith("整改要求：对照“") and item.criteria.strip()[:10] in line.remedy
        for evidence in item.evidence_required:
            assert evidence.rstrip("。；;") in line.remedy
    assert all(not line.remedy for line in card.items if line.lost == "0")
    assert remedy(rubric.item(lost[0].id)) == lost[0].remedy


def test_categories_compare_with_last_years_points_of_the_same_town(demo_session: Session) -> None:
    town = town_id(demo_session)
    _, last_year = services.assessment_outcome(demo_session, RELEASED)
    before = last_year.town("新城镇")
    card = services.town_scorecard(demo_session, SCORING, town)
    assert card.has_previous
    for line in card.categories:
        assert line.previous == format_points(before[f"cat:{line.id}"])
        if line.points != "—":
            change = to_cents(line.points) - before[f"cat:{line.id}"]
            assert line.change == ("+" if change > 0 else "") + format_points(change)
        else:
            assert line.change == ""
    assert card.previous_note == ""  # the same rubric version both years
    # The first year has nothing to compare with.
    assert not services.town_scorecard(demo_session, RELEASED, town).has_previous


def test_the_document_number_and_issuer_are_set_before_release_only_and_audited(demo_session: Session) -> None:
    with pytest.raises(PhaseClosed):
        operations.set_document(demo_session, admin(demo_session), RELEASED, issuer="某区考核办",
                                document_number="某考办〔2024〕1号")
    operations.set_document(demo_session, admin(demo_session), SCORING, issuer="示范区法治政府建设考核办公室",
                            document_number="示考办〔2025〕3号")
    event = demo_session.execute(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).scalar_one()
    assert event.action == "assessment.document" and event.after["document_number"] == "示考办〔2025〕3号"
    card = services.town_scorecard(demo_session, SCORING, town_id(demo_session))
    assert (card.issuer, card.document_number) == ("示范区法治政府建设考核办公室", "示考办〔2025〕3号")


@pytest.mark.slow
def test_the_pdf_prints_the_number_the_remedies_last_year_and_the_signature_block(
        demo_settings: Settings, demo_session: Session) -> None:
    operations.set_document(demo_session, admin(demo_session), SCORING, issuer="示范区法治政府建设考核办公室",
                            document_number="示考办〔2025〕3号")
    town = town_id(demo_session)
    card = services.town_scorecard(demo_session, SCORING, town)
    pdf = scorecard_pdf(demo_settings, demo_session, SCORING, town)
    text = pdfcheck.squash(pdfcheck.pdf_text(pdf))
    assert "示考办〔2025〕3号" in text
    assert "示范区法治政府建设考核办公室" in text and "（盖章）" in text
    assert "上年（增减）" in text
    first = card.categories[0]
    assert f"{first.previous}（{first.change}）" in text if first.change else first.previous in text
    lost = card.lost_items
    if lost:
        assert pdfcheck.squash(lost[0].remedy)[:30] in text
    # Without an issuer set, the district signs.
    released = services.town_scorecard(demo_session, RELEASED, town)
    released_text = pdfcheck.squash(pdfcheck.pdf_text(scorecard_pdf(demo_settings, demo_session, RELEASED, town)))
    assert pdfcheck.squash(released.district) in released_text and "整改要求：对照" in released_text
