"""Settings for every Aduan process: environment variables prefixed ADUAN_."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
DEV_SECRET = "dev-only-secret-change-me"


class Settings(BaseSettings):
    """One settings object; `get_settings()` caches it per process."""

    model_config = SettingsConfigDict(env_prefix="ADUAN_", extra="ignore")

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Path(".aduan")

    # Servers. The embedded dev stack listens on these ports; production points elsewhere.
    pg_port: int = 55432
    database_url: str = ""
    nats_port: int = 4222
    nats_url: str = ""
    temporal_port: int = 7233
    temporal_ui_port: int = 8233
    temporal_address: str = ""
    temporal_namespace: str = "default"
    task_queue: str = "aduan-lifecycle"

    # HTTP services.
    host: str = "127.0.0.1"
    intake_port: int = 8000
    desk_port: int = 8001
    max_body_bytes: int = 1024 * 1024

    # Policy and rules.
    sla_policy: Path = PACKAGE_DIR / "default_policy.yaml"
    routing_rules: Path = PACKAGE_DIR.parent / "services" / "routing" / "rules.yaml"

    # Mail: outgoing goes to SMTP (the embedded sink by default).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    mail_from: str = "Aduan <aduan@localhost>"
    ombudsman_url: str = ""
    ombudsman_email: str = "ombudsman@localhost"
    supervisor_email: str = "supervisor@localhost"

    # Secrets. The development default is refused in production.
    secret_key: str = DEV_SECRET

    # Staff identity (desk). Unset JWKS URL: tokens signed with a key derived from
    # secret_key (`aduan token`); set: only the issuer's tokens are accepted.
    jwt_jwks_url: str = ""
    jwt_issuer: str = ""
    jwt_audience: str = ""

    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _refuse_dev_secrets_in_production(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEV_SECRET:
            raise ValueError("set ADUAN_SECRET_KEY in production")
        return self

    @property
    def dsn(self) -> str:
        """PostgreSQL connection string (asyncpg form)."""
        return self.database_url or f"postgresql://postgres@127.0.0.1:{self.pg_port}/aduan"

    @property
    def nats_servers(self) -> list[str]:
        """NATS server URLs, comma-separated in ADUAN_NATS_URL."""
        raw = self.nats_url or f"nats://127.0.0.1:{self.nats_port}"
        return [url.strip() for url in raw.split(",") if url.strip()]

    @property
    def temporal_target(self) -> str:
        """Temporal frontend host:port."""
        return self.temporal_address or f"127.0.0.1:{self.temporal_port}"


@lru_cache
def get_settings() -> Settings:
    """Settings of this process, read once from the environment."""
    return Settings()
