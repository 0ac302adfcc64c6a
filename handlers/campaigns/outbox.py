"""The outbox: one row per (campaign, lead), and the bookkeeping that makes each send happen once.

Row life: ``pending`` → ``sending`` (claimed by one worker) → ``sent`` (after the SMTP server
accepted it) | ``retry`` (4xx or network error; due again after a backoff) | ``failed`` (5xx, or
too many attempts) | ``skipped`` (the lead opted out, bounced or lost its address meanwhile,
or the campaign was cancelled).

- Rows are created when the campaign starts, by one ``INSERT … SELECT … ON CONFLICT DO NOTHING``
  over the audience, on SQLite and PostgreSQL alike: starting twice (a retried job, a cron rule
  firing again) adds only leads that are new to the audience. Nothing is loaded into memory.
- Workers claim due rows in batches. On PostgreSQL the claim is
  ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)``, so concurrent workers take
  disjoint rows without waiting for each other. On SQLite the same single ``UPDATE`` is atomic
  (the database has one writer at a time), and it is the first statement of its transaction so
  it never needs to upgrade a stale read snapshot.
- A row is marked sent only after the server accepted the message (see ``journal.py`` for the
  window between the acceptance and the batch commit).

Listmonk advances a checkpoint when a batch is fetched, not when each message is sent, so a
pause or crash re-sends or skips; here the unit of progress is the row itself.

A claim left in ``sending`` by a worker that died:

- on the same machine, its journal lock is free: the accepted ids in it are marked sent and the
  rest released at once (no duplicate, except a message whose ``250`` reply arrived but was not
  yet written down — microseconds; RFC 1047 describes this window, which SMTP cannot close);
- elsewhere, after ``stale_after`` the claim is released and those rows are sent again. Rows the
  server had accepted but the dead worker had not yet committed (at most one flush interval,
  about a second of sending) then go out twice, with the same Message-ID, which lets receiving
  systems and clients collapse them. Live workers refresh their claims at every flush, so a slow
  worker is never mistaken for a dead one.
"""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable, Sequence

from sqlalchemy import bindparam, exists, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crm.db import is_postgres
from crm.models import Agent, Campaign, Lead, OutboxMessage
from handlers.campaigns.audience import Audience, audience_query

OPEN_STATES = ("pending", "retry", "sending")
OUTBOX = OutboxMessage.__table__
LEADS = Lead.__table__
AGENTS = Agent.__table__
CAMPAIGNS = Campaign.__table__
TOKEN_BATCH = 500


@dataclass(frozen=True)
class RetryPolicy:
    base_s: float = 60.0
    max_s: float = 3600.0
    max_attempts: int = 8

    def delay(self, attempts: int) -> timedelta:
        seconds = min(self.max_s, self.base_s * 2 ** max(0, attempts - 1))
        return timedelta(seconds=seconds * random.uniform(0.8, 1.2))  # jitter spreads retries out


@dataclass(frozen=True, slots=True)
class Claim:
    id: int
    campaign_id: int
    lead_id: int
    to_address: str
    message_id: str
    attempts: int
    lead: dict[str, Any]
    owner: dict[str, Any] | None
    lead_token: str


@dataclass(frozen=True)
class Failure:
    id: int
    permanent: bool
    reason: str
    attempts: int


@dataclass
class FlushResult:
    campaign_state: str
    consecutive_failures: int
    paused_now: bool = False
    retried: int = 0
    failed: int = 0


# -- creating rows ---------------------------------------------------------------------------


def start(session: Session, campaign: Campaign, *, domain: str, now: datetime) -> int:
    """Create the missing rows for everyone now in the audience. Returns how many were added."""
    audience = Audience.from_dict(campaign.audience)
    _give_tokens(session, audience)
    nonce = secrets.token_hex(4)
    created_type = OutboxMessage.__table__.c.created_at.type
    message_id = (literal(f"<c{campaign.id}.") + Lead.token + literal(f".{nonce}@{domain}>"))
    rows = audience_query(
        audience,
        literal(campaign.id),
        Lead.id,
        Lead.email,
        message_id,
        literal("pending"),
        literal(0),
        literal(now, created_type),
        literal(now, created_type),
    )
    insert = (postgresql.insert if is_postgres(session) else sqlite.insert)(OutboxMessage.__table__)
    stmt = insert.from_select(
        ["campaign_id", "lead_id", "to_address", "message_id", "state", "attempts", "next_attempt_at", "created_at"],
        rows,
    ).on_conflict_do_nothing()
    # preserve_rowcount: SQLAlchemy guarantees rowcount only for UPDATE/DELETE otherwise.
    result = session.execute(stmt, execution_options={"preserve_rowcount": True})
    return max(0, result.rowcount or 0)


