"""Evidence text is extracted by a background job with a time limit; its state is shown.

An upload is stored at once as "pending"; the in-process runner (no Redis) or a real RQ
worker extracts it; the town's dashboard, the administrator's coverage page and the
reviewer's evidence panel show where the text stands. A file past the time limit ends as
"timed out" with no passage stored, and a damaged one as "failed" with the reason.
"""

from __future__ import annotations

import io
import time

import pytest

from scoring import jobs
from scoring.store import queries

REPORT = "2025年新城镇法律顾问工作台账\n\n全年聘请常年法律顾问，出具法律意见书12份，审查合同35份。".encode()


def open_submission(db, ids):
    from scoring.store import operations
    from scoring.store.audit import SYSTEM

    operations.set_phase(db, SYSTEM, ids["scoring"], "submission", reason="补交材料")


@pytest.fixture
def make_client(settings):
    """A signed-in client of an app whose settings differ from the test's in ``changes``."""
    from web import create_app

    apps = []

    def make(username: str, **changes):
        application = create_app(settings.model_copy(update=changes))
        application.config["WTF_CSRF_ENABLED"] = False
        apps.append(application)
        client = application.test_client()
        assert client.post("/login", data={"username": username, "password": f"demo-{username}"}).status_code == 302
        return client

    yield make
    for application in apps:
        application.extensions["engine"].dispose()


