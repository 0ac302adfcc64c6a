"""The App Home tab: the agent's follow-ups due today and overdue, their pipeline by status, and
their campaigns still going.

Read-only: the data comes from a few small queries scoped to the agent; the view is built by a
pure function and published with ``views.publish``
(https://api.slack.com/surfaces/app-home, https://api.slack.com/methods/views.publish).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.channels.slack.render import escape
from bot.templating import render as render_template
from crm.models import LEAD_STATUSES, Agent, Campaign, FollowUp, Lead, OutboxMessage

ITEMS_MAX = 15
CAMPAIGNS_MAX = 5
LIVE_CAMPAIGNS = ("draft", "scheduled", "running", "paused")


@dataclass(frozen=True)
class DueItem:
    follow_up_id: int
    title: str
    lead_name: str
    due_at: datetime


@dataclass(frozen=True)
class HomeData:
    agent_name: str
    timezone: str
    now: datetime
    overdue: tuple[DueItem, ...]
    today: tuple[DueItem, ...]
    pipeline: tuple[tuple[str, int], ...]  # (status, count) in pipeline order, zeros left out
    campaigns: tuple["CampaignLine", ...] = ()


@dataclass(frozen=True)
class CampaignLine:
    name: str
    state: str
    sent: int
    audience: int  # outbox rows: 0 until the campaign starts


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def home_data(session: Session, agent: Agent, *, now: datetime) -> HomeData:
    zone = _zone(agent.timezone)
    local_now = now.astimezone(zone)
    end_of_today = datetime.combine(local_now.date() + timedelta(days=1), time(0), tzinfo=zone)
    rows = session.execute(
        select(FollowUp.id, FollowUp.title, FollowUp.due_at, FollowUp.snoozed_until, Lead.name)
        .join(Lead, Lead.id == FollowUp.lead_id)
        .where(FollowUp.agent_id == agent.id, FollowUp.status == "open", FollowUp.due_at < end_of_today)
        .order_by(FollowUp.due_at)
    ).all()
    overdue, today = [], []
    for fid, title, due_at, snoozed, lead_name in rows:
        # A snoozed follow-up is due again when its snooze ends.
        due = max(due_at, snoozed) if snoozed else due_at
        if due >= end_of_today:
            continue
        item = DueItem(fid, title, lead_name, due)
        (overdue if due < now else today).append(item)
    counts = dict(session.execute(
        select(Lead.status, func.count()).where(Lead.owner_id == agent.id).group_by(Lead.status)
    ).all())
    pipeline = tuple((s, int(counts[s])) for s in LEAD_STATUSES if counts.get(s))
    return HomeData(agent.name, zone.key, now, tuple(overdue), tuple(today), pipeline,
                    campaigns=_campaigns(session, agent))


def _campaigns(session: Session, agent: Agent) -> tuple[CampaignLine, ...]:
    """The agent's campaigns that are not over yet, newest first, with how far sending got."""
    sent = func.count(OutboxMessage.id).filter(OutboxMessage.state == "sent")
    rows = session.execute(
        select(Campaign.name, Campaign.state, sent, func.count(OutboxMessage.id))
        .outerjoin(OutboxMessage, OutboxMessage.campaign_id == Campaign.id)
        .where(Campaign.created_by_id == agent.id, Campaign.state.in_(LIVE_CAMPAIGNS))
        .group_by(Campaign.id, Campaign.name, Campaign.state, Campaign.created_at)
        .order_by(Campaign.created_at.desc()).limit(CAMPAIGNS_MAX)
    ).all()
    return tuple(CampaignLine(name, state, int(n_sent), int(n_all)) for name, state, n_sent, n_all in rows)


def home_view(data: HomeData | None) -> dict[str, Any]:
    """The Home tab for a linked agent, or the way to get linked for anyone else."""
    if data is None:
        return {"type": "home", "blocks": [_section(_part("unlinked"))]}
    zone = _zone(data.timezone)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _part("title", agent_name=data.agent_name)[:150]}},
        _section(_part("overdue", items=data.overdue)),
        *_items(data.overdue, zone, empty="none_overdue", with_day=True),
        _section(_part("today", items=data.today)),
        *_items(data.today, zone, empty="none_today", with_day=False),
        {"type": "divider"},
    ]
    total = sum(n for _, n in data.pipeline)
    blocks.append(_section(_part("pipeline", total=total)))
    if data.pipeline:
        widest = max(n for _, n in data.pipeline)
        lines = [f"{status.replace('_', ' '):<12} {n:>4}  {'█' * max(1, round(20 * n / widest))}"
                 for status, n in data.pipeline]
        blocks.append(_section("```" + "\n".join(lines) + "```"))
    else:
        blocks.append(_section(_part("no_leads")))
    if data.campaigns:
        blocks.append({"type": "divider"})
        lines = [_part("campaign", c={"name": escape(c.name), "state": c.state, "sent": c.sent, "audience": c.audience})
                 for c in data.campaigns]
        blocks.append(_section(_part("campaigns") + "\n" + "\n".join(lines)))
    updated = data.now.astimezone(zone).strftime("%H:%M %Z")
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _part("footer", updated=updated)}]})
    return {"type": "home", "blocks": blocks}


def _items(items: tuple[DueItem, ...], zone: ZoneInfo, *, empty: str, with_day: bool) -> list[dict[str, Any]]:
    if not items:
        return [{"type": "context", "elements": [{"type": "mrkdwn", "text": _part(empty)}]}]
    fmt = "%a %d %b %H:%M" if with_day else "%H:%M"
    lines = [
        _part("follow_up", item={"title": escape(i.title), "lead_name": escape(i.lead_name),
                                 "due": i.due_at.astimezone(zone).strftime(fmt)})
        for i in items[:ITEMS_MAX]
    ]
    if len(items) > ITEMS_MAX:
        lines.append(_part("more", count=len(items) - ITEMS_MAX))
    return [_section("\n".join(lines)[:3000])]


def _part(part: str, **ctx: object) -> str:
    return render_template("slack/home.j2", part=part, **ctx)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}
