"""Due follow-ups become reminders: a notification to the agent with Done / Snooze buttons.

Run by the worker's scheduler every ``reminder_interval_seconds``; safe to run twice or in two
processes at once. Each follow-up is claimed with a conditional ``UPDATE follow_ups SET
reminded_at=:now WHERE id=:id AND reminded_at IS NULL`` before its notification is written in
the same transaction, so one reminder is sent per due time (a snooze clears ``reminded_at``
and sets ``snoozed_until``, which makes it due again later).
"""
from __future__ import annotations

import json
import logging
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.messages import Choice, Reply
from bot.notify import notify
from bot.templating import render
from crm.models import Agent, FollowUp
from crm.types import utcnow
from handlers.actions.describe import lead_label, local_time

log = logging.getLogger("crmbot.reminders")

JOB_ID = "follow-up-reminders"


def _button(choice: str, follow_up_id: int, style: str) -> Choice:
    return Choice(label=render("brain/choices.j2", choice=choice),
                  value=json.dumps({"follow_up_id": follow_up_id, "decision": choice}, separators=(",", ":")),
                  style=style)  # type: ignore[arg-type]


def reminder_reply(fu: FollowUp, *, tz: str, now: datetime) -> Reply:
    lead = fu.lead
    due = fu.snoozed_until if fu.snoozed_until and fu.snoozed_until > fu.due_at else fu.due_at
    text = render("brain/reminder.j2", title=fu.title, lead=lead_label(lead.name, lead.company),
                  due=local_time(fu.due_at, tz, now=now), overdue=(now - due).total_seconds() > 3600,
                  notes=fu.notes or "")
    return Reply(text=text, kind="reminder", choices=(_button("done", fu.id, "primary"),
                                                      _button("snooze", fu.id, "default")))


def send_due_reminders(session: Session, *, now: datetime | None = None, agent_id: int | None = None,
                       limit: int = 200) -> int:
    """Notify the agent of every open follow-up that is due and not yet reminded. The caller commits."""
    now = now or utcnow()
    stmt = (
        select(FollowUp)
        .where(FollowUp.status == "open", FollowUp.due_at <= now, FollowUp.reminded_at.is_(None),
               or_(FollowUp.snoozed_until.is_(None), FollowUp.snoozed_until <= now))
        .order_by(FollowUp.due_at)
        .limit(limit)
    )
    if agent_id is not None:
        stmt = stmt.where(FollowUp.agent_id == agent_id)
    sent = 0
    for fu in list(session.scalars(stmt)):
        to = fu.agent_id or (fu.lead.owner_id if fu.lead else None)
        if to is None:
            continue
        claimed = session.execute(
            update(FollowUp).where(FollowUp.id == fu.id, FollowUp.reminded_at.is_(None)).values(reminded_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount == 1
        if not claimed:
            continue
        agent = session.get(Agent, to)
        notify(session, agent_id=to, kind="reminder", reply=reminder_reply(fu, tz=agent.timezone, now=now),
               follow_up_id=fu.id)
        sent += 1
    if sent:
        log.info("reminders queued", extra={"count": sent})
    return sent


def run_reminders(ctx) -> int:  # noqa: ANN001
    """The scheduled job: one transaction per run."""
    with ctx.sessions.begin() as session:
        return send_due_reminders(session)


def register_jobs(scheduler, ctx) -> None:  # noqa: ANN001
    scheduler.add_job(run_reminders, "interval", seconds=ctx.settings.reminder_interval_seconds, args=[ctx],
                      id=JOB_ID, replace_existing=True, coalesce=True, max_instances=1)
