"""Run each Slack delivery once, however often Slack sends it.

Slack retries an Events API delivery up to three times when it gets no 200 within 3 seconds
(https://api.slack.com/apis/events-api#retries, header ``X-Slack-Retry-Num``), and a user can
press a button twice. Before doing any work a listener claims a key in ``processed_events``;
the primary key makes the claim atomic across threads and processes (INSERT ... ON CONFLICT DO
NOTHING on both SQLite and PostgreSQL), so only the first claimant runs.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Mapping

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crm.models import ProcessedEvent
from crm.types import utcnow

KEY_MAX = 200


def claim(session: Session, key: str) -> bool:
    """True when this caller is the first to claim ``key``; the caller's transaction must commit."""
    key = key[:KEY_MAX]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = ProcessedEvent.__table__
    # RETURNING says whether the row went in; rowcount is not reliable here on every driver.
    stmt = (insert(table).values(key=key, at=utcnow()).on_conflict_do_nothing(index_elements=["key"])
            .returning(table.c.key))
    return session.execute(stmt).first() is not None


def prune(session: Session, *, older_than: timedelta = timedelta(days=7), now: datetime | None = None) -> int:
    """Forget keys older than any retry Slack would still send (retries stop within minutes)."""
    cutoff = (now or utcnow()) - older_than
    return session.execute(delete(ProcessedEvent).where(ProcessedEvent.at < cutoff)).rowcount or 0


def event_key(body: Mapping[str, Any]) -> str | None:
    """The key for one Events API delivery (``event_id`` stays the same across retries)."""
    event_id = body.get("event_id")
    return f"event:{event_id}" if event_id else None


def command_key(body: Mapping[str, Any]) -> str | None:
    """The key for one slash command invocation (``trigger_id`` is unique per invocation)."""
    trigger = body.get("trigger_id")
    return f"command:{trigger}" if trigger else None


def action_key(body: Mapping[str, Any], *, plan_id: str | None) -> str | None:
    """The key for a button press: one decision per plan per user, else one press per message.

    Keyed by user as well, so a colleague pressing someone else's plan (refused by the brain)
    does not use up the owner's press.
    """
    user = (body.get("user") or {}).get("id", "")
    if plan_id:
        return f"action:plan:{plan_id}:{user}"
    container = body.get("container") or {}
    ts = container.get("message_ts")
    if ts:
        return f"action:msg:{container.get('channel_id', '')}:{ts}:{user}"
    trigger = body.get("trigger_id")
    return f"action:trigger:{trigger}" if trigger else None


def prune_job(ctx: Any) -> None:  # noqa: ANN401 - an AppContext; typed loosely to keep this module import-light
    with ctx.sessions.begin() as session:
        prune(session)


def register(scheduler: Any, ctx: Any) -> None:  # noqa: ANN401
    """WORKER_JOBS entry: forget old delivery keys once a day."""
    scheduler.add_job(prune_job, "interval", hours=24, args=[ctx], id="slack-prune-processed-events",
                      replace_existing=True)
