"""What the sender actually wrote: a reply without its quoted history and trailing signature.

The text is read line by line and every line is marked, as mailgun/talon and
github/email_reply_parser do:

- ``e`` empty, ``m`` quoted (starts with ">"), ``f`` a forward marker,
- ``s`` a splitter: the attribution ("On <date>, <who> wrote:", in many languages), an Outlook
  header block ("From: / Sent: / To: / Subject:"), "-----Original Message-----",
- ``t`` text.

Everything after a splitter is history. When quoted (">") lines follow the splitter, text
after them is the sender's own (bottom-posting or inline answers), so it is kept; when plain
text follows, the original message was pasted without markers (Outlook) and it all goes.
A message that only forwards something ("FYI" above "---------- Forwarded message ----------")
is kept whole: the forwarded text is what the sender means to share.

Signatures are stripped only at the very bottom of the message ("-- " per RFC 3676 section
4.3, "Sent from my iPhone" and its translations, mailing-list footers). A signature that sits
above ">" quoted history is left alone, as talon does: it is part of what the sender typed. A
phone's "Sent from my …" line above unquoted text is different: a phone appends it at the end
of what was typed, so the text under it is the original message pasted below, and the line
starts the history.

A splitter is recognised by its wording in many languages, and also by its shape: a short line
naming an address, a day and a time and ending with a colon introduces a quote in any language.
"""
from __future__ import annotations

import re

from handlers.email_in import markers
from handlers.email_in.htmltext import html_to_text

# Beyond these the rest of a message is ignored: a reply is never that long, and the
# patterns must stay fast on pathological input (a 750 KB line of ">").
MAX_LINES = 3000
MAX_PATTERN_LINE = 1000
SPLITTER_MAX_LINES = 6
SIGNATURE_MAX_LINES = 15
SHORT_SIGNATURE_MAX_LINES = 6
ATTRIBUTION_MAX_CHARS = 250

# The HTML renderer writes this line where a client's quote container begins.
CUT_MARKER = "\ue000quoted-history\ue000"

TEXT, EMPTY, QUOTE, SPLIT, FORWARD = "t", "e", "m", "s", "f"

_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060-\u2064\ufeff]")
_QUOTE_LINE = re.compile(r"^[ \t]*>")
_QUOTE_PREFIX = re.compile(r"^(?:> ?)+")
_ENDS_LIKE_ATTRIBUTION = re.compile(r"(?:[:：\-]|" + markers.WROTE_RE + r"[\s:：.*\-]*)\s*$", re.I)
_EMAIL = re.compile(markers.EMAIL_RE)
# "Name <name@example.com>" or a bare address, alone: who wrote the quoted message.
_SENDER = re.compile(r"^\s*(?:[^<>@\n]{0,60}<\s*" + markers.EMAIL_RE + r"\s*>|" + markers.EMAIL_RE + r")\s*$")
_DIGIT = re.compile(r"\d")
_SENTENCE_END = re.compile(r"[.!?]\s*$")
# A question, an exclamation or a full stop before a capital: prose, not an attribution line.
_SENTENCE_INSIDE = re.compile(r"[?!]|[.;]\s+[A-Z]")
_LINK_OPEN = re.compile(r"[(<]\s*(?:https?://|www\.)[^)>\s]*$")
_LINK_START = re.compile(r"^\s*[(<]?\s*(?:https?://|www\.)")
# RFC 3676 section 4.3: "-- " alone on a line; "--" is its common mangled form.
_RFC_DELIMITER = re.compile(r"^--\s*$")
# Other rules people put above a signature or a list footer: "----", "______", "—————".
_RULE = re.compile(r"^\s*(?:-{2,}|_{2,}|—{1,}|–{2,})\s*$")
RULED_SIGNATURE_MAX_LINES = 10
_LIST_ITEM = re.compile(r"^\s*(?:[-*•+]|\d+[.)])\s")
_DASH_ITEM = re.compile(r"^\s*-{1,2}\s*\w")


def visible_text(text: str) -> str:
    """The new text of a plain-text reply (without quoted history and bottom signature)."""
    return _visible(_prepare(text or ""))


