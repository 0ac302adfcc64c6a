"""Slack payloads in, Messages and reply targets out: the only place that knows Slack's field names.

Payload shapes: slash commands (https://api.slack.com/interactivity/slash-commands#app_command_handling),
Events API callbacks (https://api.slack.com/apis/events-api#callback-field) and ``block_actions``
(https://api.slack.com/reference/interaction-payloads/block-actions).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from bot.messages import Message
from bot.channels.slack.render import decode_action

Body = Mapping[str, Any]

_LEADING_MENTION = re.compile(r"^\s*(?:<@[UW][A-Z0-9]+(?:\|[^>]*)?>[\s,:]*)+")
_LINK = re.compile(r"<(?:mailto:)?([^<>|]+)(?:\|([^<>]*))?>")


@dataclass(frozen=True)
class Target:
    """Where the answers to one request go."""

    channel: str
    user: str
    thread_ts: str | None = None  # answer in this thread (mentions)
    response_url: str | None = None  # slash commands and buttons: works where the bot is not a member


def plain_text(text: str) -> str:
    """Slack's markup back to what the user typed: links to their labels, entities decoded."""
    def link(m: re.Match[str]) -> str:
        target, shown = m.group(1), m.group(2)
        if target.startswith(("@", "#", "!")):
            return m.group(0)  # mentions and channel links stay as they are
        return shown or target

    text = _LINK.sub(link, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def without_leading_mentions(text: str) -> str:
    """``<@UBOT> move John to won`` -> ``move John to won``."""
    return _LEADING_MENTION.sub("", text, count=1)


def conversation_key(channel: str, user: str, thread_ts: str | None = None) -> str:
    """One conversation per user per channel, or per thread for mentions, so a typed "yes" finds its plan."""
    return f"slack:thread:{channel}:{thread_ts}" if thread_ts else f"slack:{channel}:{user}"


def from_command(body: Body, *, agent_id: int | None) -> tuple[Message, Target]:
    channel, user = body["channel_id"], body["user_id"]
    text = plain_text(body.get("text") or "")
    target = Target(channel=channel, user=user, response_url=body.get("response_url"))
    meta = {"slack": {"kind": "command", "team": body.get("team_id"), "channel": channel, "user": user,
                      "trigger_id": body.get("trigger_id")}}
    return Message(text=text, agent_id=agent_id, channel="slack", conversation_key=conversation_key(channel, user),
                   meta=meta), target


def from_event(body: Body, *, agent_id: int | None) -> tuple[Message, Target]:
    """An app_mention (answered in its thread) or a direct message (answered in the DM)."""
    event = body["event"]
    channel, user = event["channel"], event["user"]
    text = event.get("text") or ""
    if event.get("type") == "app_mention":
        thread = event.get("thread_ts") or event.get("ts")
        text = without_leading_mentions(text)
        key = conversation_key(channel, user, thread)
    else:
        thread = event.get("thread_ts")  # a DM answered where it was written
        key = conversation_key(channel, user, thread)
    target = Target(channel=channel, user=user, thread_ts=thread)
    meta = {"slack": {"kind": event.get("type"), "team": body.get("team_id"), "channel": channel, "user": user,
                      "ts": event.get("ts"), "event_id": body.get("event_id")}}
    return Message(text=plain_text(text), agent_id=agent_id, channel="slack", conversation_key=key, meta=meta), target


@dataclass(frozen=True)
class Press:
    """One button press, with what it means and where its message is."""

    action: dict[str, Any]
    label: str
    channel: str | None
    message_ts: str | None
    thread_ts: str | None
    ephemeral: bool
    original_blocks: list[dict[str, Any]] | None
    in_view: bool  # pressed on the App Home tab, not on a message
    response_url: str | None


def press(body: Body) -> Press | None:
    """The first action of a block_actions payload, or None when it is not one of the bot's buttons."""
    actions = body.get("actions") or []
    if not actions:
        return None
    first = actions[0]
    action = decode_action(first.get("value"))
    if action is None:
        return None
    container = body.get("container") or {}
    message = body.get("message") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    return Press(
        action=action,
        label=((first.get("text") or {}).get("text") or ""),
        channel=channel,
        message_ts=container.get("message_ts") or message.get("ts"),
        thread_ts=message.get("thread_ts"),
        ephemeral=bool(container.get("is_ephemeral")),
        original_blocks=message.get("blocks"),
        in_view=container.get("type") == "view",
        response_url=body.get("response_url"),
    )


def from_press(body: Body, p: Press, *, agent_id: int | None) -> tuple[Message, Target]:
    user = body["user"]["id"]
    channel = p.channel or user
    # The same key the conversation had when the buttons were posted (see conversation_key).
    key = conversation_key(channel, user, p.thread_ts)
    target = Target(channel=channel, user=user, thread_ts=p.thread_ts, response_url=body.get("response_url"))
    meta = {"slack": {"kind": "block_actions", "team": (body.get("team") or {}).get("id"), "channel": channel,
                      "user": user, "message_ts": p.message_ts}}
    return Message(text=p.label, agent_id=agent_id, channel="slack", conversation_key=key, action=p.action,
                   meta=meta), target
