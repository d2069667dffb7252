"""The read side hands out frozen read models, never ORM rows, with the columns' names."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import inspect

from scoring.store import models, queries, views

MIRRORS = [
    (views.DistrictView, models.District), (views.TownView, models.Town), (views.UserView, models.User),
    (views.RubricVersionView, models.RubricVersion), (views.AssessmentView, models.Assessment),
    (views.AssignmentView, models.Assignment), (views.EvidenceView, models.EvidenceFile),
    (views.PassageView, models.PassageRow), (views.AuditEventView, models.AuditEvent),
    (views.AppealView, models.Appeal), (views.RankingSnapshotView, models.RankingSnapshot),
    (views.SnapshotRowView, models.SnapshotRow),
]


@pytest.mark.parametrize(("view", "model"), MIRRORS, ids=lambda c: c.__name__)
def test_a_read_model_has_every_column_of_its_table(view, model):
    columns = {c.key for c in inspect(model).column_attrs} - {"password_hash"}
    assert {f.name for f in dataclasses.fields(view)} == columns


def _reads(db, ids) -> dict[str, object]:
    """Every query that hands out stored rows, called on the demo district."""
    town, scoring = ids["towns"]["新城镇"], ids["scoring"]
    files = queries.evidence_files(db, scoring, town)
    version = queries.rubric_version(db, queries.assessment(db, scoring).rubric_version_id)
    return {
        "assessment": queries.assessment(db, scoring),
        "assignments": queries.assignments(db, scoring),
        "reviewer_assessments": queries.reviewer_assessments(db, ids["users"]["sifaju"]),
        "town_assessments": queries.town_assessments(db, town),
        "all_assessments": queries.all_assessments(db),
        "evidence_files": files,
        "evidence_file": queries.evidence_file(db, files[0].id),
        "passages": queries.passages(db, [f.id for f in files]),
        "rubric_versions": queries.rubric_versions(db),
        "rubric_version": version,
        "previous_rubric_version": queries.previous_rubric_version(db, version),
        "first_district": queries.first_district(db),
        "user": queries.user(db, ids["users"]["sifaju"]),
        "users": queries.users(db),
        "users_by_id": list(queries.users_by_id(db).values()),
        "towns": queries.towns(db),
        "audit_events": queries.audit_events(db, limit=20),
    }


def test_queries_return_frozen_read_models_and_no_orm_row(db, ids):
    for name, value in _reads(db, ids).items():
        found = value if isinstance(value, list) else [value]
        if name != "previous_rubric_version":  # the demo's rubric has one version
            assert found, name
        for each in found:
            if each is None:
                continue
            assert not isinstance(each, models.Base), name
            assert dataclasses.is_dataclass(each) and each.__dataclass_params__.frozen, name


def test_a_read_model_keeps_the_values_templates_format(db, ids):
    evidence = queries.evidence_files(db, ids["scoring"], ids["towns"]["新城镇"])[0]
    assert evidence.uploaded_at.strftime("%Y-%m-%d")
    assessment = queries.assessment(db, ids["scoring"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        assessment.phase = "archived"  # type: ignore[misc]
    assessment.deadlines["submission"] = "1999-01-01"  # a copy: the stored row is untouched
    assert queries.assessment(db, ids["scoring"]).deadlines.get("submission") != "1999-01-01"


def test_no_read_model_carries_a_password_hash(db, ids):
    user = queries.user(db, ids["users"]["sifaju"])
    assert user is not None and user.username == "sifaju"
    assert not hasattr(user, "password_hash")
    assert queries.users_by_id(db)[user.id] == user


def test_district_name_reads_the_name_or_nothing(db, ids):
    district = queries.first_district(db)
    assert district is not None
    assert queries.district_name(db, district.id) == district.name != ""
    assert queries.district_name(db, 10_000) == ""