def visible_text_html(html: str) -> str:
    """The new text of an HTML reply, as plain text. Quoting is explicit in HTML, so even one
    quoted line is a quote. When nothing would remain (the whole message sits in a quote),
    the whole text is returned, as talon does."""
    text = html_to_text(html or "", cut_marker=CUT_MARKER)
    visible = _visible(_prepare(text), explicit_quotes=True, unquote=True)
    if visible:
        return visible
    whole = _prepare(html_to_text(html or ""))
    return _join(whole, [True] * len(whole), unquote=True)


def strip_signature(text: str) -> str:
    """``text`` without the signature blocks at its bottom."""
    lines = _prepare(text or "")
    keep = [True] * len(lines)
    _strip_bottom_signatures(lines, keep)
    return _join(lines, keep)


# --- preparation ---------------------------------------------------------------------------

def _prepare(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text).replace("\u00a0", " ")
    lines = text.split("\n")[:MAX_LINES]
    return _split_shared_lines(lines)


_WROTE_AT_END = re.compile(r"(?i:" + markers.WROTE_RE + r")[\s:：.*\-]*$", re.UNICODE)
_INTRO_WORD = re.compile(r"(?:-+\s*)?(?<![\w-])(?:" + markers.INTRO_RE + r")\s", re.UNICODE)


def _split_shared_lines(lines: list[str]) -> list[str]:
    """"reply On <date>, <who> wrote:" on one line becomes two lines (talon does the same)."""
    out: list[str] = []
    for line in lines:
        if (len(line) < MAX_PATTERN_LINE and not _QUOTE_LINE.match(line) and not markers.INTRO_START.match(line)
                and _WROTE_AT_END.search(line[-80:])):
            for match in _INTRO_WORD.finditer(line):
                before, splitter = line[: match.start()].rstrip(), line[match.start():]
                if _SENDER.match(before):
                    out.append(line)  # "Name <address> 在 <date> 写道：": the sender opens the attribution
                    break
                if before.strip() and _looks_dated(splitter) and markers.ON_DATE_WROTE.match(splitter):
                    out.append(before)
                    out.append(splitter)
                    break
            else:
                out.append(line)
            continue
        out.append(line)
    return out


def _looks_dated(text: str) -> bool:
    return bool(_DIGIT.search(text) or "@" in text)


# --- marking -------------------------------------------------------------------------------

def _mark(lines: list[str]) -> list[str]:
    marks: list[str] = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        if not line.strip():
            marks.append(EMPTY)
        elif line == CUT_MARKER:
            marks.append(SPLIT)
        elif _QUOTE_LINE.match(line):
            marks.append(QUOTE)
        elif len(line) > MAX_PATTERN_LINE:
            marks.append(TEXT)
        elif markers.FORWARDED.match(line):
            marks.append(FORWARD)
        else:
            span = _splitter_span(lines, i)
            if span:
                marks.extend(SPLIT * span)
                i += span
                continue
            marks.append(TEXT)
        i += 1
    _mark_attributions_above_quotes(lines, marks)
    _mark_wrapped_lines_in_quotes(lines, marks)
    _mark_device_signatures_above_history(lines, marks)
    return marks


def _splitter_span(lines: list[str], i: int) -> int:
    """How many lines from ``i`` form a splitter (0 when none does)."""
    line = lines[i]
    if markers.ORIGINAL_MESSAGE.match(line):
        return 1
    span = _header_block_span(lines, i)
    if span:
        return span
    first = line.strip()
    if not _worth_trying(first, lines, i):
        return 0
    window: list[str] = []
    contiguous = True
    for j in range(i, min(i + SPLITTER_MAX_LINES, len(lines))):
        current = lines[j].strip()
        contiguous = contiguous and bool(current)
        if j > i:
            if len(lines[j]) > MAX_PATTERN_LINE or markers.INTRO_START.match(lines[j]):
                break
            if _QUOTE_LINE.match(lines[j]) and len(current) > 20:
                break
        if current:
            window.append(current.lstrip("> ") if j > i else current)
        if not current and j > i:
            continue
        joined = " ".join(window)
        if len(joined) > 400:
            break
        if not _ENDS_LIKE_ATTRIBUTION.search(joined[-80:]):
            continue
        if j > i and _SENTENCE_END.search(first) and not markers.INTRO_START.match(line):
            break
        if _is_attribution(joined) or (contiguous and _is_dated_address_line(joined)):
            if j > i and not _can_open_attribution(first):
                return 0  # the attribution starts on a later line; this one is the sender's text
            return j - i + 1
        if current.endswith((":", "：")):
            break  # an attribution ends at its colon; lines further down belong to something else
    return 0


