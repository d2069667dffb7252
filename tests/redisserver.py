"""A Redis server of a test's own (password, TLS), started on a port of the test's range and stopped after."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from redis import Redis


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found is None:
        pytest.fail("redis-server is not installed (scripts/apt-packages-test.txt lists it)")
    return found


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made with openssl for this test only."""
    cert, key = folder / "redis.crt", folder / "redis.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


@contextmanager
def redis_server(folder: Path, port: int, *, password: str, tls: tuple[Path, Path] | None = None) -> Iterator[str]:
    """Run ``redis-server`` on ``port`` with ``password`` (and TLS); yield its URL; stop it after."""
    args = [redis_server_binary(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(folder), "--requirepass", password]
    if tls is None:
        args += ["--port", str(port)]
        url = f"redis://:{password}@127.0.0.1:{port}/0"
    else:
        cert, key = tls
        args += ["--port", "0", "--tls-port", str(port), "--tls-cert-file", str(cert), "--tls-key-file", str(key),
                 "--tls-ca-cert-file", str(cert), "--tls-auth-clients", "no"]
        url = f"rediss://:{password}@127.0.0.1:{port}/0?ssl_ca_certs={cert}"
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = Redis.from_url(url, socket_connect_timeout=1)
        for _ in range(100):  # waiting for it to listen, not timing it
            try:
                if client.ping():
                    break
            except Exception:  # noqa: BLE001 - not up yet
                if process.poll() is not None:
                    pytest.fail(f"redis-server on port {port} exited with {process.returncode}")
                time.sleep(0.1)
        client.close()
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
