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
from typing import Callable

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
        return Checkpointer(saver, pool.close, "postgres")
    raise ValueError(f"no checkpointer for {backend}")


@lru_cache(maxsize=1)
def _postgres_saver() -> type:
    from langgraph.checkpoint.postgres import PostgresSaver

    class Saver(PostgresSaver):
        MIGRATIONS = [m.replace("CREATE INDEX CONCURRENTLY", "CREATE INDEX") for m in PostgresSaver.MIGRATIONS]

    return Saver


def prune(cp: Checkpointer, thread_id: str) -> None:
    """Keep only the newest checkpoint of a finished conversation turn (the state carried over)."""
    if cp.kind == "postgres":
        cp.saver.prune([thread_id], strategy="keep_latest")
    elif cp.kind == "sqlite":
        saver = cp.saver
        with saver.cursor() as cur:  # type: ignore[attr-defined]
            cur.execute(
                "SELECT checkpoint_id FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = '' "
                "ORDER BY checkpoint_id DESC LIMIT 1",
                (thread_id,),
            )
            row = cur.fetchone()
            if row is None:
                return
            cur.execute("DELETE FROM checkpoints WHERE thread_id = ? AND checkpoint_id < ?", (thread_id, row[0]))
            cur.execute("DELETE FROM writes WHERE thread_id = ? AND checkpoint_id < ?", (thread_id, row[0]))