def _give_tokens(session: Session, audience: Audience) -> None:
    """Leads created before tokens existed get one (the Message-ID and links need it)."""
    while True:
        ids = list(session.scalars(audience_query(audience, Lead.id).where(Lead.token.is_(None)).limit(TOKEN_BATCH)))
        if not ids:
            return
        for lead_id in ids:
            session.execute(update(Lead).where(Lead.id == lead_id, Lead.token.is_(None))
                            .values(token=secrets.token_urlsafe(16)))


# -- claiming --------------------------------------------------------------------------------


def claim(session: Session, *, worker: str, campaign_id: int, limit: int, now: datetime) -> list[Claim]:
    """Take up to ``limit`` due rows of a running campaign for ``worker``; skip ineligible leads.

    Must be the first statement of its transaction (see the module notes on SQLite).
    """
    # Core statements on the tables: these run once per batch on the sending path, where the
    # ORM's per-statement bookkeeping costs more than the SQL itself.
    # An alias, so the subquery is not correlated with the table being updated. No ORDER BY:
    # the (campaign, state, next attempt) index hands rows over in a stable order and lets the
    # query stop after ``limit`` of them instead of sorting the whole campaign every batch.
    conn = session.connection()
    row = OUTBOX.alias("due")
    due = (
        select(row.c.id)
        .where(
            row.c.campaign_id == campaign_id,
            row.c.campaign_id.in_(select(CAMPAIGNS.c.id).where(CAMPAIGNS.c.state == "running")),
            row.c.state.in_(("pending", "retry")),
            or_(row.c.next_attempt_at.is_(None), row.c.next_attempt_at <= now),
        )
        .limit(limit)
    )
    if is_postgres(session):
        due = due.with_for_update(skip_locked=True, of=row)
        claimable = (OUTBOX.c.id.in_(due.scalar_subquery()), OUTBOX.c.state.in_(("pending", "retry")))
    else:
        # The UPDATE holds SQLite's only write lock and its subquery reads the newest rows, so the
        # state needs no second check; with one, SQLite walks the (state, next attempt) index
        # over every due row of every campaign instead of looking the claimed ids up.
        claimable = (OUTBOX.c.id.in_(due.scalar_subquery()),)
    ids = sorted(conn.execute(
        update(OUTBOX)
        .where(*claimable)
        .values(state="sending", claimed_by=worker, claimed_at=now, attempts=OUTBOX.c.attempts + 1)
        .returning(OUTBOX.c.id)
    ).scalars())
    if not ids:
        return []
    rows = conn.execute(
        select(OUTBOX.c.id, OUTBOX.c.campaign_id, OUTBOX.c.lead_id, OUTBOX.c.to_address, OUTBOX.c.message_id,
               OUTBOX.c.attempts, LEADS.c.id.label("lead_exists"), LEADS.c.opted_out_at.is_not(None),
               LEADS.c.email_bouncing, LEADS.c.token, AGENTS.c.id.label("agent_id"),
               AGENTS.c.name.label("agent_name"), AGENTS.c.email.label("agent_email"),
               *(LEADS.c[name] for name in LEAD_COLUMNS))
        .select_from(OUTBOX.outerjoin(LEADS, LEADS.c.id == OUTBOX.c.lead_id)
                     .outerjoin(AGENTS, AGENTS.c.id == LEADS.c.owner_id))
        .where(OUTBOX.c.id.in_(ids))
        .order_by(OUTBOX.c.id)
    ).all()
    claims: list[Claim] = []
    skipped: dict[str, list[int]] = {}
    owners: dict[int, dict[str, Any]] = {}  # one dict per agent, shared by that agent's leads
    lead_columns = LEAD_COLUMNS
    for row_values in rows:
        oid, cid, lead_id, to_address, message_id, attempts, lead_exists, opted_out, bouncing, token, \
            agent_id, agent_name, agent_email = row_values[:13]
        lead = dict(zip(lead_columns, row_values[13:]))
        reason = _ineligible(lead_exists, opted_out, bouncing, lead["email"], token)
        if reason:
            skipped.setdefault(reason, []).append(oid)
            continue
        owner = None
        if agent_id is not None:
            owner = owners.get(agent_id)
            if owner is None:
                owner = owners[agent_id] = _person(agent_name, agent_email)
        claims.append(Claim(id=oid, campaign_id=cid, lead_id=lead_id, to_address=lead["email"] or to_address,
                            message_id=message_id, attempts=attempts, lead=_with_name_parts(lead),
                            owner=owner, lead_token=token))
    for reason, skip_ids in skipped.items():
        conn.execute(update(OUTBOX).where(OUTBOX.c.id.in_(skip_ids))
                     .values(state="skipped", last_error=reason, claimed_by=None))
    return claims


