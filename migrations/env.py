"""Alembic environment: uses the connection handed in by crm.migrate, or the configured URL."""
from alembic import context

from crm.db import make_engine
from crm.models import Base

config = context.config
target_metadata = Base.metadata
# The conversation checkpointer (LangGraph, bot/brain/checkpoint.py) keeps its own tables in the
# same database and creates them itself; autogenerate must not offer to drop them.
CHECKPOINT_TABLES = {"checkpoints", "writes", "checkpoint_blobs", "checkpoint_writes", "checkpoint_migrations"}


def include_name(name, type_, parent_names) -> bool:  # noqa: ANN001
    return not (type_ == "table" and name in CHECKPOINT_TABLES)


def _configure(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite needs batch mode to alter tables
        compare_type=True,
        include_name=include_name,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as conn:
            _configure(conn)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
