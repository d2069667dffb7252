"""Configuration: one typed object, read from the environment once, passed explicitly."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
_DEV_SECRET = "dev-only-secret-change-me"


class Settings(BaseSettings):
    """Settings of the service, the CLI and background jobs (env vars, e.g. DATABASE_URL)."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    instance_path: Path = ROOT / "instance"
    database_url: str = ""  # empty: SQLite file under instance_path
    redis_url: str = "redis://127.0.0.1:6379/0"
    job_queue: str = "scoring"  # RQ queue name: tests use their own, so no other worker takes their jobs
    secret_key: str = _DEV_SECRET
    max_upload_bytes: int = Field(20 * 1024 * 1024, gt=0)
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    session_cookie_secure: bool = False  # True behind HTTPS in production
    default_locale: str = "zh"

    @model_validator(mode="after")
    def _refuse_dev_secret_in_production(self) -> Settings:
        if self.environment == "production" and (self.secret_key == _DEV_SECRET or len(self.secret_key) < 32):
            raise ValueError("SECRET_KEY must be set to a long random value in production")
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
        return self.instance_path / "evidence"
