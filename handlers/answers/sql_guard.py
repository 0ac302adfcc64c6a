"""Run SQL that a language model wrote, treating it as untrusted input.

The text is parsed with sqlglot and only then trusted, in this order:

1. exactly one statement, and it is a plain ``SELECT``: no set operations (UNION, INTERSECT,
   EXCEPT), no CTEs, no ``SELECT … INTO``, no locking clause, no placeholders, and nothing
   anywhere in the tree that writes, defines, sets or loads (INSERT, UPDATE, DELETE, DROP,
   CREATE, ALTER, PRAGMA, SET, COPY, ATTACH, transactions);
2. functions from a short allow-list only (aggregates, text, date and arithmetic helpers),
   so ``pg_sleep``, ``pg_read_file``, ``load_extension``, ``set_config`` and friends are out;
3. tables from the schema registry (``schema_registry``) that also have a scoping rule here,
   never schema-qualified, never table functions;
4. scoping by rewriting, not by checking: every table reference is replaced by a subquery
   of that table's registered columns restricted to the asker's leads (``leads.owner_id``;
   interactions, follow-ups and emails through their ``lead_id``), keeping the original
   alias. Whatever the query joins or filters, it can only see those rows and columns, so a
   forgotten or forged ``owner_id`` condition cannot widen it. Admins see every row, but still
   only the registered columns (no unsubscribe tokens, no raw emails);
5. a LIMIT of at most ``MAX_ROWS`` on the outermost query.

The statement that runs is sqlglot's rendering of the checked tree, never the model's text.
It runs inside a savepoint that is always rolled back, read-only on the database's side too:
PostgreSQL gets ``SET TRANSACTION READ ONLY`` and ``SET LOCAL statement_timeout``; SQLite
gets ``PRAGMA query_only=ON`` on that connection and a progress handler that interrupts it
at the deadline (SQLite has no statement timeout).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Mapping

import sqlglot
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError

from crm.errors import CrmError
from crm.models import SchemaTable

log = logging.getLogger(__name__)

MAX_ROWS = 200
MAX_SQL_CHARS = 4000
TIMEOUT_MS = 3000

# How each table is limited to the asker's rows.
SCOPES = {
    "leads": "owner",
    "interactions": "lead",
    "follow_ups": "lead",
    "inbound_messages": "lead",
    "agents": "public",
}
# Columns of agents any agent may see (names for "who owns…"), whatever the registry lists.
PUBLIC_AGENT_COLUMNS = ("id", "name", "role")

_FORBIDDEN_NODES = tuple(getattr(exp, name) for name in (
    "SetOperation", "Union", "Intersect", "Except", "With", "CTE", "Into", "Lock", "Placeholder",
    "Parameter", "Insert", "Update", "Delete", "Drop", "Create", "Alter", "Command", "Pragma",
    "Transaction", "Commit", "Rollback", "Set", "Merge", "Copy", "Attach", "Detach", "Use", "LoadData",
    "TruncateTable", "Grant", "Revoke", "Kill", "Analyze", "Cache", "Uncache", "Refresh", "Describe",
    "Show", "Comment", "Values", "Lateral", "Summarize",
) if hasattr(exp, name))

# sqlglot's name for each allowed function (typed classes and plain names alike).
ALLOWED_FUNCTIONS = frozenset("""
COUNT SUM AVG MIN MAX TOTAL GROUP_CONCAT STRING_AGG ARRAY_AGG COALESCE NULLIF IFNULL IF CASE CAST TRY_CAST
LOWER UPPER LENGTH SUBSTRING SUBSTR TRIM LTRIM RTRIM REPLACE CONCAT CONCAT_WS INSTR STR_POSITION LEFT RIGHT
ROUND ABS FLOOR CEIL CEILING GREATEST LEAST MOD POWER SIGN
DATE DATETIME JULIANDAY STRFTIME TIME_TO_STR TS_OR_DS_TO_TIMESTAMP TS_OR_DS_TO_DATE DATE_TRUNC TIMESTAMP_TRUNC
DATE_PART EXTRACT CURRENT_DATE CURRENT_TIMESTAMP NOW AGE TO_CHAR DATE_ADD DATE_SUB DATE_DIFF DATEDIFF
TIMESTAMP_ADD TIMESTAMP_SUB TIMESTAMP_DIFF INTERVAL STR_TO_TIME STR_TO_DATE TO_DATE TO_TIMESTAMP UNIX_TO_TIME
PERCENTILE_CONT PERCENTILE_DISC MEDIAN ROW_NUMBER RANK DENSE_RANK
AND OR NOT XOR
""".split())


class SQLRefused(CrmError):
    """Generated SQL that was not run; the message is safe to show."""


@dataclass(frozen=True)
class GuardedQuery:
    sql: str  # what runs: sqlglot's rendering of the checked, scoped tree
    tables: tuple[str, ...]
    limit: int


@dataclass(frozen=True)
class QueryResult:
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def registry_columns(session: Session) -> dict[str, tuple[str, ...]]:
    """Tables and columns the registry describes, limited to tables with a scoping rule."""
    out: dict[str, tuple[str, ...]] = {}
    for row in session.execute(select(SchemaTable.name, SchemaTable.key_fields)).all():
        name = row.name
        if name not in SCOPES:
            continue
        fields = [f for f in (row.key_fields or {}) if isinstance(f, str) and f.isidentifier()]
        if name == "agents":
            fields = [f for f in fields if f in PUBLIC_AGENT_COLUMNS]
        out[name] = tuple(dict.fromkeys(["id", *fields]))
    return out


def dialect_of(session: Session) -> str:
    name = session.get_bind().dialect.name
    return "postgres" if name == "postgresql" else "sqlite"


def guard_sql(sql: str, *, tables: Mapping[str, tuple[str, ...]], dialect: str, owner_id: int | None,
              is_admin: bool = False, max_rows: int = MAX_ROWS) -> GuardedQuery:
    """Check and rewrite ``sql``; raises ``SQLRefused`` with a plain reason."""
    if not sql or not sql.strip():
        raise SQLRefused("There was no query to run.")
    if len(sql) > MAX_SQL_CHARS:
        raise SQLRefused("The query was too long to run.")
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except (ParseError, SqlglotError):
        raise SQLRefused("The query could not be read as SQL.") from None
    if len(statements) != 1:
        raise SQLRefused("Only a single SELECT statement may run.")
    tree = statements[0]
    if not isinstance(tree, exp.Select):
        raise SQLRefused("Only a SELECT statement may run; nothing was changed.")
    for node in tree.walk():
        if isinstance(node, _FORBIDDEN_NODES):
            raise SQLRefused(f"The query uses {_describe(node)}, which is not allowed; nothing was run.")
        if isinstance(node, exp.Func):
            name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).upper()
            if name not in ALLOWED_FUNCTIONS:
                raise SQLRefused(f"The query calls {name.lower()}(), which is not allowed; nothing was run.")
    if not is_admin and owner_id is None:
        raise SQLRefused("Only an agent's own leads can be queried.")

    refs = list(tree.find_all(exp.Table))
    if not refs:
        raise SQLRefused("The query reads no table.")
    used = []
    for ref in refs:
        if not isinstance(ref.this, exp.Identifier):
            raise SQLRefused("The query reads from a function rather than a table; nothing was run.")
        if ref.args.get("db") or ref.args.get("catalog"):
            raise SQLRefused("Tables may not be named with a schema; nothing was run.")
        name = ref.name.lower()
        if name not in tables:
            raise SQLRefused(f"The table {name} is not available to questions; nothing was run.")
        used.append(name)
    for ref in refs:
        name = ref.name.lower()
        alias = ref.alias or name
        scoped = _scoped_table(name, tables, owner_id=owner_id, is_admin=is_admin, dialect=dialect)
        ref.replace(exp.Subquery(this=scoped, alias=exp.TableAlias(this=exp.to_identifier(alias))))

    limit = tree.args.get("limit")
    current = _literal_int(limit.expression if isinstance(limit, exp.Limit) else None)
    if current is None or current > max_rows or current < 0:
        tree.set("limit", None)
        tree = tree.limit(max_rows, copy=False)
    rendered = tree.sql(dialect=dialect)
    return GuardedQuery(sql=rendered, tables=tuple(dict.fromkeys(used)), limit=min(current or max_rows, max_rows))


def _describe(node: exp.Expression) -> str:
    name = type(node).__name__
    return {"Union": "UNION", "Intersect": "INTERSECT", "Except": "EXCEPT", "With": "a WITH clause",
            "CTE": "a WITH clause", "Into": "SELECT INTO", "Lock": "a locking clause",
            "Placeholder": "a placeholder", "Parameter": "a parameter"}.get(name, name.upper())


def _literal_int(node: exp.Expression | None) -> int | None:
    if isinstance(node, exp.Literal) and not node.is_string:
        try:
            return int(node.this)
        except ValueError:
            return None
    return None


def _scoped_table(name: str, tables: Mapping[str, tuple[str, ...]], *, owner_id: int | None, is_admin: bool,
                  dialect: str) -> exp.Select:
    """SELECT <registered columns> FROM <name> [WHERE <only the asker's rows>], built as a tree."""
    cols = [exp.column(c) for c in tables[name]]
    query = exp.select(*cols).from_(exp.to_table(name))
    scope = SCOPES[name]
    if is_admin or scope == "public":
        return query
    owner = exp.Literal.number(int(owner_id))  # an int from the session, never text from the model
    if scope == "owner":
        return query.where(exp.EQ(this=exp.column("owner_id"), expression=owner))
    own_leads = exp.select("id").from_("leads").where(exp.EQ(this=exp.column("owner_id"), expression=owner))
    return query.where(exp.column("lead_id").isin(query=own_leads))


# --- running -------------------------------------------------------------------------------------

def run_guarded(session: Session, query: GuardedQuery, *, timeout_ms: int = TIMEOUT_MS) -> QueryResult:
    """Run in a savepoint that is always rolled back, read-only and time-limited."""
    bind = session.get_bind()
    postgres = bind.dialect.name == "postgresql"
    savepoint = session.begin_nested()
    conn = session.connection()
    raw = None
    try:
        if postgres:
            # Switching to read-only is allowed at any point of a (sub)transaction; rolling the
            # savepoint back restores read-write and the previous timeout.
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(timeout_ms)}")
        else:
            raw = conn.connection.driver_connection
            raw.execute("PRAGMA query_only = ON")
            deadline = time.monotonic() + timeout_ms / 1000
            raw.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 10_000)
        result = conn.exec_driver_sql(query.sql, execution_options={"no_parameters": True})
        columns = tuple(result.keys())
        rows = tuple(tuple(r) for r in result.fetchmany(query.limit))
        return QueryResult(columns=columns, rows=rows)
    except (DBAPIError, SQLAlchemyError):
        log.info("guarded query failed", exc_info=True)
        raise SQLRefused("The query could not run against the CRM; nothing was changed.") from None
    finally:
        if raw is not None:
            raw.set_progress_handler(None, 0)
            raw.execute("PRAGMA query_only = OFF")
        if savepoint.is_active:
            savepoint.rollback()
