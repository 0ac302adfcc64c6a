"""What happens after ``ack()``: identify the user, claim the delivery, ask the brain, show the replies.

Each public method runs in the app's work pool, after Slack already has its acknowledgement.
Nobody waits on those threads, so an exception there would vanish: every method is wrapped,
and a failure is logged with its traceback and the user is told, plainly, that it did not work.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Mapping, Protocol

from slack_sdk import WebClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.slack import dedupe, identity, render, send
from bot.channels.slack.home import home_data, home_view
from bot.channels.slack.translate import Press, Target, from_command, from_event, from_press, press
from bot.messages import Message, Reply
from bot.templating import render as render_template
from crm.models import Plan
from crm.types import utcnow

log = logging.getLogger("crmbot.slack")

Body = Mapping[str, Any]

# Plan statuses that mean the buttons are spent, and how the message says so.
SETTLED = {"executed": "done", "cancelled": "cancelled", "expired": "expired", "failed": "failed",
           "undone": "done"}
HELP_WORDS = {"", "help", "?", "-h", "--help"}


class BrainLike(Protocol):
    def handle(self, message: Message) -> list[Reply]: ...


def is_help(text: str) -> bool:
    return text.strip().lower() in HELP_WORDS


def is_link(text: str) -> bool:
    """``link <@U…> [email]``: the admin command, not a sentence that starts with "link"."""
    return text.strip().lower().split(" ", 1)[0] == "link" and "<@" in text


def wanted_message(event: Mapping[str, Any]) -> bool:
    """A person's own new message in a DM with the bot; not edits, joins, files or other bots."""
    return (event.get("channel_type") == "im" and not event.get("subtype") and not event.get("bot_id")
            and bool(event.get("user")))


