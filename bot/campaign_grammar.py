"""The words of the campaign commands, shared by ``crmbot campaign …`` and ``/crm campaign …``.

One grammar for both, so what works at the command line works in Slack and the console:
``campaign schedule Spring launch --at 2026-12-01 09:00``. In chat, names and times may be
written without quotes (their words are joined), typographic quotes count as quotes, and
the options that only make sense on a machine with files (``--template-file``, ``--chart``,
``--by``) are not offered.
"""
from __future__ import annotations

import argparse
import re
import shlex
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.templating import render
from crm.errors import InvalidInput, NotFound
from crm.importer import parse_money
from crm.models import Agent

# What each command does to the CRM: reading ones answer at once, changing ones are confirmed first.
READING = ("list", "templates", "preview", "stats", "test")
CHANGING = ("create", "schedule", "pause", "resume", "cancel")
ALL = READING + CHANGING
WORDY = ("name", "lead", "at", "cron", "sender")  # nargs="+": quotes optional
FILTERS = ("status", "project", "unit-type", "source")
WORDS = ("campaign", "campaigns")
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
_KEPT = "\x00"
_DASHED_OPTION = re.compile(r"(?<!\S)[—–](?=[a-z])")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "«": '"', "»": '"'})


@dataclass(frozen=True)
class CampaignRequest:
    """One campaign command from chat: the action, the campaign's name, the options as JSON."""

    op: str
    name: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def changes(self) -> bool:
        return self.op in CHANGING


class GrammarError(InvalidInput):
    """A campaign command that does not parse; the message says how to write it."""


class _ChatParser(argparse.ArgumentParser):
    """argparse that raises instead of printing and exiting (a chat has no stderr)."""

    def error(self, message: str) -> NoReturn:
        action = self.prog.split()[-1]
        raise GrammarError(f"{message}\nUsage: {chat_usage(action if action in ALL else None)}")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise GrammarError(message or "")


def add_actions(csub: Any, *, cli: bool) -> dict[str, argparse.ArgumentParser]:
    """Add every campaign action to ``csub`` (an argparse subparsers object); returns them by name."""
    parsers: dict[str, argparse.ArgumentParser] = {}

    def action(name: str, helptext: str, **kw: Any) -> argparse.ArgumentParser:
        p = csub.add_parser(name, help=helptext, **({} if cli else {"add_help": False}), **kw)
        parsers[name] = p
        return p

    def campaign_name(p: argparse.ArgumentParser) -> None:
        p.add_argument("name", nargs="+", help="the campaign's name (quotes optional)")

    action("list", "list campaigns")
    action("templates", "list the templates in templates/campaigns/")

    create = action("create", "create a draft campaign",
                    description="Create a draft campaign. Audience filters narrow the leads; repeat a filter for "
                    "alternatives (--status new --status contacted). Opted-out and bouncing leads, and leads without "
                    "email, are always left out.")
    campaign_name(create)
    if cli:
        src = create.add_mutually_exclusive_group(required=True)
        src.add_argument("--template", help="a template name from templates/campaigns/ (see `campaign templates`)")
        src.add_argument("--template-file", help="a template file with subject, text and html blocks")
    else:
        create.add_argument("--template", required=True, help="a template name (see `campaign templates`)")
    create.add_argument("--sender", nargs="+", help="From address, e.g. 'Alex Morgan <alex@agency.example>' "
                        "(default: the agent, else CRMBOT_MAIL_FROM)")
    for flag in FILTERS:
        create.add_argument(f"--{flag}", action="append", default=[], metavar=flag.upper().replace("-", "_"))
    create.add_argument("--owner", action="append", default=[], metavar="AGENT_EMAIL")
    create.add_argument("--budget-min", metavar="AMOUNT", help="budget reaches at least this (900k, 1.2m, …)")
    create.add_argument("--budget-max", metavar="AMOUNT", help="budget starts at or below this")
    create.add_argument("--contacted-before", metavar="DATE", help="not contacted since DATE (YYYY-MM-DD)")
    create.add_argument("--contacted-after", metavar="DATE", help="last contacted on or after DATE")
    create.add_argument("--rate", type=float, metavar="PER_SECOND", help="at most this many emails per second")
    create.add_argument("--max-failures", type=int, default=10, help="pause after this many failures in a row")
    create.add_argument("--timezone", help="IANA time zone for the schedule (default: the agent's)")
    create.add_argument("--passages", type=int, default=0,
                        help="add this many passages about the lead's project from the documents (0-5)")
    create.add_argument("--personal-paragraph", action="store_true",
                        help="add a paragraph written by the configured LLM from those passages")

    preview = action("preview", "show the email one lead would get")
    campaign_name(preview)
    preview.add_argument("--lead", required=True, nargs="+", metavar="NAME_OR_EMAIL")
    if cli:
        preview.add_argument("--html", action="store_true", help="show the HTML part too")
        preview.add_argument("--raw", action="store_true", help="print the whole message as sent")

    test = action("test", "send one email to an agent" if cli else "send one email to yourself")
    campaign_name(test)
    if cli:
        test.add_argument("--to", metavar="AGENT_EMAIL", help="the agent to send it to (default: the --by agent)")
    test.add_argument("--lead", nargs="+", metavar="NAME_OR_EMAIL",
                      help="render it for this lead (default: the first in the audience)")

    sched = action("schedule", "send once at a time, now, or on a cron rule")
    campaign_name(sched)
    when = sched.add_mutually_exclusive_group(required=True)
    when.add_argument("--at", nargs="+", metavar="'YYYY-MM-DD HH:MM'", help="local time in the campaign's time zone")
    when.add_argument("--cron", nargs="+", metavar="'m h dom mon dow'",
                      help="e.g. '0 9 * * MON'; each run adds new audience members")
    when.add_argument("--now", action="store_true")
    sched.add_argument("--timezone", help="IANA time zone (default: the campaign's)")

    for name, helptext in (("pause", "stop sending for now"), ("resume", "carry on after a pause"),
                           ("cancel", "stop for good")):
        campaign_name(action(name, helptext))

    stats = action("stats", "what came back: sent, replies, opt-outs, bounces, goals")
    campaign_name(stats)
    if cli:
        stats.add_argument("--chart", metavar="OUT.png", help="also draw the funnel as a PNG")
        stats.add_argument("--json", action="store_true", help="print JSON")
    return parsers


