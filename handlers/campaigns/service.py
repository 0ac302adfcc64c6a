"""Campaign operations as plain functions that return data, for the CLI and Slack alike.

Who may do what: with no ``actor`` (the local operator at the command line) everything; an
admin agent everything; any other agent only their own campaigns, whose audience is always
limited to their own leads.

States: ``draft`` → ``scheduled`` (waiting for its time) → ``running`` (outbox rows exist and
are being sent) → ``finished``; a cron campaign goes back to ``scheduled`` after each
occurrence. ``paused`` and ``cancelled`` can be reached from any state before ``finished``.
Scheduling writes only the database; the worker's scheduler picks the change up within a few
seconds (``scheduling.sync``), so the CLI never runs a second scheduler.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.errors import InvalidInput, NotAllowed, NotFound
from crm.lookup import clear_winner, find_leads
from crm.models import Agent, Campaign, Lead
from crm.types import utcnow
from handlers.campaigns import audience as audiences
from handlers.campaigns import outbox
from handlers.campaigns.compose import Composer
from handlers.campaigns.message import OutgoingEmail, as_email_message, campaign_message_id
from handlers.campaigns.outbox import agent_fields, lead_fields
from handlers.campaigns.render import Renderer
from handlers.campaigns.stats import CampaignStats, campaign_stats
from handlers.campaigns.transport import Transport

MAX_NAME = 200
TEST_HEADER = ("X-Crmbot-Test", "yes")


@dataclass(frozen=True)
class CampaignView:
    id: int
    name: str
    state: str
    template: str
    sender: str
    audience: dict[str, Any]
    schedule: dict[str, Any]
    timezone: str
    rate_per_second: float | None
    created_by: str | None
    pause_reason: str | None
    counts: dict[str, int] = field(default_factory=dict)
    audience_size: int | None = None
    next_run: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Preview:
    campaign: str
    lead_name: str
    in_audience: bool
    headers: list[tuple[str, str]]
    subject: str
    text: str
    html: str
    raw: bytes


@dataclass(frozen=True)
class TestSend:
    to: str
    lead_name: str
    message_id: str
    transport: str


# -- reading ---------------------------------------------------------------------------------


def get_campaign(session: Session, name_or_id: str | int, *, actor: Agent | None, for_update: bool = False) -> Campaign:
    stmt = select(Campaign)
    if isinstance(name_or_id, int) or str(name_or_id).isdigit():
        stmt = stmt.where((Campaign.id == int(name_or_id)) | (Campaign.name == str(name_or_id)))
    else:
        stmt = stmt.where(func.lower(Campaign.name) == str(name_or_id).strip().lower())
    if for_update:
        stmt = stmt.with_for_update()
    campaign = session.scalars(stmt).first()
    if campaign is None:
        raise NotFound(f"no campaign named {name_or_id!r}")
    _check_owner(campaign, actor)
    return campaign


def view(session: Session, campaign: Campaign, *, with_audience: bool = False) -> CampaignView:
    creator = session.get(Agent, campaign.created_by_id) if campaign.created_by_id else None
    size = None
    if with_audience:
        size = audiences.count(session, audiences.Audience.from_dict(campaign.audience))
    return CampaignView(
        id=campaign.id, name=campaign.name, state=campaign.state, template=campaign.template, sender=campaign.sender,
        audience=dict(campaign.audience or {}), schedule=dict(campaign.schedule or {}), timezone=campaign.timezone,
        rate_per_second=campaign.rate_per_second, created_by=creator.email if creator else None,
        pause_reason=campaign.pause_reason if campaign.state == "paused" else None,
        counts=outbox.counts(session, campaign.id).by_state, audience_size=size,
        next_run=next_run(campaign),
    )


def list_campaigns(session: Session, *, actor: Agent | None) -> list[CampaignView]:
    stmt = select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())
    if actor is not None and not actor.is_admin:
        stmt = stmt.where(Campaign.created_by_id == actor.id)
    return [view(session, c) for c in session.scalars(stmt)]


def stats(session: Session, name_or_id: str | int, *, actor: Agent | None) -> CampaignStats:
    """Audience, sent, failed, replies, opt-outs, bounces and goals (see ``stats.py``)."""
    campaign = get_campaign(session, name_or_id, actor=actor)
    return campaign_stats(session, campaign.id)


def next_run(campaign: Campaign, *, now: datetime | None = None) -> str | None:
    """When the campaign will next start sending, in its time zone (ISO), if it is waiting."""
    if campaign.state != "scheduled":
        return None
    schedule = campaign.schedule or {}
    tz = ZoneInfo(campaign.timezone or "UTC")
    if schedule.get("kind") == "once":
        return datetime.fromisoformat(schedule["at"]).astimezone(tz).isoformat(timespec="minutes")
    if schedule.get("kind") == "cron":
        trigger = CronTrigger.from_crontab(schedule["cron"], timezone=tz)
        fire = trigger.get_next_fire_time(None, now or datetime.now(timezone.utc))
        return fire.astimezone(tz).isoformat(timespec="minutes") if fire else None
    return None


# -- changing --------------------------------------------------------------------------------


def create_campaign(
    session: Session,
    *,
    name: str,
    sender: str,
    audience: dict[str, Any],
    composer: Composer | None = None,
    renderer: Renderer | None = None,
    template: str | None = None,
    template_source: str | None = None,
    template_label: str | None = None,
    timezone_name: str = "UTC",
    rate_per_second: float | None = None,
    max_consecutive_failures: int = 10,
    options: dict[str, Any] | None = None,
    actor: Agent | None,
) -> CampaignView:
    """A draft campaign. The template is checked now (a refused one is never saved) by ``renderer``
    (default: the composer's, else the templates in templates/campaigns/)."""
    name = " ".join((name or "").split())
    if not name or len(name) > MAX_NAME:
        raise InvalidInput("a campaign needs a name of at most 200 characters")
    if session.scalar(select(Campaign.id).where(func.lower(Campaign.name) == name.lower())):
        raise InvalidInput(f"a campaign named {name!r} already exists")
    if (template is None) == (template_source is None):
        raise InvalidInput("give either a template name or a template file")
    renderer = renderer or (composer.renderer if composer is not None else Renderer())
    if template_source is not None:
        renderer.load(source=template_source, label=template_label or "template")
        template_name = (template_label or "file")[:300]
    else:
        renderer.load(name=template)
        template_name = str(template)
    _check_sender(sender)
    zone(timezone_name)
    if rate_per_second is not None and not (0 < rate_per_second <= 10_000):
        raise InvalidInput("the send rate must be between 0 and 10000 per second")
    if max_consecutive_failures < 1:
        raise InvalidInput("the failure limit must be at least 1")
    parsed = audiences.Audience.from_dict(audience)
    if actor is not None and not actor.is_admin:
        parsed = parsed.restricted_to_owner(actor.id)
    opts = _options(options or {})
    campaign = Campaign(
        name=name, sender=sender.strip(), audience=parsed.to_dict(), template=template_name,
        template_source=template_source, timezone=timezone_name, rate_per_second=rate_per_second,
        max_consecutive_failures=max_consecutive_failures, options=opts, state="draft",
        created_by_id=actor.id if actor else None, schedule={}, consecutive_failures=0,
    )
    session.add(campaign)
    session.flush()
    return view(session, campaign, with_audience=True)


def schedule_campaign(
    session: Session,
    name_or_id: str | int,
    *,
    actor: Agent | None,
    at: datetime | str | None = None,
    cron: str | None = None,
    now: bool = False,
    timezone_name: str | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> CampaignView:
    """Once at a time (``at``, local to the campaign's time zone unless it has an offset), right
    ``now``, or on a ``cron`` rule ("0 9 * * MON") in that time zone."""
    if sum(x is not None and x is not False for x in (at, cron, now or None)) != 1:
        raise InvalidInput("give exactly one of a time, a cron rule, or now")
    campaign = get_campaign(session, name_or_id, actor=actor, for_update=True)
    if campaign.state in ("finished", "cancelled"):
        raise InvalidInput(f"campaign {campaign.name!r} is {campaign.state}")
    if campaign.state == "running" or (campaign.started_at is not None and (campaign.schedule or {}).get("kind") == "once"):
        raise InvalidInput(f"campaign {campaign.name!r} has already started; pause or resume it instead")
    tz_name = timezone_name or campaign.timezone or "UTC"
    tz = zone(tz_name)
    if cron is not None:
        try:
            CronTrigger.from_crontab(cron.strip(), timezone=tz)
        except ValueError:
            raise InvalidInput("the cron rule needs five fields: minute hour day month weekday, like '0 9 * * MON'") from None
        schedule: dict[str, Any] = {"kind": "cron", "cron": " ".join(cron.split())}
    else:
        when = clock() if now else _local_time(at, tz)
        if not now and when < clock():
            raise InvalidInput("that time has passed; use --now to send now")
        schedule = {"kind": "once", "at": when.astimezone(timezone.utc).isoformat()}
    campaign.schedule = schedule
    campaign.timezone = tz_name
    campaign.state = "scheduled"
    campaign.pause_reason = None
    session.flush()
    return view(session, campaign, with_audience=True)


def pause_campaign(session: Session, name_or_id: str | int, *, actor: Agent | None) -> CampaignView:
    campaign = get_campaign(session, name_or_id, actor=actor, for_update=True)
    if campaign.state not in ("scheduled", "running"):
        raise InvalidInput(f"campaign {campaign.name!r} is {campaign.state}, so it cannot be paused")
    campaign.state, campaign.pause_reason = "paused", "agent"
    session.flush()
    return view(session, campaign)


def resume_campaign(session: Session, name_or_id: str | int, *, actor: Agent | None,
                    clock: Callable[[], datetime] = utcnow) -> CampaignView:
    """Carry on: sending if rows are waiting, else waiting for the schedule (a one-off whose
    time has passed while paused starts now)."""
    campaign = get_campaign(session, name_or_id, actor=actor, for_update=True)
    if campaign.state != "paused":
        raise InvalidInput(f"campaign {campaign.name!r} is {campaign.state}, not paused")
    campaign.consecutive_failures = 0
    campaign.pause_reason = None
    schedule = dict(campaign.schedule or {})
    if campaign.started_at is not None and session.scalar(select(outbox.has_open_rows(campaign.id))):
        campaign.state = "running"
    elif schedule.get("kind") == "cron" or (schedule.get("kind") == "once" and campaign.started_at is None):
        if schedule.get("kind") == "once" and datetime.fromisoformat(schedule["at"]) < clock():
            campaign.schedule = {**schedule, "at": clock().isoformat()}
        campaign.state = "scheduled"
    elif campaign.started_at is not None:
        campaign.state = "running"  # nothing left: the worker settles it as finished
    else:
        campaign.state = "draft"
    session.flush()
    return view(session, campaign)


def cancel_campaign(session: Session, name_or_id: str | int, *, actor: Agent | None) -> CampaignView:
    """Stop for good: nothing more is sent (a message being handed over right now completes)."""
    campaign = get_campaign(session, name_or_id, actor=actor, for_update=True)
    if campaign.state in ("finished", "cancelled"):
        raise InvalidInput(f"campaign {campaign.name!r} is already {campaign.state}")
    campaign.state = "cancelled"
    campaign.finished_at = utcnow()
    outbox.skip_open(session, campaign_id=campaign.id, reason="campaign cancelled")
    session.flush()
    return view(session, campaign)


# -- looking at one email ----------------------------------------------------------------------


def find_lead(session: Session, query: str, *, actor: Agent | None) -> Lead:
    query = (query or "").strip()
    lead = session.scalar(select(Lead).where(func.lower(Lead.email) == query.lower())) if "@" in query else None
    if lead is not None:
        return lead
    candidates = find_leads(session, query, actor=actor, limit=5)
    winner = clear_winner(candidates)
    if winner is None:
        if not candidates:
            raise NotFound(f"no lead matches {query!r}")
        names = ", ".join(f"{c.name} <{c.email}>" if c.email else c.name for c in candidates[:5])
        raise InvalidInput(f"{query!r} fits several leads: {names}; give an email address")
    lead = session.get(Lead, winner.lead_id)
    assert lead is not None
    return lead


def preview_campaign(session: Session, name_or_id: str | int, *, lead_query: str, composer: Composer,
                     actor: Agent | None) -> Preview:
    campaign = get_campaign(session, name_or_id, actor=actor)
    lead = find_lead(session, lead_query, actor=actor)
    info = composer.info(campaign, creator=_creator(session, campaign))
    in_audience = session.scalar(
        select(func.count()).select_from(Lead).where(
            Lead.id == lead.id, *audiences.conditions(audiences.Audience.from_dict(campaign.audience)))) == 1
    token = lead.token or "preview"
    composed = composer.compose(
        info, lead=lead_fields(lead), agent=agent_fields(lead.owner) if lead.owner else None, lead_token=token,
        to_address=lead.email or "no-address@invalid.example",
        message_id=campaign_message_id(composer.domain, token, campaign_id=campaign.id),
    )
    parsed = as_email_message(composed.email.raw)
    shown = ("From", "To", "Subject", "Reply-To", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post")
    return Preview(
        campaign=campaign.name, lead_name=lead.name, in_audience=in_audience,
        headers=[(h, str(parsed[h])) for h in shown if parsed[h] is not None],
        subject=composed.rendered.subject, text=composed.rendered.text, html=composed.rendered.html,
        raw=composed.email.raw,
    )


def send_test(session: Session, name_or_id: str | int, *, to_agent: Agent, composer: Composer, transport: Transport,
              lead_query: str | None = None, actor: Agent | None) -> TestSend:
    """One email to the agent, rendered for a real lead (or the first in the audience). Its links
    carry a throwaway token, so clicking "unsubscribe" in a test cannot opt out a real lead."""
    campaign = get_campaign(session, name_or_id, actor=actor)
    if lead_query:
        lead = find_lead(session, lead_query, actor=actor)
    else:
        lead = session.scalars(audiences.audience_query(audiences.Audience.from_dict(campaign.audience)).limit(1)).first()
        if lead is None:
            raise InvalidInput(f"campaign {campaign.name!r} has nobody in its audience; name a lead with --lead")
    info = composer.info(campaign, creator=_creator(session, campaign))
    token = "test" + secrets.token_urlsafe(12)
    message_id = campaign_message_id(composer.domain, token)
    composed = composer.compose(
        info, lead=lead_fields(lead), agent=agent_fields(lead.owner) if lead.owner else None, lead_token=token,
        to_address=to_agent.email, to_name=to_agent.name, message_id=message_id, extra_headers=(TEST_HEADER,),
    )
    email: OutgoingEmail = composed.email
    try:
        transport.send(email.raw, mail_from=email.mail_from, rcpt=email.rcpt)
    finally:
        transport.close()
    return TestSend(to=to_agent.email, lead_name=lead.name, message_id=message_id, transport=transport.name)


# -- helpers ---------------------------------------------------------------------------------


def _check_owner(campaign: Campaign, actor: Agent | None) -> None:
    if actor is None or actor.is_admin or campaign.created_by_id == actor.id:
        return
    raise NotAllowed(f"campaign {campaign.name!r} belongs to another agent")


def _creator(session: Session, campaign: Campaign) -> dict[str, Any] | None:
    creator = session.get(Agent, campaign.created_by_id) if campaign.created_by_id else None
    return agent_fields(creator) if creator else None


def _check_sender(sender: str) -> None:
    from email.utils import parseaddr

    addr = parseaddr(sender or "")[1]
    if not addr or "@" not in addr or any(c.isspace() for c in addr):
        raise InvalidInput("the sender must be an email address, like 'Alex Morgan <alex@agency.example>'")


def zone(name: str) -> ZoneInfo:
    """An IANA time zone by name, or a user-safe refusal."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {name!r} (use an IANA name like Europe/London)") from None


def _local_time(value: datetime | str | None, tz: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        when = value
    else:
        try:
            when = datetime.fromisoformat(str(value).strip().replace(" ", "T", 1))
        except ValueError:
            raise InvalidInput("give the time as YYYY-MM-DD HH:MM") from None
    return when if when.tzinfo else when.replace(tzinfo=tz)


def _options(options: dict[str, Any]) -> dict[str, Any]:
    unknown = set(options) - {"personal_paragraph", "passages"}
    if unknown:
        raise InvalidInput(f"unknown option {sorted(unknown)[0]!r}")
    passages = int(options.get("passages") or 0)
    if not 0 <= passages <= 5:
        raise InvalidInput("passages must be between 0 and 5")
    return {"personal_paragraph": bool(options.get("personal_paragraph")), "passages": passages}
