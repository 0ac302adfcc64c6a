"""Notifications (reminders, lead replies, proposals) delivered as direct messages in Slack.

Each round also settles plans that expired unanswered (``expiry.settle_expired``).

A worker component: every few seconds it takes the pending notifications of agents linked to a
Slack user, posts each as a DM with its buttons (``chat.postMessage`` with the user id as the
channel opens the app's DM with them, https://api.slack.com/methods/chat.postMessage#app_home),
and records where it landed so a button press can update it in place.

Delivery is at least once: the row is marked after Slack accepted the post, so a crash in
between repeats one DM, never loses one. Only one worker process runs this. Failures are
classified (healthchecks' transports do the same): an error about this message or this user
stops retrying it; anything else is retried a few times on later rounds.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.slack import render
from bot.channels.slack.app import make_client, slack_configured
from bot.channels.slack.expiry import settle_expired
from bot.context import AppContext
from bot.messages import Reply
from crm.models import Agent, Notification, Plan
from crm.types import utcnow

log = logging.getLogger("crmbot.slack.deliver")

# Errors that say this message can never be delivered to this user
# (https://api.slack.com/methods/chat.postMessage#errors).
PERMANENT = {"channel_not_found", "user_not_found", "account_inactive", "cannot_dm_bot", "is_archived",
             "restricted_action", "invalid_blocks", "invalid_blocks_format", "msg_too_long", "no_text",
             "too_many_attachments", "user_disabled"}
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Round:
    delivered: int = 0
    failed: int = 0


def deliver_pending(sessions: sessionmaker[Session], client: WebClient, *, limit: int = 50,
                    max_attempts: int = MAX_ATTEMPTS) -> Round:
    """One round: post every pending notification of a Slack-linked agent, oldest first."""
    with sessions() as session:
        rows = session.execute(
            select(Notification, Agent.slack_user_id)
            .join(Agent, Agent.id == Notification.agent_id)
            .where(Notification.delivered_at.is_(None), Notification.attempts < max_attempts,
                   Agent.slack_user_id.is_not(None), Agent.active.is_(True))
            .order_by(Notification.id)
            .limit(limit)
        ).all()
    delivered = failed = 0
    for n, slack_user in rows:
        if _deliver_one(sessions, client, n, slack_user, max_attempts=max_attempts):
            delivered += 1
        else:
            failed += 1
    return Round(delivered, failed)


def _deliver_one(sessions: sessionmaker[Session], client: WebClient, n: Notification, slack_user: str, *,
                 max_attempts: int) -> bool:
    reply = Reply.from_dict(n.payload)
    # Only a reminder's buttons are about its follow-up (Done / Snooze); a proposal's are about its plan.
    extra = {"follow_up_id": n.follow_up_id} if n.kind == "reminder" or reply.kind == "reminder" else None
    try:
        resp = client.chat_postMessage(channel=slack_user, text=render.fallback_text(reply),
                                       blocks=render.reply_blocks(reply, extra_action=extra))
    except SlackApiError as e:
        error = str(e.response.get("error") or "unknown")
        permanent = error in PERMANENT
        _record_failure(sessions, n.id, error, give_up=permanent, max_attempts=max_attempts)
        log.warning("slack notification not delivered",
                    extra={"notification_id": n.id, "error": error, "permanent": permanent})
        return False
    except Exception as e:  # network trouble: try again next round
        _record_failure(sessions, n.id, type(e).__name__, give_up=False, max_attempts=max_attempts)
        log.warning("slack notification not delivered", exc_info=True, extra={"notification_id": n.id})
        return False
    ref = {"via": "slack", "channel": resp.get("channel") or slack_user, "ts": resp.get("ts")}
    with sessions.begin() as session:
        session.execute(update(Notification).where(Notification.id == n.id, Notification.delivered_at.is_(None))
                        .values(delivered_at=utcnow(), delivered_via="slack", message_ref=ref))
        if n.plan_id:
            # A proposal's buttons can now be settled in place when the plan is decided elsewhere.
            session.execute(update(Plan).where(Plan.id == n.plan_id).values(message_ref=ref))
    log.info("slack notification delivered", extra={"notification_id": n.id, "kind": n.kind})
    return True


def _record_failure(sessions: sessionmaker[Session], notification_id: int, error: str, *, give_up: bool,
                    max_attempts: int) -> None:
    with sessions.begin() as session:
        n = session.get(Notification, notification_id)
        if n is None:
            return
        n.attempts = max_attempts if give_up else n.attempts + 1
        n.last_error = error[:500]


class SlackDeliverer:
    """Runs ``deliver_pending`` every ``interval`` seconds in a thread until stopped."""

    name = "slack-deliver"

    def __init__(self, sessions: sessionmaker[Session], client: WebClient, *, interval: float = 2.0) -> None:
        self.sessions, self.client, self.interval = sessions, client, interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                deliver_pending(self.sessions, self.client)
                settle_expired(self.sessions, self.client)
            except Exception:
                log.exception("slack delivery round failed")
            self._stop.wait(self.interval)


def component(ctx: AppContext) -> SlackDeliverer | None:
    """WORKER_COMPONENTS entry: on when a bot token is configured."""
    if not slack_configured(ctx.settings):
        return None
    return SlackDeliverer(ctx.sessions, make_client(ctx.settings))
