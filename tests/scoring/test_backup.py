"""``scoring backup`` / ``scoring restore``: a backup taken while writes go on restores into a
fresh database with every total, rank, audit hash and evidence checksum of the original."""

from __future__ import annotations

import hashlib
import tarfile
import threading
import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from scoring.cli import main
from scoring.services.evidence import blob_store
from scoring.services.outcomes import assessment_outcome
from scoring.settings import Settings
from scoring.store import queries
from scoring.store.audit import SYSTEM, record, verify_chain
from scoring.store.db import begin_write, make_engine, make_session_factory
from scoring.store.models import AuditEvent, EvidenceFile
from tests.dbfixtures import _pg_admin, _pg_url


def _env(settings: Settings) -> dict[str, str]:
    return {"ENVIRONMENT": "test", "INSTANCE_PATH": str(settings.instance_path),
            "DATABASE_URL": settings.database_url}


def _facts(settings: Settings) -> dict:
    """What a restore must reproduce: results, the audit chain, and the evidence bytes."""
    engine = make_engine(settings.sqlalchemy_url)
    factory = make_session_factory(engine)
    with factory() as session:
        rankings = {}
        for assessment in queries.all_assessments(session):
            _, outcome = assessment_outcome(session, assessment.id)
            rankings[assessment.name] = [
                (r["town"], str(r["total"]), str(r["rank"]), str(r.get("grade")), r["status"])
                for r in outcome.ranking.to_dict("records")]
        chain = [(e.id, e.hash, e.mac) for e in session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()]
        files = {}
        for row in session.execute(select(EvidenceFile)).scalars():
            data = blob_store(settings, session).get(row.sha256)  # the disk, or the database
            files[row.id] = (row.sha256, hashlib.sha256(data).hexdigest())
        broken = verify_chain(session)
        # The demo template is loaded unsigned: the first unsigned event, the same in both.
        unsigned = verify_chain(session, settings.audit_key())
    engine.dispose()
    return {"rankings": rankings, "chain": chain, "files": files, "broken": broken, "unsigned": unsigned}


def _append_event(settings: Settings, note: str) -> None:
    engine = make_engine(settings.sqlalchemy_url)
    factory = make_session_factory(engine)
    factory.configure(info={"audit_key": settings.audit_key()})
    with factory() as session:
        begin_write(session)
        record(session, SYSTEM, "test.note", "test", note)
        session.commit()
    engine.dispose()


@pytest.fixture
def fresh(settings, tmp_path):
    """Settings of an empty instance of the same backend, sharing the original's audit key."""
    root = tmp_path / "restored"
    root.mkdir()
    (root / "audit.key").write_bytes(settings.audit_key())
    if not settings.database_url:
        yield Settings(environment="test", instance_path=root)
        return
    database = f"scoring_r_{uuid.uuid4().hex[:10]}"
    _pg_admin(f'CREATE DATABASE "{database}"')
    yield Settings(environment="test", instance_path=root, database_url=_pg_url(database))
    _pg_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def test_a_backup_taken_during_writes_restores_every_total_rank_audit_hash_and_evidence_file(settings, fresh,
                                                                                             tmp_path):
    archive = tmp_path / "backup.tar"
    stop = threading.Event()
    written = []

    def writer() -> None:  # the service goes on recording while the backup runs
        while not stop.is_set() and len(written) < 50:
            _append_event(settings, f"during-{len(written)}")
            written.append(1)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        result = CliRunner().invoke(main, ["backup", "--out", str(archive)], env=_env(settings))
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    assert "backup written" in result.output and written

    # The source has moved on since; the backup holds a consistent prefix of its chain.
    original = _facts(settings)
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    # Evidence kept in the database (PostgreSQL) is in the dump; on the disk, in the archive.
    assert "manifest.json" in names
    assert any(n.startswith("evidence/") for n in names) != settings.blobs_in_database

    result = CliRunner().invoke(main, ["restore", str(archive)], env=_env(fresh))
    assert result.exit_code == 0, result.output
    restored = _facts(fresh)

    assert restored["broken"] is None and original["broken"] is None
    assert restored["unsigned"] == original["unsigned"]
    assert restored["rankings"] == original["rankings"]
    assert restored["files"] == original["files"]
    assert all(stored == actual for stored, actual in restored["files"].values())
    n = len(restored["chain"])
    assert n > 0 and restored["chain"] == original["chain"][:n]  # every event kept as it was hashed
    # Ids go on after the restored ones (sequences restored too): a new event chains on.
    _append_event(fresh, "after-restore")
    assert _facts(fresh)["broken"] is None


