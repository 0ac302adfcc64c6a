"""Opting a lead out of campaign email, from a one-click link (RFC 8058) or a reply."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.audit import set_audited
from crm.models import Lead
from crm.types import utcnow


@dataclass(frozen=True)
class OptOutOutcome:
    found: bool
    already: bool = False
    lead_name: str | None = None


def opt_out(session: Session, *, token: str | None = None, lead: Lead | None = None, channel: str,
            confidence: float | None = None) -> OptOutOutcome:
    """Mark the lead opted out now (once), with an audit row. Unknown tokens change nothing."""
    if lead is None:
        if not token or len(token) > 100:
            return OptOutOutcome(found=False)
        lead = session.scalar(select(Lead).where(Lead.token == token))
        if lead is None:
            return OptOutOutcome(found=False)
    if lead.opted_out_at is not None:
        return OptOutOutcome(found=True, already=True, lead_name=lead.name)
    set_audited(session, lead, {"opted_out_at": utcnow()}, actor=None, channel=channel, confidence=confidence)
    return OptOutOutcome(found=True, lead_name=lead.name)
