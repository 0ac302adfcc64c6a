"""Plans nobody answered: marked expired when their time is up, and their Slack message says so.

Without this a plan's Confirm/Cancel buttons would stay on screen after the plan could no
longer run (pressing them would then say "expired"). The Slack deliverer runs it every round:
each pending plan past its ``expires_at`` is claimed as expired with the same conditional
update deciding uses (``WHERE status = 'pending'``), so a confirmation racing it wins or loses
cleanly, and the message that showed its buttons is updated in place, once.
"""
from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.slack import render, send
from crm.models import Plan
from crm.types import utcnow

log = logging.getLogger("crmbot.slack.expiry")


def settle_expired(sessions: sessionmaker[Session], client: WebClient, *, now: datetime | None = None,
                   limit: int = 50) -> int:
    """Expire pending plans whose time is up; update the Slack messages of those shown there.

    Returns how many Slack messages were updated.
    """
    now = now or utcnow()
    with sessions() as session:
        due = session.execute(select(Plan.id, Plan.summary, Plan.message_ref)
                              .where(Plan.status == "pending", Plan.expires_at <= now)
                              .order_by(Plan.expires_at).limit(limit)).all()
    updated = 0
    for plan_id, summary, ref in due:
        with sessions.begin() as session:
            claimed = session.execute(
                update(Plan).where(Plan.id == plan_id, Plan.status == "pending")
                .values(status="expired", decided_at=now).execution_options(synchronize_session=False)
            ).rowcount == 1
        ref = ref or {}
        if not claimed or ref.get("via") != "slack" or ref.get("settled"):
            continue
        blocks = render.settled_blocks(render.text_blocks(render.escape(summary or "")), None, state="expired")
        try:
            shown = send.update_message(client, channel=ref.get("channel"), ts=ref.get("ts"),
                                        response_url=ref.get("response_url"), ephemeral=bool(ref.get("ephemeral")),
                                        text=render.first_text(blocks)[:300] or "Expired", blocks=blocks)
        except Exception:  # a deleted message, an expired response_url: the plan is expired all the same
            log.warning("could not mark an expired plan's slack message", exc_info=True, extra={"plan_id": plan_id})
            shown = False
        with sessions.begin() as session:
            session.execute(update(Plan).where(Plan.id == plan_id).values(message_ref={**ref, "settled": True}))
        updated += int(shown)
    return updated
