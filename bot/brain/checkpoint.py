"""The graph's checkpointer, on the CRM's own database, so a waiting plan survives restarts.

SQLite: LangGraph's SqliteSaver on its own connection to the same file (WAL mode lets it and
the CRM's connections work side by side). PostgreSQL: PostgresSaver over a small psycopg pool
with ``autocommit=True`` and ``row_factory=dict_row``, as its documentation requires; its
``setup()`` runs once per process under an advisory lock, because two processes creating the
tables at the same moment can collide on PostgreSQL's catalog.

The saver's own migrations build their indexes with ``CREATE INDEX CONCURRENTLY``, which waits
for every older transaction in the whole database to end
(https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY):
one idle-in-transaction connection anywhere stalls a starting process. The tables are new and
empty when those steps run, so a plain ``CREATE INDEX`` does the same work at once. The steps
and their numbering are otherwise LangGraph's, so its own ``setup()`` agrees on the version.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from sqlalchemy import Engine

# Any constant works; it only has to be the same in every process (pg_advisory_lock's bigint key).
_SETUP_LOCK = 7_346_021_998


@dataclass
class Checkpointer:
    saver: BaseCheckpointSaver
    close: Callable[[], None]
    kind: str  # sqlite | postgres | memory
    pool: Any = None  # PostgreSQL: the saver's connection pool


def open_checkpointer(engine: Engine) -> Checkpointer:
    url = engine.url
    backend = url.get_backend_name()
    if backend == "sqlite":
        path = url.database
        if not path or path == ":memory:":
            return Checkpointer(InMemorySaver(), lambda: None, "memory")
        from langgraph.checkpoint.sqlite import SqliteSaver

        conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA busy_timeout=30000")
        # In WAL mode, NORMAL syncs at checkpoints rather than at every commit and cannot corrupt
        # the database (https://www.sqlite.org/pragma.html#pragma_synchronous); a power cut can
        # lose the newest conversation step, never a plan, which lives in the CRM's own tables.
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        saver = SqliteSaver(conn)
        saver.setup()
        return Checkpointer(saver, conn.close, "sqlite")
    if backend == "postgresql":
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        _args, params = engine.dialect.create_connect_args(url)
        params.pop("context", None)  # SQLAlchemy's type adapters; the saver brings its own
        kwargs = {**params, "autocommit": True, "row_factory": dict_row, "prepare_threshold": 0}
        pool = ConnectionPool("", kwargs=kwargs, min_size=1, max_size=4, open=True,
                              check=ConnectionPool.check_connection, name="crmbot-checkpoints")
        saver = _postgres_saver()(pool)
        with pool.connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (_SETUP_LOCK,))
            try:
                saver.setup()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_SETUP_LOCK,))
        return Checkpointer(saver, pool.close, "postgres", pool)
    raise ValueError(f"no checkpointer for {backend}")


@lru_cache(maxsize=1)
def _postgres_saver() -> type:
    from langgraph.checkpoint.postgres import PostgresSaver

    class Saver(PostgresSaver):
        MIGRATIONS = [m.replace("CREATE INDEX CONCURRENTLY", "CREATE INDEX") for m in PostgresSaver.MIGRATIONS]

    return Saver


def prune(cp: Checkpointer, thread_id: str) -> None:
    """Drop a conversation's old checkpoints, keeping the newest and its parent.

    The parent stays because another process may be resuming it right now (a second click on
    the same button): it then replays from there and hears "already done". A checkpoint's id
    is a time-ordered UUID (LangGraph orders by it too), so "older" is "smaller id".
    """
    if cp.kind == "sqlite":
        with cp.saver.cursor() as cur:  # type: ignore[attr-defined]
            cut = _cutoff(cur, "SELECT checkpoint_id, parent_checkpoint_id FROM checkpoints WHERE thread_id = ? "
                          "AND checkpoint_ns = '' ORDER BY checkpoint_id DESC LIMIT 1", (thread_id,))
            if cut is not None:
                cur.execute("DELETE FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = '' AND checkpoint_id < ?",
                            (thread_id, cut))
                cur.execute("DELETE FROM writes WHERE thread_id = ? AND checkpoint_ns = '' AND checkpoint_id < ?",
                            (thread_id, cut))
    elif cp.kind == "postgres":
        with cp.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            cut = _cutoff(cur, "SELECT checkpoint_id, parent_checkpoint_id FROM checkpoints WHERE thread_id = %s "
                          "AND checkpoint_ns = '' ORDER BY checkpoint_id DESC LIMIT 1", (thread_id,))
            if cut is None:
                return
            # Channel values live in checkpoint_blobs, one row per (channel, version). Remove the
            # versions only the dropped checkpoints used; newer versions (a run writing right
            # now) are never among them.
            cur.execute(_PG_PRUNE, {"t": thread_id, "cut": cut})
            cur.execute("DELETE FROM checkpoint_writes WHERE thread_id = %s AND checkpoint_ns = '' "
                        "AND checkpoint_id < %s", (thread_id, cut))


_PG_PRUNE = """
WITH dropped AS (
    DELETE FROM checkpoints
    WHERE thread_id = %(t)s AND checkpoint_ns = '' AND checkpoint_id < %(cut)s
    RETURNING checkpoint -> 'channel_versions' AS versions
), old AS (
    SELECT DISTINCT v.key AS channel, v.value AS version
    FROM dropped CROSS JOIN LATERAL jsonb_each_text(dropped.versions) AS v
)
DELETE FROM checkpoint_blobs AS b USING old
WHERE b.thread_id = %(t)s AND b.checkpoint_ns = '' AND b.channel = old.channel AND b.version = old.version
  AND NOT EXISTS (
    SELECT 1 FROM checkpoints AS c
    WHERE c.thread_id = %(t)s AND c.checkpoint_ns = '' AND c.checkpoint_id >= %(cut)s
      AND c.checkpoint -> 'channel_versions' ->> b.channel = b.version)
"""


def _cutoff(cur, sql: str, params: tuple) -> str | None:  # noqa: ANN001
    cur.execute(sql, params)
    row = cur.fetchone()
    if row is None:
        return None
    latest, parent = (row["checkpoint_id"], row["parent_checkpoint_id"]) if isinstance(row, dict) else row
    return parent or latest
