"""Settings from the environment, every variable prefixed CC_ (DESIGN §10)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CC_", extra="ignore")

    # Embedded default: one SQLite file under data/.
    database_url: str = f"sqlite:///{ROOT / 'data' / 'cc_network.db'}"
    # PostgreSQL only: the non-owner role the app switches to so row-level security applies.
    database_app_role: str = "cc_app"
    # PostgreSQL connections kept open per process: as many as the threads that may query at
    # once (Starlette's pool runs 40 sync routes), so a busy minute never opens and closes
    # connections per request; the overflow absorbs jobs and bursts beyond that.
    database_pool_size: int = 40
    database_max_overflow: int = 20
    redis_url: str | None = None
    # Without a broker URL: Redis when CC_REDIS_URL is set, else kombu's filesystem transport.
    broker_url: str | None = None
    secret_key: str = "dev-only-secret-change-me-in-production"
    base_url: str = "http://localhost:3000"
    # Where the browser reaches the backend (auth routes, REST, feeds). Unset: base_url,
    # since `reflex run --env prod` serves frontend and backend on one port.
    api_url: str = ""
    # smtp://user:password@host:port (smtps:// for TLS). Unset: the dev mailbox.
    smtp_url: str | None = None
    mail_from: str = "CC Network <no-reply@cc-network.local>"
    # a mailing delivery claimed this long ago and still not sent belongs to a dead worker: resend it
    mail_stale_seconds: int = 120
    port: int = 3000
    backend_port: int = 8000
    data_dir: Path = ROOT / "data"
    session_days: int = 14
    reset_token_minutes: int = 60
    login_rate_limit: str = "5/minute"
    default_timezone: str = "Africa/Casablanca"
    # Outgoing HTTP (integrations/http.py): hosts every provider may reach besides its own
    # configured ones (comma-separated), and the per-(provider, tenant) request budget.
    http_allowed_hosts: str = ""
    http_rate_limit: str = "120/minute"

    @model_validator(mode="after")
    def _defaults(self) -> Settings:
        if "base_url" not in self.model_fields_set:
            self.base_url = f"http://localhost:{self.port}"
        if not self.api_url:
            self.api_url = self.base_url
        self.base_url = self.base_url.rstrip("/")
        self.api_url = self.api_url.rstrip("/")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def effective_broker_url(self) -> str:
        if self.broker_url:
            return self.broker_url
        if self.redis_url:
            return self.redis_url
        return "filesystem://"

    @property
    def cookie_secure(self) -> bool:
        return self.base_url.startswith("https://")


@lru_cache
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Tests change CC_* variables; this drops the cached copy."""
    get_settings.cache_clear()