def _ineligible(lead_exists: int | None, opted_out: bool | None, bouncing: bool, email: str | None,
                token: str | None) -> str | None:
    if lead_exists is None:
        return "lead deleted"
    if opted_out:
        return "opted out"
    if bouncing:
        return "email bounces"
    if not email:
        return "no email address"
    if not token:
        return "no token"
    return None


# What a template may know about a lead: plain values only, never the ORM object.
LEAD_COLUMNS = ("name", "email", "phone", "company", "project", "unit_type", "budget_min", "budget_max",
                "status", "source")


def _with_name_parts(fields: dict[str, Any]) -> dict[str, Any]:
    parts = (fields.get("name") or "").split()
    fields["first_name"] = parts[0] if parts else ""
    fields["last_name"] = parts[-1] if len(parts) > 1 else ""
    return fields


def _person(name: str | None, email: str | None) -> dict[str, Any]:
    parts = (name or "").split()
    return {"name": name, "first_name": parts[0] if parts else "", "email": email}


def lead_fields(lead: Lead) -> dict[str, Any]:
    return _with_name_parts({name: getattr(lead, name) for name in LEAD_COLUMNS})


def agent_fields(agent: Agent | None) -> dict[str, Any]:
    if agent is None:
        return {"name": None, "first_name": None, "email": None}
    return _person(agent.name, agent.email)


# -- recording outcomes ----------------------------------------------------------------------


def record(
    session: Session,
    *,
    worker: str,
    campaign_id: int,
    sent: Sequence[int],
    failures: Sequence[Failure],
    trailing_failures: int,
    any_success: bool,
    retry: RetryPolicy,
    now: datetime,
) -> FlushResult:
    """Write a batch of outcomes, in the order they happened, and the campaign's failure streak."""
    if sent:
        session.connection().execute(
            update(OUTBOX)
            .where(OUTBOX.c.id.in_(list(sent)), OUTBOX.c.claimed_by == worker, OUTBOX.c.state == "sending")
            .values(state="sent", sent_at=now, last_error=None)
        )
    result = FlushResult(campaign_state="running", consecutive_failures=0)
    failed: list[dict[str, Any]] = []
    retried: list[dict[str, Any]] = []
    for f in failures:
        if f.permanent or f.attempts >= retry.max_attempts:
            failed.append({"row_id": f.id, "error": f.reason[:500]})
        else:
            retried.append({"row_id": f.id, "error": f.reason[:500], "due": now + retry.delay(f.attempts)})
    # One statement per kind of outcome, run for all its rows at once (executemany).
    mine = (OUTBOX.c.id == bindparam("row_id"), OUTBOX.c.claimed_by == worker, OUTBOX.c.state == "sending")
    if failed:
        session.connection().execute(
            update(OUTBOX).where(*mine).values(state="failed", last_error=bindparam("error")), failed)
    if retried:
        session.connection().execute(
            update(OUTBOX).where(*mine).values(state="retry", last_error=bindparam("error"),
                                               next_attempt_at=bindparam("due")), retried)
    result.failed, result.retried = len(failed), len(retried)
    streak = (literal(trailing_failures) if any_success
              else Campaign.consecutive_failures + trailing_failures)
    if any_success or trailing_failures:
        session.execute(update(Campaign).where(Campaign.id == campaign_id).values(consecutive_failures=streak)
                        .execution_options(synchronize_session=False))
    paused = session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.state == "running",
               Campaign.consecutive_failures >= Campaign.max_consecutive_failures)
        .values(state="paused", pause_reason="failures")
        .execution_options(synchronize_session=False)
    ).rowcount
    state, streak_now = session.execute(
        select(Campaign.state, Campaign.consecutive_failures).where(Campaign.id == campaign_id)).one()
    result.campaign_state = state
    result.consecutive_failures = streak_now
    result.paused_now = bool(paused)
    return result


def heartbeat(session: Session, *, worker: str, now: datetime) -> None:
    """Refresh the worker's remaining claims so they never look abandoned while it works."""
    session.execute(update(OutboxMessage).where(OutboxMessage.claimed_by == worker, OutboxMessage.state == "sending")
                    .values(claimed_at=now).execution_options(synchronize_session=False))


