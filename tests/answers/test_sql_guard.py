"""Generated SQL is checked, scoped to the asker's leads, limited and run read-only."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.models import Lead
from handlers.answers.sql_guard import (
    MAX_ROWS,
    GuardedQuery,
    SQLRefused,
    dialect_of,
    guard_sql,
    registry_columns,
    run_guarded,
)


def run(session, sql: str, agent):  # noqa: ANN001, ANN201
    q = guard_sql(sql, tables=registry_columns(session), dialect=dialect_of(session), owner_id=agent.id,
                  is_admin=agent.is_admin)
    return run_guarded(session, q)


def names(result) -> list[str]:  # noqa: ANN001
    return sorted(r[0] for r in result.rows)


def test_every_table_is_limited_to_the_askers_leads_whatever_the_query_says(session, team):
    own = ["Carlos Rivera", "John Doe", "Mary Poppins", "Max Müller"]
    assert names(run(session, "SELECT name FROM leads", team.alex)) == own
    assert names(run(session, f"SELECT name FROM leads WHERE owner_id = {team.sam.id} OR 1 = 1", team.alex)) == own
    joined = run(session, "SELECT l.name FROM interactions AS i JOIN leads l ON l.id = i.lead_id", team.alex)
    assert names(joined) == ["Carlos Rivera", "John Doe"]
    sub = run(session, "SELECT count(*) FROM follow_ups WHERE lead_id IN (SELECT id FROM leads)", team.alex)
    assert sub.rows == ((3,),)


def test_an_admin_sees_every_row_but_only_registered_columns(session, team):
    assert len(run(session, "SELECT name FROM leads", team.dana).rows) == 5
    with pytest.raises(SQLRefused):
        run(session, "SELECT token FROM leads", team.dana)  # unsubscribe tokens are not in the registry
    with pytest.raises(SQLRefused):
        run(session, "SELECT email FROM agents", team.dana)  # agents expose id, name and role only


@pytest.mark.parametrize("sql", [
    "DROP TABLE leads",
    "DELETE FROM leads",
    "UPDATE leads SET status = 'new'",
    "SELECT name FROM leads; DROP TABLE leads",
    "SELECT name FROM leads UNION SELECT email FROM agents",
    "SELECT name FROM leads WHERE id IN (SELECT id FROM leads UNION ALL SELECT id FROM agents)",
    "SELECT pg_sleep(10)",
    "SELECT load_extension('evil')",
    "PRAGMA table_info(leads)",
    "SELECT * INTO stolen FROM leads",
    "WITH x AS (SELECT * FROM leads) SELECT * FROM x",
    "SELECT * FROM audit_log",
    "SELECT * FROM outbox",
    "SELECT * FROM main.leads",
    "SELECT * FROM generate_series(1, 10)",
    "SELECT name FROM leads WHERE name = ?",
    "",
])
def test_anything_but_one_plain_select_over_registered_tables_is_refused(session, team, sql):
    with pytest.raises(SQLRefused):
        guard_sql(sql, tables=registry_columns(session), dialect=dialect_of(session), owner_id=team.alex.id)


def test_a_limit_is_forced_on_the_outer_query(session, team):
    tables = registry_columns(session)
    q = guard_sql("SELECT name FROM leads", tables=tables, dialect=dialect_of(session), owner_id=team.alex.id)
    assert q.sql.endswith(f"LIMIT {MAX_ROWS}")
    q = guard_sql("SELECT name FROM leads LIMIT 100000", tables=tables, dialect=dialect_of(session),
                  owner_id=team.alex.id)
    assert q.sql.endswith(f"LIMIT {MAX_ROWS}") and "100000" not in q.sql


def test_the_database_itself_refuses_a_write_that_got_past_the_checks(session, team):
    smuggled = GuardedQuery(sql="UPDATE leads SET status = 'closed_lost'", tables=("leads",), limit=10)
    with pytest.raises(SQLRefused):
        run_guarded(session, smuggled)
    statuses = session.execute(select(Lead.status, func.count()).group_by(Lead.status)).all()
    assert ("closed_lost", 1) not in [tuple(r) for r in statuses]
    # The connection is writable again for the rest of the session's work.
    team.leads["Max Müller"].status = "contacted"
    session.flush()
    assert session.get(Lead, team.leads["Max Müller"].id).status == "contacted"