def test_restore_refuses_a_database_with_data_and_an_archive_whose_bytes_changed(settings, tmp_path):
    archive = tmp_path / "backup.tar"
    assert CliRunner().invoke(main, ["backup", "--out", str(archive)], env=_env(settings)).exit_code == 0
    result = CliRunner().invoke(main, ["restore", str(archive)], env=_env(settings))
    assert result.exit_code != 0 and "not empty" in result.output

    data = bytearray(archive.read_bytes())
    with tarfile.open(archive) as tar:
        member = next(m for m in tar.getmembers() if m.name.startswith("database."))
    data[member.offset_data + 100] ^= 0xFF  # one flipped byte inside the database copy
    archive.write_bytes(bytes(data))
    result = CliRunner().invoke(main, ["restore", str(archive), "--force"], env=_env(settings))
    assert result.exit_code != 0 and "checksum" in result.output


def _set_first_deduction(settings: Settings, count: int) -> None:
    """A reviewer changes the count of the first deduction mark of the assessment being scored."""
    from scoring import services
    from scoring.store.audit import Actor, use_key
    from scoring.store.models import MarkRow

    engine = make_engine(settings.sqlalchemy_url)
    factory = make_session_factory(engine)
    use_key(factory, settings.audit_key())
    with factory() as session:
        aid = next(a.id for a in queries.all_assessments(session) if a.phase == "scoring")
        rubric = queries.assessment_rubric(session, aid)
        deduct = {i.id: i for _, i in rubric.all_items() if i.method.kind == "deduct"}
        mark = session.execute(select(MarkRow).where(MarkRow.assessment_id == aid, MarkRow.complete,
                                                     MarkRow.item_id.in_(deduct)).order_by(MarkRow.id)).scalars().first()
        rule = deduct[mark.item_id].method.rules[0].id
        services.record_mark(session, Actor(mark.reviewer_id, "reviewer"), assessment_id=aid, town_id=mark.town_id,
                             item_id=mark.item_id, reviewer_id=mark.reviewer_id, expected_version=mark.version,
                             inputs={"deductions": [{"rule": rule, "count": count}]}, running_total=False)
    engine.dispose()


def _totals(settings: Settings, *, cached: bool) -> tuple[int, dict[str, str]]:
    """(data version, each town's total) of the assessment being scored, from the instance's
    outcome cache as a freshly started worker reads it, or computed from the marks alone."""
    from scoring.services import cache

    engine = make_engine(settings.sqlalchemy_url)
    with make_session_factory(engine)() as session:
        aid = next(a.id for a in queries.all_assessments(session) if a.phase == "scoring")
        cache.clear()
        cache.configure(settings.outcome_cache_path if cached else None)
        try:
            _, found = cache.assessment_outcome(session, aid)
        finally:
            cache.configure(None)
            cache.clear()
        version = queries.data_version(session)
    engine.dispose()
    return version, {r["town"]: str(r["total"]) for r in found.outcome.ranking.to_dict("records")}


def test_after_an_older_backup_is_restored_no_result_kept_from_the_replaced_data_is_shown(settings, tmp_path):
    archive = tmp_path / "backup.tar"
    assert CliRunner().invoke(main, ["backup", "--out", str(archive)], env=_env(settings)).exit_code == 0
    _set_first_deduction(settings, 1)  # after the backup: kept in the instance's outcome cache
    replaced = _totals(settings, cached=True)
    assert list(settings.outcome_cache_path.glob("*.pickle"))
    result = CliRunner().invoke(main, ["restore", str(archive), "--force"], env=_env(settings))
    assert result.exit_code == 0, result.output
    _set_first_deduction(settings, 2)  # the same data version again, with other marks
    version, computed = _totals(settings, cached=False)
    assert version == replaced[0] and computed != replaced[1]
    assert _totals(settings, cached=True) == (version, computed)
