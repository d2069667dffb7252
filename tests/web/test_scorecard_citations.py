"""The scorecard prints every passage a mark cites: its deductions' and the mark's own."""

from __future__ import annotations

from scoring import services
from scoring.store import queries
from scoring.store.audit import Actor
from tests import pdfcheck


def test_a_marks_general_citations_are_printed_on_the_scorecard_pdf(client, auth, ids, db):
    town = ids["towns"]["东港镇"]
    files = {f.id: f.name for f in queries.evidence_files(db, ids["scoring"], town)}
    passages = [p for p in queries.passages(db, list(files)) if len(p.text) > 20 and not p.is_heading]
    first, second, third = passages[1], passages[4], passages[6]
    db.rollback()
    version = (queries.reviewer_marks(db, ids["scoring"], town, ids["users"]["sifaju"]).get("A2"))
    db.rollback()
    cite = [{"evidence_id": str(p.evidence_id), "passage_id": p.passage_key} for p in (first, second, third)]
    services.record_mark(db, Actor(ids["users"]["sifaju"], "sifaju"), assessment_id=ids["scoring"], town_id=town,
                         item_id="A2", reviewer_id=ids["users"]["sifaju"],
                         inputs={"deductions": [{"rule": "A2-study", "count": 1, "citation": cite[2]}],
                                 "citations": cite[:2]},
                         expected_version=version.version if version else 0)
    auth.login("admin")
    with client.get(f"/admin/assessments/{ids['scoring']}/towns/{town}/scorecard.pdf") as response:
        assert response.status_code == 200
        text = pdfcheck.squash(pdfcheck.pdf_text(response.data))
    for passage in (first, second, third):  # the mark's two own citations, and the deduction's
        line = f"依据：《{files[passage.evidence_id]}》{passage.location}：“{passage.text[:30]}"
        assert pdfcheck.squash(line) in text, line
    assert text.count(pdfcheck.squash(f"{third.location}：“{third.text[:30]}")) == 1  # each passage once
