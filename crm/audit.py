"""Audit: one row per changed field, written in the same transaction as the change."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from crm.models import Agent, AuditEntry, Base


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (dict, list)):  # JSON columns (a campaign's schedule, audience) as JSON text
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def set_audited(
    session: Session,
    obj: Base,
    changes: dict[str, Any],
    *,
    actor: Agent | None,
    channel: str,
    plan_id: str | None = None,
    confidence: float | None = None,
) -> list[AuditEntry]:
    """Apply ``changes`` to ``obj`` and audit each field whose value really changes."""
    entries = []
    for field, new in changes.items():
        old = getattr(obj, field)
        if old == new:
            continue
        setattr(obj, field, new)
        entries.append(
            record(session, obj, field, old, new, actor=actor, channel=channel, plan_id=plan_id, confidence=confidence)
        )
    return entries


def record(
    session: Session,
    obj: Base,
    field: str,
    old: Any,
    new: Any,
    *,
    actor: Agent | None,
    channel: str,
    plan_id: str | None = None,
    confidence: float | None = None,
) -> AuditEntry:
    session.flush([obj]) if getattr(obj, "id", None) is None else None
    entry = AuditEntry(
        entity=obj.__tablename__,
        entity_id=obj.id,
        field=field,
        old_value=_text(old),
        new_value=_text(new),
        actor_id=actor.id if actor else None,
        actor_label=actor.email if actor else "system",
        channel=channel,
        plan_id=plan_id,
        confidence=confidence,
    )
    session.add(entry)
    return entry
