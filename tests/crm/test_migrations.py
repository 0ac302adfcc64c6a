from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select

from crm import migrate
from crm.models import Base, SchemaTable


def test_migrated_schema_equals_the_models(engine):
    with engine.connect() as conn:
        # LangGraph's checkpoint tables live in the same database but are not ours to migrate.
        skip = {"checkpoints", "writes", "checkpoint_blobs", "checkpoint_writes", "checkpoint_migrations"}
        ctx = MigrationContext.configure(conn, opts={
            "compare_type": True, "include_name": lambda name, type_, _p: not (type_ == "table" and name in skip)})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_migrations_reach_head(engine):
    assert migrate.current(engine) == "0003"


def test_schema_registry_describes_the_main_tables(session):
    names = set(session.scalars(select(SchemaTable.name)))
    assert {"leads", "agents", "interactions", "follow_ups"} <= names
    leads = session.get(SchemaTable, "leads")
    assert "status" in leads.key_fields and "negotiating" in leads.key_fields["status"]