def release(session: Session, *, worker: str, ids: Iterable[int] | None = None, now: datetime) -> int:
    """Give back claimed rows that were not tried (pause, stop): they keep their place in line."""
    cond = [OutboxMessage.claimed_by == worker, OutboxMessage.state == "sending"]
    if ids is not None:
        id_list = list(ids)
        if not id_list:
            return 0
        cond.append(OutboxMessage.id.in_(id_list))
    return session.execute(
        update(OutboxMessage).where(*cond)
        .values(state="pending", claimed_by=None, claimed_at=None, next_attempt_at=now,
                attempts=func.max(OutboxMessage.attempts - 1, 0) if not is_postgres(session)
                else func.greatest(OutboxMessage.attempts - 1, 0))
        .execution_options(synchronize_session=False)
    ).rowcount or 0


def recover_dead(session: Session, *, worker: str, accepted: Sequence[int], now: datetime) -> tuple[int, int]:
    """A dead worker's journal says which claims the server accepted; release the others now."""
    marked = 0
    for start_at in range(0, len(accepted), 500):
        chunk = list(accepted[start_at:start_at + 500])
        marked += session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(chunk), OutboxMessage.claimed_by == worker, OutboxMessage.state == "sending")
            .values(state="sent", sent_at=now, last_error=None)
            .execution_options(synchronize_session=False)
        ).rowcount or 0
    released = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.claimed_by == worker, OutboxMessage.state == "sending")
        .values(state="retry", next_attempt_at=now, last_error="worker stopped before sending")
        .execution_options(synchronize_session=False)
    ).rowcount or 0
    return marked, released


def reclaim_stale(session: Session, *, older_than: datetime, keep: Iterable[str], now: datetime) -> int:
    """Release claims not refreshed since ``older_than`` whose workers are not known to be alive."""
    keep_list = list(keep)
    cond = [OutboxMessage.state == "sending", OutboxMessage.claimed_at < older_than]
    if keep_list:
        cond.append(or_(OutboxMessage.claimed_by.is_(None), OutboxMessage.claimed_by.not_in(keep_list)))
    return session.execute(
        update(OutboxMessage).where(*cond)
        .values(state="retry", next_attempt_at=now, last_error="claim expired; worker presumed dead")
        .execution_options(synchronize_session=False)
    ).rowcount or 0


# -- campaign level --------------------------------------------------------------------------


def has_open_rows(campaign_id: int):  # noqa: ANN201
    return exists().where(OutboxMessage.campaign_id == campaign_id, OutboxMessage.state.in_(OPEN_STATES))


def settle(session: Session, *, now: datetime) -> list[tuple[int, str]]:
    """Running campaigns with nothing left to send: finished, or back to waiting for their next
    cron occurrence. Returns (campaign id, new state) for each change."""
    changed = []
    for cid, schedule in session.execute(select(Campaign.id, Campaign.schedule).where(Campaign.state == "running")).all():
        new_state = "scheduled" if (schedule or {}).get("kind") == "cron" else "finished"
        values: dict[str, Any] = {"state": new_state}
        if new_state == "finished":
            values["finished_at"] = now
        done = session.execute(
            update(Campaign)
            .where(Campaign.id == cid, Campaign.state == "running", ~has_open_rows(cid))
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        if done:
            changed.append((cid, new_state))
    return changed


def skip_open(session: Session, *, campaign_id: int, reason: str) -> int:
    """Cancel what has not gone out yet (rows being sent right now are left to finish)."""
    return session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.campaign_id == campaign_id, OutboxMessage.state.in_(("pending", "retry")))
        .values(state="skipped", last_error=reason)
        .execution_options(synchronize_session=False)
    ).rowcount or 0


def due_campaigns(session: Session, *, now: datetime) -> list[int]:
    """Running campaigns with at least one row due now."""
    return list(session.scalars(
        select(Campaign.id).where(
            Campaign.state == "running",
            exists().where(
                OutboxMessage.campaign_id == Campaign.id,
                OutboxMessage.state.in_(("pending", "retry")),
                or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
            ),
        ).order_by(Campaign.id)
    ))


@dataclass
class Counts:
    by_state: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_state.values())


def counts(session: Session, campaign_id: int) -> Counts:
    rows = session.execute(select(OutboxMessage.state, func.count()).where(OutboxMessage.campaign_id == campaign_id)
                           .group_by(OutboxMessage.state)).all()
    return Counts(by_state={s: int(n) for s, n in rows})


__all__ = ["start", "claim", "record", "heartbeat", "release", "recover_dead", "reclaim_stale", "settle",
           "skip_open", "due_campaigns", "counts", "Claim", "Failure", "RetryPolicy"]
