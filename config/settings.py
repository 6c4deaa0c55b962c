"""Typed settings, read from ``CJJI_*`` environment variables (and a ``.env`` file).

Nothing is read at import time: call :func:`get_settings`, which caches one instance.
The defaults are the embedded set-up: a SQLite file and a broker on SQLite, both under
``var/`` in the working directory, so the engine runs with nothing else installed.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRET = "change-me"  # noqa: S105 - the value refused outside development
#: The file under ``data_dir`` that keeps the key `cjji run` made, when none is set.
SECRET_KEY_FILE = "secret-key"  # noqa: S105 - a file name, not a secret
#: The shortest secret key production accepts, in bytes.
MIN_SECRET_BYTES = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CJJI_", env_file=".env", extra="ignore")

    environment: str = Field("development", description="development, test or production")
    data_dir: Path = Field(Path("var"), description="where the embedded databases live")
    database_url: str = Field("", description="SQLAlchemy URL; default: SQLite in data_dir")
    broker_url: str = Field("", description="Celery broker URL; default: SQLite in data_dir")
    public_url: str = "http://127.0.0.1:8000"
    secret_key: SecretStr = SecretStr(PLACEHOLDER_SECRET)

    mail_channel: str = Field("file", description="file, log, smtp or notify")
    mail_from: str = "cjji-workflow@localhost"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    notify_api_key: SecretStr | None = None
    notify_template_id: str | None = None

    queue: str = Field("cjji", description="the Celery queue this deployment uses")
    broker_timeout_seconds: float = Field(
        3, gt=0, le=60, description="the limit on each call to the broker: connect, send, read"
    )
    outbox_lease_seconds: int = Field(60, ge=1)
    relay_every_seconds: float = Field(15, gt=0)
    task_time_limit_seconds: int = Field(120, ge=10)
    sweep_every_seconds: int = Field(300, ge=1)
    # The shortest sweep interval accepted; the test suite lowers it to run sweeps faster.
    sweep_min_interval_seconds: int = Field(10, ge=1)
    # Health: how often the worker and beat write their heartbeat, and how old a heartbeat
    # (or the oldest message waiting, beyond its lease) may be before it counts as late:
    # /readyz answers 503 and the administrators' health page turns red.
    heartbeat_every_seconds: float = Field(10, gt=0)
    heartbeat_late_seconds: float = Field(60, gt=0)
    #: A bearer token a Prometheus scraper sends to read /metrics (administrators' API
    #: tokens are accepted too); unset, only administrators may read it.
    metrics_token: SecretStr | None = None
    # The witnessed audit log: the engine signs checkpoints of the audit tree with this key
    # (made on first use; default: audit-signing.key in data_dir), under this origin line.
    audit_key_file: Path | None = Field(None, description="the engine's Ed25519 signing key")
    audit_origin: str = Field("cjji-workflow/audit", description="the checkpoints' origin line")
    checkpoint_every_seconds: float = Field(3600, gt=0, description="how often beat signs one")
    # Fault injection for the reliability tests: a task sleeps this long before sending.
    fault_pause_before_send: float = Field(0, ge=0)

    # -- security ---------------------------------------------------------------------
    session_idle_minutes: int = Field(
        30, ge=1, le=720, description="a browser session idle this long has ended"
    )
    throttle_storage: str = Field(
        "memory://", description="where failure counters live: memory:// or redis://…"
    )
    signin_limits: str = Field(
        "3/minute;6/10 minutes;10/hour",
        description="failed sign-ins allowed per account, growing; the last tier locks it",
    )
    address_limits: str = Field(
        "30/minute;300/hour", description="failed sign-ins and token uses per client address"
    )
    security_log_window_seconds: int = Field(
        300, ge=1, le=86400, description="the security log counts refusals per this window"
    )
    purge_every_seconds: int = Field(
        3600, ge=10, description="how often beat deletes ended sessions and used links"
    )
    token_days: int = Field(90, ge=1, le=3650, description="an API token's default lifetime")

    @field_validator("environment")
    @classmethod
    def _known_environment(cls, value: str) -> str:
        if value not in {"development", "test", "production"}:
            raise ValueError("CJJI_ENVIRONMENT must be development, test or production")
        return value

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if self.sweep_every_seconds < self.sweep_min_interval_seconds:
            raise ValueError(
                f"CJJI_SWEEP_EVERY_SECONDS must be at least {self.sweep_min_interval_seconds}"
            )
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'cjji.sqlite3'}"
        if self.audit_key_file is None:
            self.audit_key_file = self.data_dir / "audit-signing.key"
        if not self.audit_origin or any(c.isspace() or c == "+" for c in self.audit_origin):
            raise ValueError("CJJI_AUDIT_ORIGIN is one word: no spaces or '+'")
        if not self.broker_url:
            self.broker_url = f"sqla+sqlite:///{self.data_dir / 'broker.sqlite3'}"
        if self.secret_key.get_secret_value() == PLACEHOLDER_SECRET:
            kept = self.data_dir / SECRET_KEY_FILE
            if kept.is_file():  # the key `cjji run` made on its first run
                self.secret_key = SecretStr(kept.read_text(encoding="utf-8").strip())
        if self.environment == "production":
            key = self.secret_key.get_secret_value()
            if key == PLACEHOLDER_SECRET:
                raise ValueError(
                    "CJJI_SECRET_KEY is still the placeholder: set a long random value "
                    "(python -c 'import secrets; print(secrets.token_urlsafe(48))')"
                )
            if len(key.encode()) < MIN_SECRET_BYTES:
                raise ValueError(
                    f"CJJI_SECRET_KEY is {len(key.encode())} bytes: production needs at least "
                    f"{MIN_SECRET_BYTES} random bytes "
                    "(python -c 'import secrets; print(secrets.token_urlsafe(48))')"
                )
        return self

    @property
    def visibility_timeout(self) -> int:
        # A message must not be handed to a second worker while the first may still run it.
        return self.task_time_limit_seconds * 3

    @property
    def signing_key_file(self) -> Path:
        assert self.audit_key_file is not None  # filled in by _fill_defaults
        return self.audit_key_file

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def ensure_secret_key(data_dir: Path) -> Path:
    """Make the random secret key `cjji run` keeps under ``data_dir`` (mode 0600), once.

    A key set in ``CJJI_SECRET_KEY`` wins over the file; the file is only ever read when
    none is set.
    """
    path = data_dir / SECRET_KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting at once cannot both write a key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(secrets.token_urlsafe(48) + "\n")
    return path


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