def _can_open_attribution(line: str) -> bool:
    """Whether a line may be the first of an attribution that wraps onto the next lines."""
    return bool(
        markers.INTRO_START.match(line) or _DIGIT.search(line) or "@" in line
        or line.startswith("-") or line.endswith(("<", "(", '"', ","))
    )


def _worth_trying(first: str, lines: list[str], i: int) -> bool:
    if markers.INTRO_START.match(first) or first.startswith("-"):
        return True
    return bool(_DIGIT.search(first) or "@" in first or _ENDS_LIKE_ATTRIBUTION.search(first[-80:]) or (
        i + 1 < len(lines) and "@" in lines[i + 1]
    ))


def _is_attribution(joined: str) -> bool:
    if markers.INTRO_START.match(joined) and markers.ON_DATE_WROTE.match(joined):
        if _looks_dated(joined) or "," in joined:
            return True
    if markers.ON_DATE_WROTE_SOMEONE.match(joined):
        return True
    if markers.DASHED_SOMEONE_WROTE.match(joined):
        return True
    if markers.SOMEONE_EMAIL_WROTE.match(joined):
        return True
    if markers.SOMEONE_WROTE_ON_DATE.match(joined) and _looks_dated(joined):
        return True
    return bool(markers.DATE_FIRST_ATTRIBUTION.match(joined))


def _is_dated_address_line(joined: str) -> bool:
    """A short line naming an address, a day and a time and ending with a colon introduces a
    quote whatever its language: "11:00 AM, November 17, 2021, "John" <john@example.com>:",
    "Wiadomość napisana przez Jan <jan@example.com> w dniu 17.01.2023, o godz. 11:09:"."""
    stripped = joined.strip()
    return (
        len(stripped) <= ATTRIBUTION_MAX_CHARS
        and stripped.endswith((":", "："))
        and not _SENTENCE_INSIDE.search(stripped)
        and bool(_EMAIL.search(stripped))
        and bool(markers.DAY.search(stripped))
        and bool(markers.CLOCK_TIME.search(stripped))
    )


def _header_block_span(lines: list[str], i: int) -> int:
    """Lines of an Outlook-style header block starting at ``i``: at least two different header
    names, one of them the sender or the date, one header per line (a value may wrap once)."""
    kind = _plausible_header_kind(lines[i]) if len(lines[i]) < MAX_PATTERN_LINE else None
    if kind is None:
        return 0
    kinds = {kind} | markers.inline_header_kinds(markers.HEADER_LINE.match(lines[i]).group("value"))
    last = i
    j = i + 1
    wrapped = False
    while j < len(lines) and j - last <= 2:
        line = lines[j]
        if len(line) >= MAX_PATTERN_LINE:
            break
        if not line.strip():
            # Outlook sometimes leaves an empty line inside the block; only a header may follow it.
            if j + 1 < len(lines) and _plausible_header_kind(lines[j + 1]) and not wrapped:
                j += 1
                continue
            break
        next_kind = _plausible_header_kind(line)
        if next_kind:
            kinds.add(next_kind)
            last = j
            wrapped = False
        elif wrapped or j - last > 1:
            break
        else:
            wrapped = True
        j += 1
    if len(kinds) >= 2 and kinds & {"from", "date"}:
        if "date" not in kinds and not any(line.strip() for line in lines[:i]):
            return 0  # "From: me / To: support" opening a message is its own text, not quoted history
        return last - i + 1
    if kinds == {"from"} and last == i and _lone_sender_line(lines, i):
        return 1
    return 0


def _lone_sender_line(lines: list[str], i: int) -> bool:
    """"From: someone@example.com" alone between empty lines (or under a rule) is what some
    clients leave of the header block."""
    value = markers.HEADER_LINE.match(lines[i]).group("value")
    if "@" not in value or i == 0:
        return False
    above = lines[i - 1]
    below = lines[i + 1] if i + 1 < len(lines) else ""
    return (not above.strip() or bool(markers.SEPARATOR.match(above))) and (
        not below.strip() or bool(_QUOTE_LINE.match(below))
    )