@dataclass
class SlackWork:
    sessions: sessionmaker[Session]
    brain: BrainLike
    undo_minutes: int = 10
    clock: Callable[[], datetime] = field(default=utcnow)

    # --- entry points (run after ack) -------------------------------------------------------

    def command(self, body: Body, client: WebClient) -> None:
        self._guard("command", body, client, self._command, _tell_in(_command_target))

    def event(self, body: Body, client: WebClient) -> None:
        self._guard("event", body, client, self._event, _tell_in(_event_target))

    def action(self, body: Body, client: WebClient) -> None:
        self._guard("action", body, client, self._action, _tell_in(_action_target))

    def home(self, body: Body, client: WebClient) -> None:
        self._guard("home", body, client, self._home, _tell_on_home)

    # --- the work ------------------------------------------------------------------------------

    def _command(self, body: Body, client: WebClient) -> None:
        text = body.get("text") or ""
        if is_help(text):
            return  # answered in the acknowledgement itself
        if not self._claim(dedupe.command_key(body)):
            return
        target = _command_target(body)
        if is_link(text):
            with self.sessions.begin() as session:
                admin = identity.resolve(session, client, body["user_id"])
                outcome = identity.link(session, client, admin=admin, args=text.strip()[4:])
            send.post_ephemeral(client, target, text=render_template("slack/link.j2", outcome=outcome))
            return
        agent_id = self._identify(client, body["user_id"])
        if agent_id is None:
            self._unlinked(client, target)
            return
        message, target = from_command(body, agent_id=agent_id)
        self._converse(client, message, target)

    def _event(self, body: Body, client: WebClient) -> None:
        event = body.get("event") or {}
        if event.get("type") == "message" and not wanted_message(event):
            return
        if event.get("type") == "app_mention" and (event.get("bot_id") or not event.get("user")):
            return
        if not self._claim(dedupe.event_key(body)):
            return
        agent_id = self._identify(client, event["user"])
        message, target = from_event(body, agent_id=agent_id)
        if agent_id is None:
            self._unlinked(client, target)
            return
        if is_help(message.text):
            blocks = render.help_blocks(undo_minutes=self.undo_minutes)
            send.post_ephemeral(client, target, text=render.first_text(blocks)[:300], blocks=blocks)
            return
        self._converse(client, message, target)

    def _action(self, body: Body, client: WebClient) -> None:
        p = press(body)
        if p is None:
            return
        plan_id = p.action.get("plan_id")
        if not self._claim(dedupe.action_key(body, plan_id=plan_id)):
            return
        user = body["user"]["id"]
        agent_id = self._identify(client, user)
        message, target = from_press(body, p, agent_id=agent_id)
        if agent_id is None:
            self._unlinked(client, target)
            return
        replies = self.brain.handle(message)
        consumed = self._settle_pressed(client, p, user=user, plan_id=plan_id, replies=replies)
        self._show(client, [r for r in replies if r not in consumed], target)

    def _home(self, body: Body, client: WebClient) -> None:
        event = body.get("event") or {}
        if event.get("tab") != "home" or not event.get("user"):
            return
        user = event["user"]
        with self.sessions.begin() as session:
            agent = identity.resolve(session, client, user)
            data = home_data(session, agent, now=self.clock()) if agent is not None else None
        client.views_publish(user_id=user, view=home_view(data))

    # --- helpers -------------------------------------------------------------------------------

    def _converse(self, client: WebClient, message: Message, target: Target) -> None:
        self._show(client, self.brain.handle(message), target)

    def _show(self, client: WebClient, replies: list[Reply], target: Target) -> None:
        for reply in replies:
            posted = send.post_reply(client, target, reply)
            if reply.plan_id and reply.kind in ("plan", "proposal"):
                self._remember_plan_message(reply.plan_id, posted)
            elif reply.plan_id:
                self._settle_elsewhere(client, reply)

    def _settle_pressed(self, client: WebClient, p: Press, *, user: str, plan_id: str | None,
                        replies: list[Reply]) -> list[Reply]:
        """Update the pressed message in place; return the replies that update used up.

        For a plan, the plan's own status decides (a press refused by the brain, such as a
        colleague confirming someone else's plan, leaves the buttons where they are).
        """
        outcome = [r for r in replies if r.kind not in render.INTERACTIVE_KINDS
                   and (plan_id is None or r.plan_id in (None, plan_id))]
        first = outcome[0] if outcome else None
        if p.in_view:
            return []
        if plan_id:
            state = self._plan_state(plan_id)
            if state is None:
                return []  # still pending: the refusal goes to the presser alone
        else:
            if any(r.kind == "error" for r in outcome):
                return []
            state = "chosen" if p.action.get("decision") == "choice" else "handled"
        blocks = render.settled_blocks(p.original_blocks, first, state=state, user=user,
                                       choice=p.label if state in ("chosen", "handled") else None)
        send.update_message(client, channel=p.channel, ts=p.message_ts, response_url=p.response_url,
                            ephemeral=p.ephemeral, text=render.fallback_text(first) if first else p.label, blocks=blocks)
        return [first] if first else []

    def _settle_elsewhere(self, client: WebClient, reply: Reply) -> None:
        """A plan decided by a typed "yes"/"no": update the message that showed its buttons."""
        with self.sessions.begin() as session:
            plan = session.get(Plan, reply.plan_id)
            if plan is None or SETTLED.get(plan.status) is None:
                return
            ref, state, summary = plan.message_ref or {}, SETTLED[plan.status], plan.summary
        if ref.get("via") != "slack" or ref.get("settled"):
            return
        original = render.text_blocks(render.escape(summary)) if summary else None
        blocks = render.settled_blocks(original, reply, state=state)
        if send.update_message(client, channel=ref.get("channel"), ts=ref.get("ts"),
                               response_url=ref.get("response_url"), ephemeral=bool(ref.get("ephemeral")),
                               text=render.fallback_text(reply), blocks=blocks):
            with self.sessions.begin() as session:
                session.execute(update(Plan).where(Plan.id == reply.plan_id).values(message_ref={**ref, "settled": True}))

    def _remember_plan_message(self, plan_id: str, posted: send.Posted) -> None:
        with self.sessions.begin() as session:
            session.execute(update(Plan).where(Plan.id == plan_id).values(message_ref=posted.as_ref()))

    def _plan_state(self, plan_id: str) -> str | None:
        with self.sessions() as session:
            plan = session.get(Plan, plan_id)
            return SETTLED.get(plan.status) if plan is not None else None

    def _claim(self, key: str | None) -> bool:
        if key is None:
            return True
        with self.sessions.begin() as session:
            first = dedupe.claim(session, key)
        if not first:
            log.info("duplicate slack delivery ignored", extra={"key": key})
        return first

    def _identify(self, client: WebClient, slack_user: str) -> int | None:
        with self.sessions.begin() as session:
            agent = identity.resolve(session, client, slack_user)
            return agent.id if agent is not None else None

    def _unlinked(self, client: WebClient, target: Target) -> None:
        send.post_ephemeral(client, target, text=render_template("slack/unlinked.j2"))

    def _guard(self, name: str, body: Body, client: WebClient, work: Callable[[Body, WebClient], None],
               tell: Callable[[Body, WebClient], None]) -> None:
        try:
            work(body, client)
        except Exception:
            log.exception("slack request failed after ack", extra={"listener": name})
            try:
                tell(body, client)
            except Exception:
                log.exception("could not tell the user about a slack failure", extra={"listener": name})


def _tell_in(target_of: Callable[[Body], Target | None]) -> Callable[[Body, WebClient], None]:
    """Say that it failed, only to the person who asked, where they asked."""
    def tell(body: Body, client: WebClient) -> None:
        target = target_of(body)
        if target is not None:
            send.post_ephemeral(client, target, text=render_template("slack/failure.j2"))

    return tell


def _tell_on_home(body: Body, client: WebClient) -> None:
    user = (body.get("event") or {}).get("user")
    if user:
        client.views_publish(user_id=user, view={"type": "home", "blocks": render.text_blocks(
            render_template("slack/failure.j2"))})


def _command_target(body: Body) -> Target:
    return Target(channel=body["channel_id"], user=body["user_id"], response_url=body.get("response_url"))


def _event_target(body: Body) -> Target | None:
    event = body.get("event") or {}
    if not event.get("user") or not event.get("channel"):
        return None
    thread = event.get("thread_ts") or (event.get("ts") if event.get("type") == "app_mention" else None)
    return Target(channel=event["channel"], user=event["user"], thread_ts=thread)


def _action_target(body: Body) -> Target:
    user = body["user"]["id"]
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id") or user
    thread = (body.get("message") or {}).get("thread_ts")
    return Target(channel=channel, user=user, thread_ts=thread, response_url=body.get("response_url"))

