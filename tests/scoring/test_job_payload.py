"""What a job carries through Redis: where the data is, never a secret. Whoever can read the
queue must not learn the database's password (the worker has its own environment for that)."""

from __future__ import annotations

from rq.job import Job

from scoring import jobs

SECRET = "s3cret-pw-of-the-database"


def test_a_queued_job_holds_no_database_password(settings, redis_ready):
    with_password = settings.model_copy(update={
        "database_url": f"postgresql+psycopg://scoring:{SECRET}@db.example:5432/scoring",
        "background_jobs": "redis"})
    job_id = jobs.enqueue_assessment_zip(with_password, 1)
    connection = jobs.connection(settings)
    try:
        stored = b"".join(value for value in connection.hgetall(f"rq:job:{job_id}").values())
        job = Job.fetch(job_id, connection=connection)
        sent = job.args[0]
        assert sent["database_url"] == "postgresql+psycopg://scoring@db.example:5432/scoring"
        assert SECRET.encode() not in stored  # not in the pickled payload, not in the meta
    finally:
        Job.fetch(job_id, connection=connection).delete()  # no worker of the suite may pick it up


def test_the_worker_takes_the_database_from_its_own_environment(settings, monkeypatch):
    sent = jobs._where(settings.model_copy(update={
        "database_url": f"postgresql+psycopg://scoring:{SECRET}@db.example/scoring"}))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert jobs.worker_settings(sent).database_url == "postgresql+psycopg://scoring@db.example/scoring"
    assert str(jobs.worker_settings(sent).instance_path) == str(settings.instance_path)
    own = "postgresql+psycopg://scoring:pw-of-the-worker@127.0.0.1/scoring"
    monkeypatch.setenv("DATABASE_URL", own)  # a worker with its own settings keeps them
    assert jobs.worker_settings(sent).database_url == own