def _plausible_header_kind(line: str) -> str | None:
    """The header's kind when its value fits it: a "Date:" or "Sent:" must hold a number
    ("Date: Friday" in a message is not a quoted header)."""
    kind = markers.header_kind(line)
    if kind == "date":
        value = markers.HEADER_LINE.match(line).group("value")
        if not _DIGIT.search(value):
            return None
    return kind


def _mark_attributions_above_quotes(lines: list[str], marks: list[str]) -> None:
    """A short line right above quoted lines that names a sender or a date introduces the quote:
    "2011/4/7 Nathan <support@example.com>", "Bob wrote:"."""
    n = len(lines)
    for i, mark in enumerate(marks):
        if mark != TEXT:
            continue
        k = i + 1
        while k < n and marks[k] == EMPTY:
            k += 1
        if k >= n or marks[k] != QUOTE:
            continue
        line = lines[i].strip()
        if len(line) > 300:
            continue
        if markers.SOMEONE_WROTE.match(line):
            marks[i] = SPLIT
        elif _EMAIL.search(line) and (markers.DATE_OR_TIME.search(line) or line.endswith((":", "：", ">"))):
            marks[i] = SPLIT
        elif line.endswith((":", "：")) and markers.DATE_OR_TIME.search(line) and len(line) < 160:
            marks[i] = SPLIT


def _mark_wrapped_lines_in_quotes(lines: list[str], marks: list[str]) -> None:
    """A long quoted line or link that a client wrapped again leaves a line without ">" between
    quoted lines; it still belongs to the quote. An answer written inline starts its own line."""
    for i in range(1, len(lines) - 1):
        if marks[i] == TEXT and marks[i - 1] == QUOTE and marks[i + 1] == QUOTE:
            previous = lines[i - 1].rstrip()
            if _LINK_START.match(lines[i]) or _LINK_OPEN.search(previous):
                marks[i] = QUOTE
            elif len(previous) >= 60 and lines[i][:1].islower() and not _SENTENCE_END.search(previous):
                marks[i] = QUOTE


def _mark_device_signatures_above_history(lines: list[str], marks: list[str]) -> None:
    """A phone's "Sent from my iPhone" closes what the sender typed: unquoted text under it is the
    original that the client pasted below (with or without an Outlook header block), so the
    line starts the history. Above a ">" quote it stays, as talon keeps it."""
    n = len(lines)
    typed_above = False
    for i, mark in enumerate(marks):
        if mark == QUOTE:
            typed_above = False
            continue
        if mark != TEXT:
            continue
        if not typed_above or not markers.DEVICE_SIGNATURE.match(lines[i]):
            typed_above = True
            continue
        j = _next_non_empty(marks, i + 1)
        if j is None or marks[j] in (QUOTE, FORWARD):
            continue
        if marks[j] == SPLIT:
            k = j
            while k < n and marks[k] == SPLIT:
                k += 1
            k = _next_non_empty(marks, k)
            if k is None or marks[k] == QUOTE:
                continue
        marks[i] = SPLIT
        return


def _next_non_empty(marks: list[str], start: int) -> int | None:
    return next((k for k in range(start, len(marks)) if marks[k] != EMPTY), None)


# --- deciding what stays ---------------------------------------------------------------------

def _quotes_are_real(marks: list[str]) -> bool:
    """">" lines are a quote when a splitter is present, or when there are at least two of them:
    a single stray ">>>" in a sentence is not mistaken for one."""
    return SPLIT in marks or marks.count(QUOTE) >= 2


def _decide(lines: list[str], marks: list[str], *, explicit_quotes: bool = False) -> list[bool]:
    n = len(lines)
    keep = [True] * n
    structural = [m for m in marks if m in (SPLIT, FORWARD, QUOTE)]
    if not structural:
        return keep
    if structural[0] == FORWARD:
        return keep  # a forward: the forwarded text is the message
    quotes = explicit_quotes or _quotes_are_real(marks)
    i = 0
    while i < n:
        mark = marks[i]
        if mark == QUOTE and quotes:
            keep[i] = False
        elif mark == FORWARD:
            _drop_from(keep, i)
            break
        elif mark == SPLIT:
            _drop_separators_above(lines, marks, keep, i)
            if lines[i] == CUT_MARKER:
                _drop_from(keep, i)
                break
            j = i
            while j < n and marks[j] == SPLIT:
                keep[j] = False
                j += 1
            k = j
            while k < n and marks[k] == EMPTY:
                k += 1
            if k < n and marks[k] == QUOTE:
                for e in range(j, k):
                    keep[e] = False
                i = k
                continue
            _drop_from(keep, i)
            break
        i += 1
    return keep


