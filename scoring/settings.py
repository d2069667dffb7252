"""Configuration: one typed object, read from the environment once, passed explicitly."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
# Keys this project once shipped as defaults: anyone can sign a session with them.
PUBLIC_SECRETS = frozenset({"dev-only-secret-change-me"})


class Settings(BaseSettings):
    """Settings of the service, the CLI and background jobs (env vars, e.g. DATABASE_URL)."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    instance_path: Path = ROOT / "instance"
    database_url: str = ""  # empty: SQLite file under instance_path
    redis_url: str = "redis://127.0.0.1:6379/0"
    job_queue: str = "scoring"  # RQ queue name: tests use their own, so no other worker takes their jobs
    # auto: Redis when it answers, else a thread in this process (one-process servers only)
    background_jobs: Literal["auto", "redis", "thread"] = "auto"
    # Where file bytes live (scoring.store.blobs): auto = in the database on PostgreSQL (shared
    # by every server), on the local disk (instance/evidence) for the embedded SQLite default.
    blob_storage: Literal["auto", "disk", "database"] = "auto"
    secret_key: str = ""  # empty: a random key kept in instance_path/secret.key (made on first run)
    max_upload_bytes: int = Field(20 * 1024 * 1024, gt=0)
    # Extraction of one evidence file (a background job): past this it is "timed out" and killed.
    extraction_timeout_seconds: float = Field(120.0, gt=0)
    extraction_memory_mb: int = Field(1536, gt=0)  # address space of the extracting process
    login_max_failures: int = Field(5, gt=0)  # per (IP or known device, account) in the window
    login_ip_budget: int = Field(30, gt=0)  # failures per IP over all accounts in the window
    login_lockout_minutes: int = Field(15, gt=0)
    session_idle_minutes: int = Field(60, gt=0)
    session_max_hours: int = Field(12, gt=0)
    session_cookie_secure: bool | None = None  # None: Secure in production, not in development
    default_locale: str = "zh"
    # Proxies in front of the service whose X-Forwarded-For/-Proto/-Host are believed (werkzeug
    # ProxyFix): 0 (the default) believes none, so a client cannot fake its address.
    trusted_proxies: int = Field(0, ge=0, le=5)
    # How long a request waits for the database's write lock before answering 503 (SQLite busy
    # timeout; PostgreSQL lock_timeout). The CLI and jobs keep the long default.
    request_lock_timeout_ms: int = Field(3000, gt=0)
    render_timeout_seconds: float = Field(60, gt=0)  # one PDF rendered for a page (not a batch)

    @model_validator(mode="after")
    def _refuse_weak_secret(self) -> Settings:
        if self.secret_key and (self.secret_key in PUBLIC_SECRETS or len(self.secret_key) < 32):
            raise ValueError("SECRET_KEY must be a long random value (or unset: one is kept in instance/)")
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL: DATABASE_URL, or a SQLite file in the instance folder."""
        if self.database_url:
            url = self.database_url
            return "postgresql+psycopg://" + url.split("://", 1)[1] if url.startswith("postgres") else url
        return f"sqlite:///{self.instance_path / 'scoring.db'}"

    @property
    def evidence_path(self) -> Path:
        """The folder of the disk blob store (and of files stored before blobs moved to the database)."""
        return self.instance_path / "evidence"

    @property
    def audit_checkpoints_path(self) -> Path:
        """The append-only file of audit head hashes (outside the database)."""
        return self.instance_path / "audit-checkpoints.jsonl"

    @property
    def outcome_cache_path(self) -> Path:
        """Computed outcomes, shared by the workers (``services.cache``)."""
        return self.instance_path / "outcome-cache"

    @property
    def figures_path(self) -> Path:
        """Figures computed in the background, such as the ranking's sensitivity (``services.background``)."""
        return self.instance_path / "figures"

    @property
    def pdf_cache_path(self) -> Path:
        """Rendered PDFs by content and by data version (``services.documents.pdf_cache``)."""
        return self.instance_path / "pdf-cache"

    @property
    def matcher_index_path(self) -> Path:
        """The towns' evidence matcher indexes (``services.match_index``)."""
        return self.instance_path / "matcher-index"

    @property
    def derived_paths(self) -> tuple[Path, ...]:
        """What is computed from the database and kept to save time: safe to delete, and deleted by
        a restore (their keys are data versions, which an older backup gives again to other data)."""
        return (self.outcome_cache_path, self.figures_path, self.pdf_cache_path, self.matcher_index_path)

    @property
    def blobs_in_database(self) -> bool:
        if self.blob_storage == "auto":
            return self.sqlalchemy_url.startswith("postgresql")
        return self.blob_storage == "database"

    @property
    def cookies_secure(self) -> bool:
        return self.environment == "production" if self.session_cookie_secure is None \
            else self.session_cookie_secure

    def session_secret(self) -> str:
        """SECRET_KEY, or the instance's own random key: every process of the instance shares it."""
        return self.secret_key or instance_secret(self.instance_path / "secret.key").hex()

    def audit_key(self) -> bytes:
        """The key of the audit trail's HMAC; kept outside the database, so its writers cannot forge it."""
        return instance_secret(self.instance_path / "audit.key")


def instance_secret(path: Path, size: int = 32) -> bytes:
    """Read a random key from ``path``, creating it (mode 0600) on first use.

    Created under a temporary name and linked into place: processes starting together
    (gunicorn workers) all end up with the one key that won, never a half-written one.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(secrets.token_bytes(size))
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)  # fails if another process won: then its key is the key
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
        data = path.read_bytes()
    if len(data) < size:
        raise RuntimeError(f"{path} is shorter than {size} bytes: not a key this service made")
    return data
