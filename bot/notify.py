"""Telling an agent something outside a conversation: reminders, lead replies, proposals.

Any process writes a Notification row; the agent's channel delivers it (the Slack deliverer
posts a DM; the console shows it at the next prompt) and marks it delivered.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.messages import Reply
from crm.models import Notification
from crm.types import utcnow


def notify(session: Session, *, agent_id: int, kind: str, reply: Reply, plan_id: str | None = None,
           follow_up_id: int | None = None, inbound_id: int | None = None) -> Notification:
    n = Notification(agent_id=agent_id, kind=kind, payload=reply.to_dict(), plan_id=plan_id or reply.plan_id,
                     follow_up_id=follow_up_id, inbound_id=inbound_id)
    session.add(n)
    session.flush()
    return n


def pending(session: Session, *, agent_id: int | None = None, limit: int = 100) -> list[Notification]:
    stmt = select(Notification).where(Notification.delivered_at.is_(None)).order_by(Notification.id).limit(limit)
    if agent_id is not None:
        stmt = stmt.where(Notification.agent_id == agent_id)
    return list(session.scalars(stmt))


def mark_delivered(session: Session, n: Notification, *, via: str, ref: dict | None = None) -> None:
    n.delivered_at = utcnow()
    n.delivered_via = via
    if ref is not None:
        n.message_ref = ref
