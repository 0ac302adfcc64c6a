"""Fixed commands: recognised by exact rules, never sent to a language model.

help, yes / no / cancel (and their everyday spellings) and undo. Yes/no/cancel use the
understanding package's reply parser, which is a set of regular expressions.
"""
from __future__ import annotations

import re
from typing import Literal

from bot.understanding.replies import parse_reply

Fixed = Literal["help", "yes", "no", "cancel", "undo"]

_HELP = re.compile(r"^(?:help|\?|h|commands|menu|what can you do|how does this work|help me|help please)[\s!?.]*$")
_UNDO = re.compile(
    r"^(?:undo|revert|roll ?back)"
    r"(?:\s+(?:that|it|this|the last(?: one| plan| change)?|my last(?: plan| change)?|last|please))*[\s!.]*$"
)


def fixed_command(text: str) -> Fixed | None:
    t = " ".join(text.strip().lower().split())
    if not t:
        return None
    if _HELP.match(t):
        return "help"
    if _UNDO.match(t):
        return "undo"
    reply, _ = parse_reply(t)
    if reply in ("yes", "no", "cancel"):
        return reply  # type: ignore[return-value]
    return None


def parse_choice(text: str, count: int) -> int | None:
    """A 1-based pick among ``count`` options ("2", "the second one", "the last one"), if valid."""
    reply, n = parse_reply(text)
    if reply != "choice" or n is None:
        return None
    if n == -1:
        n = count
    return n if 1 <= n <= count else 0


# "move John Smith to hot", "mark her as lukewarm", "change his status to maybe": the word after
# the last "to"/"as" when the message reads as a status change the understander could not place.
_STATUS_CHANGE = re.compile(
    r"\b(?:move|moved|mark|marked|set|change|changed|put|update|updated|switch|switched|status|stage)\b"
    r".*\b(?:to|as|into)\s+[\"'“]?(?P<word>[a-z][a-z_ -]{0,30}?)[\"'”]?[\s.!]*$"
)


def status_change_word(text: str) -> str | None:
    m = _STATUS_CHANGE.search(" ".join(text.strip().lower().split()))
    return m.group("word").strip() if m else None
