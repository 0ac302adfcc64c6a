"""Who a campaign goes to: filters over leads, stored as JSON on the campaign.

Every filter narrows the audience; values inside one list are alternatives (status in
[new, contacted]). Text comparisons ignore case. Whatever the filters say, leads that opted
out, whose email bounces, or that have no email address are never in an audience.

- ``status``, ``project``, ``unit_type``, ``source``: lists of values;
- ``owner_ids``: agent ids (the CLI and Slack resolve emails and names to ids);
- ``budget_min``: the lead's budget reaches at least this (its max, or its min when no max);
- ``budget_max``: the lead's budget starts at or below this (its min, or its max when no min);
  leads with no budget at all are left out when either budget filter is set;
- ``contacted_before``: not contacted since this time (never-contacted leads included);
- ``contacted_after``: last contacted at or after this time.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true
from sqlalchemy.orm import Session

from crm.errors import InvalidInput
from crm.models import LEAD_STATUSES, Lead

LIST_FIELDS = ("status", "project", "unit_type", "source")


@dataclass(frozen=True)
class Audience:
    status: tuple[str, ...] = ()
    project: tuple[str, ...] = ()
    unit_type: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    owner_ids: tuple[int, ...] = ()
    budget_min: int | None = None
    budget_max: int | None = None
    contacted_before: datetime | None = None
    contacted_after: datetime | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> "Audience":
        data = dict(data or {})
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidInput(f"unknown audience filter {unknown[0]!r} (known: {', '.join(sorted(known))})")
        values: dict[str, Any] = {}
        for name in LIST_FIELDS:
            raw = data.get(name) or ()
            items = (raw,) if isinstance(raw, str) else tuple(raw)
            cleaned = tuple(dict.fromkeys(str(v).strip() for v in items if str(v).strip()))
            values[name] = cleaned
        bad = [s for s in values["status"] if s.lower() not in LEAD_STATUSES]
        if bad:
            raise InvalidInput(f"unknown status {bad[0]!r} (one of: {', '.join(LEAD_STATUSES)})")
        values["status"] = tuple(s.lower() for s in values["status"])
        try:
            values["owner_ids"] = tuple(int(v) for v in data.get("owner_ids") or ())
            for name in ("budget_min", "budget_max"):
                values[name] = None if data.get(name) in (None, "") else int(data[name])
        except (TypeError, ValueError):
            raise InvalidInput("owner ids and budgets must be whole numbers") from None
        for name in ("contacted_before", "contacted_after"):
            raw = data.get(name)
            if raw in (None, ""):
                values[name] = None
                continue
            try:
                when = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
            except ValueError:
                raise InvalidInput(f"{name} must be an ISO date or time, like 2026-11-01") from None
            if when.tzinfo is None:
                raise InvalidInput(f"{name} needs a time zone")
            values[name] = when
        if values["budget_min"] is not None and values["budget_max"] is not None and values["budget_min"] > values["budget_max"]:
            raise InvalidInput("budget_min is above budget_max")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if value in (None, (), []):
                continue
            out[key] = value.isoformat() if isinstance(value, datetime) else (list(value) if isinstance(value, tuple) else value)
        return out

    def restricted_to_owner(self, owner_id: int) -> "Audience":
        """The same filters, limited to one agent's leads (for agents who are not admins)."""
        owners = (owner_id,) if not self.owner_ids or owner_id in self.owner_ids else (-1,)
        return replace(self, owner_ids=owners)


def eligible() -> ColumnElement[bool]:
    """Leads that may receive campaign email at all."""
    return and_(Lead.opted_out_at.is_(None), Lead.email_bouncing.is_(False), Lead.email.is_not(None), Lead.email != "")


def conditions(audience: Audience) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [eligible()]
    for name in LIST_FIELDS:
        values = getattr(audience, name)
        if values:
            conds.append(func.lower(getattr(Lead, name)).in_([v.lower() for v in values]))
    if audience.owner_ids:
        conds.append(Lead.owner_id.in_(audience.owner_ids))
    if audience.budget_min is not None:
        conds.append(func.coalesce(Lead.budget_max, Lead.budget_min) >= audience.budget_min)
    if audience.budget_max is not None:
        conds.append(func.coalesce(Lead.budget_min, Lead.budget_max) <= audience.budget_max)
    if audience.contacted_before is not None:
        conds.append(or_(Lead.last_contacted_at.is_(None), Lead.last_contacted_at < audience.contacted_before))
    if audience.contacted_after is not None:
        conds.append(Lead.last_contacted_at >= audience.contacted_after)
    return conds


def audience_query(audience: Audience, *columns: Any) -> Select[Any]:
    """SELECT the given columns (default: Lead) of every lead in the audience, in id order."""
    cols = columns or (Lead,)
    return select(*cols).where(true(), *conditions(audience)).order_by(Lead.id)


def count(session: Session, audience: Audience) -> int:
    return int(session.scalar(select(func.count()).select_from(Lead).where(*conditions(audience))) or 0)


def sample(session: Session, audience: Audience, *, limit: int = 5) -> list[Lead]:
    return list(session.scalars(audience_query(audience).limit(limit)))
