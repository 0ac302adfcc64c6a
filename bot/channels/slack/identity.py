"""Which agent a Slack user is.

An agent is linked by ``Agent.slack_user_id``. On a user's first contact, the adapter looks up
their Slack profile email (``users.info``, scope ``users:read.email``) and, when it belongs to
an active agent not yet linked to another Slack user, stores the link. An admin can link anyone
with ``/crm link @user email``. An unlinked user can do nothing to the CRM.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Literal

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.models import Agent

log = logging.getLogger("crmbot.slack.identity")

# Slack writes a mention as <@U123> or <@U123|name> and, with escaping on, an email as
# <mailto:a@b.example|a@b.example> (https://api.slack.com/reference/surfaces/formatting#retrieving-messages).
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_MAILTO = re.compile(r"<mailto:([^|>]+)(?:\|[^>]*)?>")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def agent_for(session: Session, slack_user_id: str) -> Agent | None:
    return session.scalar(select(Agent).where(Agent.slack_user_id == slack_user_id, Agent.active.is_(True)))


def profile_email(client: WebClient, slack_user_id: str) -> str | None:
    """The user's profile email, or None when Slack does not give one (bots, missing scope)."""
    try:
        resp = client.users_info(user=slack_user_id)
    except SlackApiError as e:
        log.warning("users.info failed", extra={"slack_user": slack_user_id, "error": e.response.get("error")})
        return None
    user = resp.get("user") or {}
    if user.get("is_bot") or user.get("deleted"):
        return None
    email = (user.get("profile") or {}).get("email")
    return email.strip().lower() if email else None


def resolve(session: Session, client: WebClient, slack_user_id: str) -> Agent | None:
    """The agent behind a Slack user, linking by profile email on first contact."""
    agent = agent_for(session, slack_user_id)
    if agent is not None:
        return agent
    email = profile_email(client, slack_user_id)
    if not email:
        return None
    agent = session.scalar(select(Agent).where(func.lower(Agent.email) == email, Agent.active.is_(True)))
    if agent is None:
        return None
    if agent.slack_user_id and agent.slack_user_id != slack_user_id:
        # Someone else already holds this agent; only an admin may move the link.
        log.warning("email matches an agent linked to another Slack user",
                    extra={"slack_user": slack_user_id, "agent_id": agent.id})
        return None
    agent.slack_user_id = slack_user_id
    session.flush()
    log.info("slack user linked by email", extra={"slack_user": slack_user_id, "agent_id": agent.id})
    return agent


LinkStatus = Literal["linked", "not_admin", "usage", "no_agent", "no_email"]


@dataclass(frozen=True)
class LinkOutcome:
    status: LinkStatus
    slack_user_id: str | None = None
    agent_name: str | None = None
    email: str | None = None
    previous_slack_user_id: str | None = None


def parse_link(args: str) -> tuple[str | None, str | None]:
    """``<@U123|sam> sam@agency.example`` -> ("U123", "sam@agency.example"); either may be missing."""
    user = _MENTION.search(args)
    rest = _MENTION.sub(" ", args)
    rest = _MAILTO.sub(lambda m: m.group(1), rest)
    email = next((w.lower() for w in rest.split() if _EMAIL.match(w)), None)
    return (user.group(1) if user else None), email


def link(session: Session, client: WebClient, *, admin: Agent | None, args: str) -> LinkOutcome:
    """``/crm link @user [email]``: an admin links a Slack user to the agent with that email.

    Without an email, the user's Slack profile email is used. The link moves from whoever held
    it before, because the admin says so.
    """
    if admin is None or not admin.is_admin:
        return LinkOutcome("not_admin")
    slack_user_id, email = parse_link(args)
    if slack_user_id is None:
        return LinkOutcome("usage")
    email = email or profile_email(client, slack_user_id)
    if not email:
        return LinkOutcome("no_email", slack_user_id=slack_user_id)
    agent = session.scalar(select(Agent).where(func.lower(Agent.email) == email))
    if agent is None:
        return LinkOutcome("no_agent", slack_user_id=slack_user_id, email=email)
    previous = agent.slack_user_id
    holder = agent_for(session, slack_user_id) or session.scalar(
        select(Agent).where(Agent.slack_user_id == slack_user_id))
    if holder is not None and holder.id != agent.id:
        holder.slack_user_id = None
        session.flush()
    agent.slack_user_id = slack_user_id
    session.flush()
    log.info("slack user linked by admin", extra={"slack_user": slack_user_id, "agent_id": agent.id, "admin_id": admin.id})
    return LinkOutcome("linked", slack_user_id=slack_user_id, agent_name=agent.name, email=email,
                       previous_slack_user_id=previous if previous != slack_user_id else None)
