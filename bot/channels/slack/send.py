"""Sending: one call per message, with the fallbacks Slack's rules need.

- Errors and other ephemeral replies go through ``chat.postEphemeral`` (only the asker sees them).
- A slash command can be typed in a channel the bot is not in; ``chat.postMessage`` then fails
  with ``not_in_channel``/``channel_not_found`` and the reply goes to the command's
  ``response_url`` instead (https://api.slack.com/interactivity/handling#message_responses).
- A message with buttons is updated in place with ``chat.update``, or through its
  ``response_url`` with ``replace_original`` when it was ephemeral (those have no ts to update).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.webhook import WebhookClient

from bot.channels.slack import render
from bot.channels.slack.translate import Target
from bot.messages import Reply

log = logging.getLogger("crmbot.slack.send")

# Errors after which the same message will never go through to this channel.
NOT_POSTABLE = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "cannot_dm_bot"}


@dataclass(frozen=True)
class Posted:
    """Where a reply landed, so it can be updated later (stored as Plan/Notification.message_ref)."""

    channel: str | None = None
    ts: str | None = None
    response_url: str | None = None
    ephemeral: bool = False

    def as_ref(self) -> dict[str, Any]:
        ref: dict[str, Any] = {"via": "slack"}
        if self.channel:
            ref["channel"] = self.channel
        if self.ts:
            ref["ts"] = self.ts
        if self.response_url:
            ref["response_url"] = self.response_url
        if self.ephemeral:
            ref["ephemeral"] = True
        return ref


def post_reply(client: WebClient, target: Target, reply: Reply) -> Posted:
    blocks = render.reply_blocks(reply)
    text = render.fallback_text(reply)
    if render.is_ephemeral(reply):
        return post_ephemeral(client, target, text=text, blocks=blocks)
    try:
        resp = client.chat_postMessage(channel=target.channel, thread_ts=target.thread_ts, text=text, blocks=blocks)
    except SlackApiError as e:
        if e.response.get("error") in NOT_POSTABLE and target.response_url:
            _respond(target.response_url, text=text, blocks=blocks, response_type="ephemeral")
            return Posted(response_url=target.response_url, ephemeral=True)
        raise
    posted = Posted(channel=resp.get("channel") or target.channel, ts=resp.get("ts"))
    if reply.image:
        upload_image(client, channel=posted.channel, thread_ts=target.thread_ts, path=reply.image,
                     title=render.image_title(reply))
    return posted


def upload_image(client: WebClient, *, channel: str | None, thread_ts: str | None, path: str, title: str) -> bool:
    """Upload a chart under its message (files.getUploadURLExternal, the upload, files.completeUploadExternal:
    https://api.slack.com/messaging/files#uploading_files). The message already carries the
    numbers, so an app without the ``files:write`` scope only loses the picture."""
    file = Path(path)
    if not channel or not file.is_file():
        return False
    try:
        client.files_upload_v2(channel=channel, thread_ts=thread_ts, file=str(file), filename=file.name, title=title,
                               alt_txt=title)
    except SlackApiError as e:
        log.warning("could not upload a chart to slack", extra={"error": e.response.get("error")})
        return False
    except SlackRequestError:
        log.warning("could not upload a chart to slack", extra={"error": "upload refused"})
        return False
    return True


def post_ephemeral(client: WebClient, target: Target, *, text: str, blocks: list[dict[str, Any]] | None = None) -> Posted:
    try:
        client.chat_postEphemeral(channel=target.channel, user=target.user, thread_ts=target.thread_ts, text=text,
                                  blocks=blocks or render.text_blocks(text))
    except SlackApiError as e:
        if e.response.get("error") in NOT_POSTABLE and target.response_url:
            _respond(target.response_url, text=text, blocks=blocks, response_type="ephemeral")
            return Posted(response_url=target.response_url, ephemeral=True)
        if e.response.get("error") in NOT_POSTABLE:
            # Nowhere in that channel to show it: tell the user in their DM with the bot.
            client.chat_postMessage(channel=target.user, text=text, blocks=blocks or render.text_blocks(text))
            return Posted(channel=target.user)
        raise
    return Posted(channel=target.channel, ephemeral=True)


def update_message(client: WebClient, *, channel: str | None, ts: str | None, response_url: str | None,
                   ephemeral: bool, text: str, blocks: list[dict[str, Any]]) -> bool:
    """Replace a message the bot posted; False when there is no way to reach it."""
    if not ephemeral and channel and ts:
        client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
        return True
    if response_url:
        _respond(response_url, text=text, blocks=blocks, replace_original=True)
        return True
    return False


def _respond(url: str, **payload: Any) -> None:
    resp = WebhookClient(url).send(**payload)
    if resp.status_code >= 300:
        raise ResponseUrlRefused(resp.status_code)


class ResponseUrlRefused(Exception):
    """Slack refused a response_url post (expired after 30 minutes, or used more than 5 times)."""
