"""A database for a benchmark run, emptied and migrated: a database given with --database-url
loses every crmbot table first (on a new SQLite file there is nothing to drop)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine  # noqa: E402

from crm import migrate  # noqa: E402
from crm.db import make_engine  # noqa: E402
from crm.models import Base  # noqa: E402

# Tables that are not in the models: Alembic's own, and the brain's conversation checkpoints.
OTHER_TABLES = ("alembic_version", "checkpoints", "checkpoint_blobs", "checkpoint_writes", "checkpoint_migrations")


def empty_and_migrate(engine: Engine) -> Engine:
    Base.metadata.drop_all(engine)
    with engine.begin() as conn:
        for table in OTHER_TABLES:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
    migrate.upgrade(engine)
    return engine


def fresh_engine(url: str) -> Engine:
    return empty_and_migrate(make_engine(url))
