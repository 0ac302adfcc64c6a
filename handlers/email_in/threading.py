"""Which lead a reply belongs to, and the identifiers outbound mail carries so that it can tell.

Routing follows the mail gateways that do this well (Odoo's ``message_route``, Chatwoot's
reply-to addresses), most specific evidence first:

1. ``In-Reply-To`` (RFC 5322 section 3.6.4) naming a message we sent;
2. the last ``References`` entries, newest first (RFC 5322 keeps the oldest first; clients
   that trim the list keep the newest, so the end is where our message is most likely);
3. a ``reply+<token>@<our domain>`` recipient, the reply address outbound mail carries;
4. the sender's address, matched against a lead's email.

A Message-ID we generate carries the lead's token, so a reply to a message that never made it
into the outbox table (a hand-sent reply, an outbox row since deleted) still routes.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from email.utils import getaddresses
from typing import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.models import Lead, OutboxMessage

# Odoo looks at the last 32 references; more is never needed and bounds the query.
MAX_REFERENCES = 32
REPLY_LOCAL = "reply"

_TOKEN = r"[A-Za-z0-9_-]{6,100}"
# <crm.TOKEN.NONCE@domain>: dots separate the parts because url-safe tokens never contain one.
# Campaign mail writes <c{campaign id}.TOKEN.NONCE@domain> and <t.TOKEN.NONCE@domain> (test sends).
_OUR_MSGID = re.compile(rf"^<?(?:crm|t|c\d{{1,12}})\.({_TOKEN})\.[0-9a-f]{{8,64}}@([^>\s]+)>?$")
_REPLY_ADDR = re.compile(rf"^{REPLY_LOCAL}\+({_TOKEN})@(.+)$", re.I)
_MSGID_IN_TEXT = re.compile(r"<([^<>\s]{1,900})>")


@dataclass(frozen=True)
class Route:
    """Where a message goes: the lead (or None), the outbox row it answers, and why."""

    lead: Lead | None
    outbox_id: int | None = None
    matched_on: str | None = None  # in_reply_to | references | reply_address | sender

    @property
    def matched(self) -> bool:
        return self.lead is not None


def make_message_id(domain: str, lead_token: str) -> str:
    """A Message-ID (with angle brackets) for outbound mail to the lead with ``lead_token``."""
    if not re.fullmatch(_TOKEN, lead_token or ""):
        raise ValueError("a lead token is url-safe base64 text")
    return f"<crm.{lead_token}.{secrets.token_hex(12)}@{domain.strip().lower()}>"


def reply_address(domain: str, lead_token: str) -> str:
    """The Reply-To address that routes a lead's answer back to them: reply+<token>@domain."""
    if not re.fullmatch(_TOKEN, lead_token or ""):
        raise ValueError("a lead token is url-safe base64 text")
    return f"{REPLY_LOCAL}+{lead_token}@{domain.strip().lower()}"


def token_of_message_id(message_id: str, *, domains: Sequence[str] = ()) -> str | None:
    """The lead token inside one of our Message-IDs; None for anyone else's."""
    m = _OUR_MSGID.match((message_id or "").strip())
    if not m:
        return None
    if domains and m.group(2).lower() not in {d.lower() for d in domains}:
        return None
    return m.group(1)


def token_of_address(address: str, *, domains: Sequence[str] = ()) -> str | None:
    """The lead token of a reply+<token>@domain address at one of ``domains`` (any, when empty)."""
    m = _REPLY_ADDR.match((address or "").strip())
    if not m:
        return None
    if domains and m.group(2).lower() not in {d.lower() for d in domains}:
        return None
    return m.group(1)


def message_ids(header_value: str | None) -> list[str]:
    """The ``<id>`` items of an In-Reply-To or References header, in order.

    Some clients write ids without brackets; a bare single token is accepted then.
    """
    if not header_value:
        return []
    found = ["<" + m + ">" for m in _MSGID_IN_TEXT.findall(header_value)]
    if not found:
        bare = header_value.strip()
        if bare and " " not in bare and "@" in bare:
            found = [f"<{bare.strip('<>')}>"]
    return found


def route(
    session: Session,
    *,
    in_reply_to: str | None,
    references: str | Sequence[str] | None,
    recipients: Iterable[str],
    sender: str | None,
    domains: Sequence[str],
) -> Route:
    """Find the lead a message answers (see the module docstring for the order).

    ``domains`` are ours: only a reply+<token> address at one of them counts.
    """
    for msg_id in message_ids(in_reply_to):
        found = _by_message_id(session, msg_id)
        if found:
            return Route(found[0], found[1], "in_reply_to")
    refs = message_ids(references) if isinstance(references, str) or references is None else list(references)
    for msg_id in reversed(refs[-MAX_REFERENCES:]):
        found = _by_message_id(session, msg_id)
        if found:
            return Route(found[0], found[1], "references")
    for addr in recipients:
        token = token_of_address(addr, domains=domains)
        lead = _by_token(session, token) if token else None
        if lead is not None:
            return Route(lead, None, "reply_address")
    if sender:
        lead = lead_by_email(session, sender)
        if lead is not None:
            return Route(lead, None, "sender")
    return Route(None)


def lead_by_email(session: Session, address: str) -> Lead | None:
    address = (address or "").strip().lower()
    if not address or "@" not in address:
        return None
    return session.scalar(select(Lead).where(func.lower(Lead.email) == address).limit(1))


def addresses(*header_values: str | None) -> list[str]:
    """Bare addresses from address headers (To, Cc, Delivered-To ...), lowercased, in order."""
    out: list[str] = []
    for _name, addr in getaddresses([v for v in header_values if v]):
        addr = addr.strip().lower()
        if addr and "@" in addr and addr not in out:
            out.append(addr)
    return out


def _by_message_id(session: Session, msg_id: str) -> tuple[Lead, int | None] | None:
    bare = msg_id.strip("<>")
    row = session.execute(
        select(Lead, OutboxMessage.id)
        .join(OutboxMessage, OutboxMessage.lead_id == Lead.id)
        .where(OutboxMessage.message_id.in_([f"<{bare}>", bare]))
        .limit(1)
    ).first()
    if row is not None:
        return row[0], row[1]
    # The token is the secret here, so the id's domain need not be ours (it may be an older one).
    token = token_of_message_id(msg_id)
    if token:
        lead = _by_token(session, token)
        if lead is not None:
            return lead, None
    return None


def _by_token(session: Session, token: str) -> Lead | None:
    lead = session.scalar(select(Lead).where(Lead.token == token))
    if lead is None:
        # Some relays lowercase local parts (RFC 5321 says they should not); tokens are long
        # enough that a case-insensitive match is still unique.
        lead = session.scalar(select(Lead).where(func.lower(Lead.token) == token.lower()).limit(1))
    return lead