def upload(client, ids, name: str, data: bytes):
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import stream_encode_multipart

    # Encoded in memory: the test client would spool a big body to a temporary file it never closes.
    stream, _length, boundary = stream_encode_multipart({"file": FileStorage(io.BytesIO(data), name)},
                                                        use_tempfile=False)
    response = client.post(f"/town/{ids['scoring']}/evidence", data=stream.getvalue(),
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def states(client, ids) -> dict[str, dict]:
    """The dashboard's state endpoint, by file name (the test's files have names of their own)."""
    answer = client.get(f"/town/{ids['scoring']}/evidence/states").get_json()
    page = client.get("/town/").get_data(as_text=True)
    return {name: f for f in answer["files"] for name in [_name(page, f["id"])] if name}


def _name(page: str, evidence_id: int) -> str | None:
    import re

    found = re.search(rf'/evidence/{evidence_id}">([^<]+)</a>', page)
    return found[1] if found else None


def wait_done(client, ids, name: str, seconds: float = 90) -> dict:
    """Poll the dashboard's state endpoint, as the page's script does, until the file is done."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        state = states(client, ids)[name]
        if not state["pending"]:
            return state
        time.sleep(0.3)
    raise AssertionError(f"{name} still pending after {seconds} s")


def passages_of(db, ids, name: str) -> list:
    db.rollback()
    [row] = [f for f in queries.evidence_files(db, ids["scoring"], ids["towns"]["新城镇"]) if f.name == name]
    return row, queries.passages(db, [row.id])


def test_an_upload_is_pending_then_extracted_in_process_and_its_passages_are_citable(make_client, ids, db):
    open_submission(db, ids)
    town = make_client("xincheng", background_jobs="thread")
    upload(town, ids, "法律顾问台账.txt", REPORT)
    row, _ = passages_of(db, ids, "法律顾问台账.txt")
    assert row.text_state in ("pending", "extracting", "text")  # stored at once, extracted after
    state = wait_done(town, ids, "法律顾问台账.txt")
    assert state["state"] == "text" and state["label"] == "已提取文字" and not state["problem"]
    row, passages = passages_of(db, ids, "法律顾问台账.txt")
    assert any("法律意见书12份" in p.text for p in passages)
    dashboard = town.get("/town/").get_data(as_text=True)
    assert 'data-state="text"' in dashboard and "已提取文字" in dashboard
    reviewer = make_client("sifaju", background_jobs="thread")
    page = reviewer.get(f"/review/{ids['scoring']}/towns/{ids['towns']['新城镇']}").get_data(as_text=True)
    assert "法律意见书12份" in page and f'data-cite="{row.id}|' in page


def test_while_pending_the_dashboard_says_so_and_asks_the_script_to_refresh(make_client, ids, db, settings):
    """With Redis required but no worker running, the file stays pending: the page says so."""
    open_submission(db, ids)
    if not jobs.redis_available(settings):
        pytest.skip("needs Redis to hold the job")
    town = make_client("xincheng", background_jobs="redis")
    upload(town, ids, "待提取.txt", REPORT)
    dashboard = town.get("/town/").get_data(as_text=True)
    assert 'data-state="pending"' in dashboard and 'aria-busy="true"' in dashboard and "等待提取文字" in dashboard
    assert "data-text-states-url" in dashboard and "evidence_states.js" in dashboard
    town.post("/lang/en", data={"next": "/town/"})
    assert states(town, ids)["待提取.txt"]["label"] == "Waiting for text extraction"


def test_an_upload_is_extracted_by_the_rq_worker_on_redis(make_client, ids, db, settings, redis_ready):
    from rq import SimpleWorker

    open_submission(db, ids)
    town = make_client("xincheng", background_jobs="redis")
    upload(town, ids, "法律顾问台账.txt", REPORT)
    assert states(town, ids)["法律顾问台账.txt"]["state"] == "pending"
    SimpleWorker([settings.job_queue], connection=jobs.connection(settings)).work(burst=True)
    state = states(town, ids)["法律顾问台账.txt"]
    assert state["state"] == "text" and not state["pending"]
    _, passages = passages_of(db, ids, "法律顾问台账.txt")
    assert any("审查合同35份" in p.text for p in passages)


def test_a_file_past_the_time_limit_ends_timed_out_with_nothing_half_stored(make_client, ids, db):
    open_submission(db, ids)
    # ~1.9 million characters: readable, but its passages take several seconds to build.
    text = "\n\n".join(f"（{i}）本镇全年组织开展法治宣传活动{i}场，出具法律意见书{i % 50}份。" * 3 for i in range(6500))
    # A quarter of what reading it takes even on a quiet machine (about 2 s): always past the limit.
    town = make_client("xincheng", background_jobs="thread", extraction_timeout_seconds=0.5)
    started = time.monotonic()
    upload(town, ids, "超大台账.txt", text.encode())
    state = wait_done(town, ids, "超大台账.txt", seconds=60)
    assert state["state"] == "timed_out" and state["problem"] and "超时" in state["label"]
    assert time.monotonic() - started < 30  # the worker was freed at the limit, not after the file
    row, passages = passages_of(db, ids, "超大台账.txt")
    assert passages == [] and row.text_state == "timed_out"
    dashboard = town.get("/town/").get_data(as_text=True)
    assert 'data-state="timed_out"' in dashboard and "文字提取超时" in dashboard
    admin = make_client("admin")
    page = admin.get(f"/admin/assessments/{ids['scoring']}/coverage?town={ids['towns']['新城镇']}").get_data(
        as_text=True)
    assert "超大台账.txt" in page and "文字提取超时" in page


def test_a_damaged_file_is_shown_as_failed_with_the_reason_never_as_an_empty_document(make_client, ids, db):
    open_submission(db, ids)
    town = make_client("xincheng", background_jobs="thread")
    upload(town, ids, "损坏.pdf", b"%PDF-1.4\n" + b"\x00garbage" * 50)
    state = wait_done(town, ids, "损坏.pdf")
    assert state["state"] == "failed" and state["label"] == "文字提取失败：PDF 文件已损坏或无法解析"
    reviewer = make_client("sifaju")
    page = reviewer.get(f"/review/{ids['scoring']}/towns/{ids['towns']['新城镇']}").get_data(as_text=True)
    assert "文字提取失败：PDF 文件已损坏或无法解析" in page and "text-problem" in page
    reviewer.post("/lang/en", data={"next": "/review/"})
    answer = reviewer.get(f"/review/{ids['scoring']}/towns/{ids['towns']['新城镇']}/evidence/states").get_json()
    [failed] = [f for f in answer["files"] if f["state"] == "failed"]
    assert failed["label"].startswith("Text extraction failed") and failed["problem"]


# The matcher index: built once at upload (and when the rubric changes), not per page view.

def test_the_index_is_built_at_upload_and_page_views_do_not_build_it_again(make_client, ids, db):
    from scoring.services import match_index

    open_submission(db, ids)
    town_id = ids["towns"]["新城镇"]
    reviewer = make_client("sifaju")
    page = f"/review/{ids['scoring']}/towns/{town_id}"
    assert reviewer.get(page).status_code == 200  # this database's first view: built once, lazily
    built = match_index.builds
    town = make_client("xincheng", background_jobs="thread")
    upload(town, ids, "法律顾问台账.txt", REPORT)
    wait_done(town, ids, "法律顾问台账.txt")
    end = time.monotonic() + 60  # the job builds the index right after storing the passages
    while match_index.builds == built and time.monotonic() < end:
        time.sleep(0.2)
    assert match_index.builds == built + 1  # by the extraction job, for the new passages
    views = [page, f"/review/{ids['scoring']}/towns/{town_id}/search?q=法律意见书"]
    for url in views:
        assert reviewer.get(url).status_code == 200
    [first, *_] = reviewer.get(views[1]).get_json()["results"]
    assert first["file"] == "法律顾问台账.txt"  # the new file is in the index searched
    assert town.get(f"/town/{ids['scoring']}/coverage").status_code == 200
    admin = make_client("admin")
    assert admin.get(f"/admin/assessments/{ids['scoring']}/coverage?town={town_id}").status_code == 200
    assert match_index.builds == built + 1  # none of these views built it again
    match_index.clear()  # another worker: it reads the index the job kept in the instance folder
    assert reviewer.get(page).status_code == 200
    assert match_index.builds == built + 1


def test_a_rubric_change_builds_the_index_again_once(make_client, ids, db):
    from sqlalchemy import text

    from scoring.services import match_index
    from scoring.store import operations
    from scoring.store.audit import SYSTEM

    reviewer = make_client("sifaju")
    page = f"/review/{ids['scoring']}/towns/{ids['towns']['新城镇']}"
    reviewer.get(page)
    built = match_index.builds
    reviewer.get(page)
    assert match_index.builds == built
    current = queries.assessment(db, ids["scoring"]).rubric_version_id
    yaml_text = queries.rubric_version(db, current).yaml_text
    db.rollback()
    new = operations.save_rubric_version(db, SYSTEM, yaml_text, note="改版").id
    # No operation moves an assessment to another rubric yet (issue 9): set it as one would.
    db.execute(text("UPDATE assessments SET rubric_version_id = :v WHERE id = :a"), {"v": new, "a": ids["scoring"]})
    db.commit()
    reviewer.get(page)
    assert match_index.builds == built + 1
    reviewer.get(page)
    assert match_index.builds == built + 1


def test_a_kept_index_suggests_exactly_what_a_fresh_one_does(db, ids):
    from scoring.services import match_index
    from scoring.services.coverage import TownEvidence, scored_items

    rubric = queries.assessment_rubric(db, ids["scoring"])
    kept = TownEvidence.load(db, ids["scoring"], ids["towns"]["新城镇"], rubric)
    match_index.clear()
    fresh = TownEvidence(list(kept.files.values()), list(kept.views.values()))
    for item in scored_items(rubric):
        assert [(s.cite, s.score) for s in kept.suggest(item)] == [(s.cite, s.score) for s in fresh.suggest(item)]
        assert kept.coverage(item).flag == fresh.coverage(item).flag


def test_the_page_of_a_reviewer_of_bonus_and_veto_items_shows_with_suggestions(make_client, ids):
    """依法治区办 scores the bonus and veto items too: they have no criteria to weigh."""
    reviewer = make_client("fazhiban")
    response = reviewer.get(f"/review/{ids['scoring']}/towns/{ids['towns']['新城镇']}")
    assert response.status_code == 200
    assert "推荐段落" in response.get_data(as_text=True)


def test_a_file_stranded_by_a_restart_is_extracted_once_when_the_service_starts_again(settings, ids, db):
    """A file stored pending whose job died with its process (none queued), and one left
    "extracting" by a process killed mid-extraction: the start-up resume extracts both, once."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from scoring import services
    from scoring.store.audit import Actor
    from scoring.store.models import EvidenceFile

    open_submission(db, ids)
    town, leader = ids["towns"]["新城镇"], Actor(ids["users"]["xincheng"], "xincheng")
    stored = [services.store_upload(db, leader, assessment_id=ids["scoring"], town_id=town, name=name,
                                    data=text.encode(), blobs=services.blob_store(settings, db),
                                    max_bytes=settings.max_upload_bytes).id
              for name, text in (("遗留一.txt", "全年出具法律意见书12份。"), ("遗留二.txt", "审查合同35份。"),
                                 ("正在提取.txt", "行政复议案件3件。"))]
    long_ago = datetime.now(UTC) - timedelta(seconds=settings.extraction_timeout_seconds + 120)
    recent = stored[2]
    db.execute(update(EvidenceFile).where(EvidenceFile.id == stored[1])  # its process was killed
               .values(text_state="extracting", text_updated_at=long_ago))
    db.execute(update(EvidenceFile).where(EvidenceFile.id == recent)  # still within its time limit
               .values(text_state="extracting", text_updated_at=datetime.now(UTC)))
    db.commit()

    thread_settings = settings.model_copy(update={"background_jobs": "thread"})
    assert jobs.resume_extractions(thread_settings) == stored[:2]
    jobs.resume_extractions(thread_settings)  # a second start while the first's jobs run: each file still once
    end = time.monotonic() + 90
    while True:
        db.rollback()
        files = {f.id: f for f in queries.evidence_files(db, ids["scoring"], town)}
        if all(files[i].text_state == "text" for i in stored[:2]):
            break
        assert time.monotonic() < end, {i: files[i].text_state for i in stored}
        time.sleep(0.2)
    assert files[recent].text_state == "extracting"  # another process may still be at it: left alone
    for evidence_id in stored[:2]:
        assert len(queries.passages(db, [evidence_id])) == 1  # extracted once, not twice
    events = db.execute(text_events(stored[:2])).scalars().all()
    assert sorted(events) == sorted(str(i) for i in stored[:2])  # one "evidence.text" event each


def text_events(ids_: list[int]):
    from sqlalchemy import select

    from scoring.store.models import AuditEvent

    return select(AuditEvent.object_key).where(AuditEvent.action == "evidence.text",
                                               AuditEvent.object_key.in_([str(i) for i in ids_]))
