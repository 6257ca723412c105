"""Run Alembic migrations programmatically (the CLI's `migrate`, the tests, `make run`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from integrations.settings import get_settings

HERE = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", get_settings().database_url.replace("%", "%%"))
    cfg.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    return cfg


def migrate(revision: str = "head") -> None:
    s = get_settings()
    if s.is_sqlite:
        s.data_dir.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(), revision)


def revision(message: str) -> None:
    command.revision(alembic_config(), message=message, autogenerate=True)