def joined(value: list[str] | str | None) -> str | None:
    """Words given without quotes (``nargs="+"``) back into one string."""
    if value is None:
        return None
    return " ".join(value) if isinstance(value, list) else value


def join_words(ns: argparse.Namespace) -> argparse.Namespace:
    """Every option that may be given as several words (``WORDY``) as one string, in place."""
    for key in WORDY:
        if hasattr(ns, key):
            setattr(ns, key, joined(getattr(ns, key)))
    return ns


def _chat_parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    parser = _ChatParser(prog="campaign", add_help=False)
    csub = parser.add_subparsers(dest="op", metavar="ACTION", required=True, parser_class=_ChatParser)
    return parser, add_actions(csub, cli=False)


def is_campaign_command(text: str) -> bool:
    words = (text or "").strip().lower().split(None, 1)
    return bool(words) and words[0] in WORDS


def parse_chat(text: str) -> CampaignRequest | None:
    """``campaign …`` typed in chat as a request; None when the text is not a campaign command.

    Raises ``GrammarError`` (a user-safe message with the usage) when it is one but does not parse.
    """
    if not is_campaign_command(text):
        return None
    # Phones and Macs turn "--at" into "—at": a dash starting a word is an option's two hyphens.
    text = _DASHED_OPTION.sub("--", text.replace(_KEPT, "").translate(_QUOTES))
    # An apostrophe inside a word (O'Brien, O’Brien) is a letter, not a quote.
    protected = _APOSTROPHE.sub(_KEPT, text)
    try:
        tokens = [t.replace(_KEPT, "'") for t in shlex.split(protected)]
    except ValueError:
        raise GrammarError(f"a quote is not closed\nUsage: {chat_usage()}") from None
    first = tokens.pop(0).lower()
    if not tokens:
        return CampaignRequest(op="list" if first == "campaigns" else "help")
    if tokens[0].lower() in ("help", "-h", "--help", "?"):
        return CampaignRequest(op="help")
    tokens[0] = tokens[0].lower()
    parser, actions = _chat_parser()
    if tokens[0] in actions and any(t in ("-h", "--help") for t in tokens[1:]):
        return CampaignRequest(op="help", options={"action": tokens[0]})
    if tokens[0] not in actions:
        raise GrammarError(f"unknown campaign action {tokens[0]!r}\nUsage: {chat_usage()}")
    ns = join_words(parser.parse_args(tokens))
    options = {k: v for k, v in vars(ns).items() if k not in ("op", "name")}
    return CampaignRequest(op=ns.op, name=getattr(ns, "name", None), options=options)


def chat_usage(action: str | None = None) -> str:
    """How ``action`` (or every action) is written in chat."""
    return render("brain/campaign/usage.j2", action=action).strip()


# -- from options to what the campaign service takes -----------------------------------------------


def money(raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        return parse_money(raw)
    except ValueError:
        raise InvalidInput(f"{raw!r} is not an amount (try 900000, 900k or 1.2m)") from None


def day(raw: str | None, tz: ZoneInfo) -> str | None:
    if raw is None:
        return None
    try:
        when = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput(f"{raw!r} is not a date (use YYYY-MM-DD)") from None
    return (when if when.tzinfo else when.replace(tzinfo=tz)).isoformat()


def agent_by_email(session: Session, email: str) -> Agent:
    agent = session.scalar(select(Agent).where(func.lower(Agent.email) == email.strip().lower()))
    if agent is None:
        raise NotFound(f"no agent with email {email}")
    return agent


def audience(session: Session, options: dict[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    """The audience filters of a ``create`` command, with agents' emails turned into ids."""
    return {
        "status": list(options.get("status") or []), "project": list(options.get("project") or []),
        "unit_type": list(options.get("unit_type") or []), "source": list(options.get("source") or []),
        "owner_ids": [agent_by_email(session, e).id for e in options.get("owner") or []],
        "budget_min": money(options.get("budget_min")), "budget_max": money(options.get("budget_max")),
        "contacted_before": day(options.get("contacted_before"), tz),
        "contacted_after": day(options.get("contacted_after"), tz),
    }
