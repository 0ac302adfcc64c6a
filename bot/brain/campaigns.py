"""``campaign …`` in chat (Slack, console): read at once, or completed into a plan to confirm.

Reading commands (list, templates, stats, preview, and test, which mails only the agent
asking) answer at once. Changing commands (create, schedule, pause, resume, cancel) are
completed here (the agent's sender and time zone, owners' emails to ids, "tomorrow 9am" to
a time) and checked by a dry run, so a refusal comes before the question "confirm?"; the
graph then stores them as a plan like any other change.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import Any, Callable

from sqlalchemy.orm import Session

from bot import campaign_grammar as grammar
from bot.campaign_grammar import CampaignRequest
from bot.messages import Reply
from bot.templating import render
from bot.understanding.dates import DueParser, date_order_for
from crm.errors import InvalidInput
from crm.models import Agent
from handlers.campaigns import changes, service
from handlers.campaigns.compose import Composer
from handlers.campaigns.render import Renderer
from handlers.campaigns.stats import FUNNEL, CampaignStats, campaign_stats, funnel_chart
from handlers.campaigns.transport import SendError, Transport

PREVIEW_TEXT_MAX = 2500
BAR_WIDTH = 20
DEFAULT_HOUR = 9  # "schedule it for Monday": 09:00 in the campaign's time zone


@dataclass
class CampaignDesk:
    """What campaign commands need besides the database; built once per process from Settings."""

    composer: Callable[[], Composer]
    transport: Callable[[], Transport]
    maildir: str = ""
    charts: Path | None = None  # where funnel charts are drawn (none: numbers only)

    # -- reading ---------------------------------------------------------------------------------
    def read(self, session: Session, request: CampaignRequest, *, actor: Agent) -> Reply:
        op, name, o = request.op, request.name or "", request.options
        if op == "help":
            return Reply(text=render("brain/campaign/help.j2", usage=grammar.chat_usage(o.get("action"))),
                         kind="help")
        if op == "list":
            views = service.list_campaigns(session, actor=actor)
            rows = tuple((v.name, v.state, _schedule(v), str(v.counts.get("sent", 0)),
                          str(sum(v.counts.get(s, 0) for s in ("pending", "retry", "sending"))),
                          str(v.counts.get("failed", 0))) for v in views)
            header = ("Campaign", "State", "Schedule", "Sent", "Waiting", "Failed")
            return Reply(text=render("brain/campaign/list.j2", count=len(views)),
                         table=(header, *rows) if rows else ())
        if op == "templates":
            return Reply(text=render("brain/campaign/templates.j2", names=Renderer().available()))
        if op == "stats":
            campaign = service.get_campaign(session, name, actor=actor)
            stats = campaign_stats(session, campaign.id)
            if stats.audience == 0 and stats.state in ("draft", "scheduled", "paused"):
                not_started = service.view(session, campaign, with_audience=True)
                return Reply(text=render("brain/campaign/stats.j2", s=stats, not_started=not_started))
            chart = None
            if self.charts is not None:
                chart = funnel_chart(stats, self.charts / f"campaign-{stats.campaign_id}-funnel.png")
            return Reply(text=render("brain/campaign/stats.j2", s=stats, not_started=None), table=funnel_table(stats),
                         image=str(chart) if chart else None)
        if op == "preview":
            p = service.preview_campaign(session, name, lead_query=o["lead"], composer=self.composer(), actor=actor)
            text = p.text if len(p.text) <= PREVIEW_TEXT_MAX else p.text[:PREVIEW_TEXT_MAX] + "…"
            return Reply(text=render("brain/campaign/preview.j2", p=p, text=text))
        if op == "test":
            try:
                sent = service.send_test(session, name, to_agent=actor, composer=self.composer(),
                                         transport=self.transport(), lead_query=o.get("lead"), actor=actor)
            except SendError as exc:
                return Reply(text=render("brain/campaign/test_failed.j2", reason=exc.summary(),
                                         permanent=exc.permanent), kind="error", ephemeral=True)
            return Reply(text=render("brain/campaign/tested.j2", sent=sent, maildir=self.maildir), kind="done")
        raise InvalidInput(f"unknown campaign action {op!r}")

    # -- changing: complete, then check by a dry run ----------------------------------------------
    def draft(self, session: Session, request: CampaignRequest, *, actor: Agent, now: datetime) -> dict[str, Any]:
        """The plan action for a changing command, checked; raises the typed refusal otherwise."""
        options = self.complete(session, request, actor=actor, now=now)
        preview = changes.preview(session, request.op, request.name or "", options, actor=actor, now=now)
        return {"type": "campaign", "op": request.op, "campaign": preview["campaign"], "options": options,
                "preview": preview}

    def complete(self, session: Session, request: CampaignRequest, *, actor: Agent, now: datetime) -> dict[str, Any]:
        o = request.options
        if request.op == "create":
            tz_name = o.get("timezone") or actor.timezone or "UTC"
            return {
                "template": o["template"],
                "sender": o.get("sender") or f"{actor.name} <{actor.email}>",
                "timezone": tz_name,
                "audience": grammar.audience(session, o, service.zone(tz_name)),
                "rate": o.get("rate"), "max_failures": o.get("max_failures") or 10,
                "passages": o.get("passages") or 0, "personal_paragraph": bool(o.get("personal_paragraph")),
            }
        if request.op == "schedule":
            campaign = service.get_campaign(session, request.name or "", actor=actor)
            tz_name = o.get("timezone") or campaign.timezone or actor.timezone or "UTC"
            at = when(o["at"], tz_name=tz_name, now=now) if o.get("at") else None
            return {"at": at, "cron": o.get("cron"), "now": bool(o.get("now")), "timezone": tz_name}
        return {}


def when(text: str, *, tz_name: str, now: datetime) -> str:
    """"2026-12-01 09:00", "tomorrow 9am", "monday" (09:00) as an ISO time with its offset."""
    tz = service.zone(tz_name)
    raw = " ".join(text.split())
    try:
        parsed = datetime.fromisoformat(raw.replace(" ", "T", 1))
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)).isoformat()
    except ValueError:
        pass
    due = DueParser(date_order=date_order_for(tz_name)).parse(raw.lower(), now=now.astimezone(tz))
    if due is None:
        raise InvalidInput(f"I can't read {raw!r} as a time; write it like 2026-12-01 09:00 or 'tomorrow 9am'")
    moment = due.when
    if due.grain == "day":
        moment = datetime.combine(moment.date(), time(DEFAULT_HOUR), tzinfo=tz)
    return moment.isoformat()


def funnel_table(stats: CampaignStats) -> tuple[tuple[str, ...], ...]:
    """The funnel as rows with bars, readable in any channel (the PNG is `crmbot campaign stats --chart`)."""
    top = max(stats.audience, 1)
    rows = [("Stage", "Leads", "Share", "")]
    for key, label in FUNNEL:
        n = int(getattr(stats, key))
        rows.append((label, str(n), f"{100 * n / top:.0f}%", bar(n / top)))
    return tuple(rows)


def bar(fraction: float) -> str:
    eighths = round(max(0.0, min(1.0, fraction)) * BAR_WIDTH * 8)
    full, part = divmod(eighths, 8)
    return "█" * full + ("" if part == 0 else "▏▎▍▌▋▊▉"[part - 1])


def _schedule(v: service.CampaignView) -> str:
    kind = (v.schedule or {}).get("kind")
    if kind == "cron":
        return f"cron {v.schedule['cron']} ({v.timezone})"
    if kind == "once":
        return f"once {v.next_run}" if v.next_run else "once"
    return "not scheduled"