def _drop_from(keep: list[bool], start: int) -> None:
    for i in range(start, len(keep)):
        keep[i] = False


def _drop_separators_above(lines: list[str], marks: list[str], keep: list[bool], i: int) -> None:
    j = i - 1
    while j >= 0 and keep[j] and (
        marks[j] == EMPTY or markers.SEPARATOR.match(lines[j]) or markers.DASHED_TITLE.match(lines[j])
    ):
        if marks[j] != EMPTY:
            keep[j] = False
        j -= 1


# --- signatures ------------------------------------------------------------------------------

def _strip_bottom_signatures(lines: list[str], keep: list[bool]) -> None:
    """Drop signature blocks at the bottom of the message, one after another ("-- " block,
    then "Sent from my iPhone" above it, …). Nothing is dropped when the bottom of the message
    is quoted history: a signature above a quote stays."""
    last = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].strip()), None)
    if last is None or not keep[last]:
        return
    while True:
        kept = [i for i in range(len(lines)) if keep[i] and lines[i].strip()]
        start = _signature_start(lines, kept)
        if start is None:
            return
        for i in range(start, len(lines)):
            keep[i] = False


def _signature_start(lines: list[str], kept: list[int]) -> int | None:
    if len(kept) < 2:
        return None
    bottom = kept[-SIGNATURE_MAX_LINES:]
    for position in range(len(bottom) - 1, -1, -1):
        index = bottom[position]
        if index == kept[0]:
            return None
        size = len(bottom) - position
        line = lines[index]
        if markers.DEVICE_SIGNATURE.match(line) and size <= 2:
            return index
        if _RFC_DELIMITER.match(line):
            return index
        if (markers.SIGNATURE_DELIMITER.match(line) or _RULE.match(line)) and not _in_dash_list(lines, kept, index):
            block = [lines[i] for i in bottom[position + 1:]]
            if len(block) <= RULED_SIGNATURE_MAX_LINES and not any(_is_prose(b) for b in block):
                return index
        if markers.DASH_NAME.match(line) and size == 1:
            above = lines[kept[kept.index(index) - 1]]
            if not _LIST_ITEM.match(above) and not above.lstrip().startswith(("-", "–", "—")):
                return index
        if size >= SHORT_SIGNATURE_MAX_LINES and not _could_be_signature_line(line):
            return None
    return None


def _in_dash_list(lines: list[str], kept: list[int], index: int) -> bool:
    """"-- first point" between other lines that start with a dash is a list item."""
    if not _DASH_ITEM.match(lines[index]):
        return False
    position = kept.index(index)
    neighbours = [lines[kept[p]] for p in (position - 1, position + 1) if 0 <= p < len(kept)]
    return any(_DASH_ITEM.match(line) for line in neighbours)


def _could_be_signature_line(line: str) -> bool:
    return len(line.strip()) <= 80


def _is_prose(line: str) -> bool:
    """A sentence rather than a name, a title, a phone number or a link."""
    words = line.split()
    return (len(words) >= 6 and bool(_SENTENCE_END.search(line))) or len(words) >= 12


# --- output ----------------------------------------------------------------------------------

def _visible(lines: list[str], *, explicit_quotes: bool = False, unquote: bool = False) -> str:
    marks = _mark(lines)
    keep = _decide(lines, marks, explicit_quotes=explicit_quotes)
    _strip_bottom_signatures(lines, keep)
    return _join(lines, keep, unquote=unquote)


def _join(lines: list[str], keep: list[bool], *, unquote: bool = False) -> str:
    """The kept lines; with ``unquote``, without the "> " that HTML rendering put in front."""
    out: list[str] = []
    for line, kept in zip(lines, keep):
        if not kept:
            continue
        line = (_QUOTE_PREFIX.sub("", line) if unquote else line).rstrip()
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    return "\n".join(out).strip()
