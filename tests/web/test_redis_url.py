"""REDIS_URL with a password, and with TLS: a Redis of the test's own on ports 18231/18232."""

from __future__ import annotations

import io
import secrets
import zipfile

from rq import SimpleWorker

from scoring import jobs
from tests.redisserver import redis_server, self_signed_certificate
from web import create_app

PASSWORD_PORT, TLS_PORT = 18231, 18232


def admin_client(settings):
    app = create_app(settings)
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    assert client.post("/login", data={"username": "admin", "password": "demo-admin"}).status_code == 302
    return app, client


def test_the_zip_job_runs_through_a_redis_that_requires_a_password(settings, ids, tmp_path):
    password = secrets.token_hex(12)
    with redis_server(tmp_path, PASSWORD_PORT, password=password) as url:
        wrong = settings.model_copy(update={"redis_url": url.replace(password, "not-the-password"),
                                            "background_jobs": "redis"})
        assert not jobs.available(wrong)
        app, client = admin_client(wrong)
        refused = client.post(f"/admin/assessments/{ids['released']}/scorecards.zip", follow_redirects=True)
        assert "后台任务服务（Redis）不可用" in refused.get_data(as_text=True)
        app.extensions["engine"].dispose()

        right = settings.model_copy(update={"redis_url": url, "background_jobs": "redis"})
        app, client = admin_client(right)
        started = client.post(f"/admin/assessments/{ids['released']}/scorecards.zip")
        assert started.status_code == 302 and "/admin/jobs/" in started.location
        SimpleWorker([right.job_queue], connection=jobs.connection(right)).work(burst=True)
        assert client.get(started.location + "/state").get_json()["status"] == "finished"
        with client.get(started.location + "/download") as download:
            names = zipfile.ZipFile(io.BytesIO(download.data)).namelist()
        assert len([n for n in names if n.endswith(".pdf")]) == len(ids["towns"]) + 1
        app.extensions["engine"].dispose()


def test_a_rediss_url_speaks_tls_and_checks_the_servers_certificate(settings, ids, tmp_path):
    password = secrets.token_hex(12)
    tls = self_signed_certificate(tmp_path)
    with redis_server(tmp_path, TLS_PORT, password=password, tls=tls) as url:
        unchecked_ca = url.split("?", 1)[0]  # the system's CAs do not know this certificate
        assert not jobs.available(settings.model_copy(update={"redis_url": unchecked_ca, "background_jobs": "redis"}))
        plain = url.split("?", 1)[0].replace("rediss://", "redis://")
        assert not jobs.available(settings.model_copy(update={"redis_url": plain, "background_jobs": "redis"}))
        over_tls = settings.model_copy(update={"redis_url": url, "background_jobs": "redis"})
        assert jobs.available(over_tls)
        app, client = admin_client(over_tls)
        started = client.post(f"/admin/assessments/{ids['released']}/scorecards.zip")
        assert started.status_code == 302
        state = client.get(started.location + "/state").get_json()
        assert state["status"] == "queued"  # the job and its state went over TLS
        assert jobs.connection(over_tls).llen(f"rq:queue:{over_tls.job_queue}") == 1
        app.extensions["engine"].dispose()
