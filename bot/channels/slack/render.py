"""Replies as Block Kit: pure functions from data to the JSON Slack expects.

Limits from https://api.slack.com/reference/block-kit/blocks: a section's text is at most 3000
characters, a message at most 50 blocks, a context block at most 10 elements, a button's text
at most 75 characters and its value at most 2000. Text is Slack mrkdwn, in which ``&``, ``<``
and ``>`` must be escaped (https://api.slack.com/reference/surfaces/formatting#escaping).
"""
from __future__ import annotations

import json
from typing import Any, Iterable, Mapping

from bot.messages import Choice, Reply, Source
from bot.templating import render as render_template

SECTION_MAX = 3000
BLOCKS_MAX = 50
CONTEXT_MAX = 10
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
TABLE_ROWS_MAX = 40
EXCERPT_MAX = 200

# Every interactive element the bot renders has an action_id with this prefix, so one Bolt
# listener (a regular expression on action_id) receives every press.
ACTION_PREFIX = "crm_"
INTERACTIVE_KINDS = ("plan", "question", "reminder", "proposal")

Block = dict[str, Any]


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def label(name: str, **ctx: object) -> str:
    return render_template("slack/label.j2", label=name, **ctx)


def is_ephemeral(reply: Reply) -> bool:
    """Errors are only ever shown to the person who caused them."""
    return reply.ephemeral or reply.kind == "error"


def image_title(reply: Reply) -> str:
    """The title of a reply's picture: its first line, without mrkdwn stars."""
    first = (reply.text or "").strip().split("\n", 1)[0].replace("*", "")
    return _truncate(first, 200) or "chart"


def fallback_text(reply: Reply) -> str:
    """The plain ``text`` Slack shows in notifications and screen readers."""
    return _truncate(reply.text or "", 300)


def reply_blocks(reply: Reply, *, extra_action: Mapping[str, Any] | None = None) -> list[Block]:
    """A Reply as blocks. Errors stay plain: their words only, no decoration.

    ``extra_action`` is merged into every button's action (e.g. the follow-up a reminder is about).
    """
    blocks: list[Block] = [_section(chunk) for chunk in _chunks(escape(reply.text))] if reply.text else []
    if reply.kind == "error":
        return blocks[:BLOCKS_MAX]
    if reply.table:
        blocks.extend(table_blocks(reply.table))
    if reply.sources:
        blocks.extend(source_blocks(reply.sources))
    choices = list(reply.choices)
    if not choices and reply.kind == "plan" and reply.plan_id:
        choices = [Choice(label("confirm"), "confirm", "primary"), Choice(label("cancel"), "cancel", "danger")]
    if choices and reply.kind in INTERACTIVE_KINDS:
        blocks = blocks[: BLOCKS_MAX - 1]
        blocks.append(actions_block(reply, choices, extra_action=extra_action))
    return blocks[:BLOCKS_MAX]


def actions_block(reply: Reply, choices: Iterable[Choice], *, extra_action: Mapping[str, Any] | None = None) -> Block:
    elements = []
    for i, choice in enumerate(list(choices)[:25]):
        button: Block = {
            "type": "button",
            "action_id": f"{ACTION_PREFIX}{reply.kind}_{i}",
            "text": {"type": "plain_text", "text": _truncate(choice.label, BUTTON_TEXT_MAX), "emoji": True},
            "value": encode_action({**{k: v for k, v in (extra_action or {}).items() if v is not None},
                                    **action_for(reply, choice, i)}),
        }
        if choice.style in ("primary", "danger"):
            button["style"] = choice.style
        elements.append(button)
    block: Block = {"type": "actions", "elements": elements}
    if reply.plan_id:
        block["block_id"] = f"{ACTION_PREFIX}plan_{reply.plan_id}"
    return block


def action_for(reply: Reply, choice: Choice, index: int) -> dict[str, Any]:
    """What pressing ``choice`` means, as the Message.action the brain receives.

    A choice's value may be a whole action (a JSON object), a decision ("confirm", "cancel",
    "done", "snooze", ...) or the number of an option in a question.
    """
    value = choice.value
    action: dict[str, Any]
    parsed = _json_object(value)
    if parsed is not None:
        action = dict(parsed)
    elif reply.kind == "question":
        action = {"decision": "choice", "choice": int(value) if value.lstrip("-").isdigit() else value,
                  "index": index}
    else:
        action = {"decision": value}
    if reply.plan_id and "plan_id" not in action:
        action["plan_id"] = reply.plan_id
    return action


def encode_action(action: Mapping[str, Any]) -> str:
    value = json.dumps(action, separators=(",", ":"), sort_keys=True, default=str)
    if len(value) > BUTTON_VALUE_MAX:
        raise ValueError("button action too large for Slack")
    return value


def decode_action(value: str | None) -> dict[str, Any] | None:
    """The action a button carries, or None for a value the bot did not write."""
    parsed = _json_object(value or "")
    return dict(parsed) if parsed is not None else None


def table_blocks(table: tuple[tuple[str, ...], ...]) -> list[Block]:
    """A table as monospace text: Block Kit has no table block for bot messages."""
    rows = [tuple(str(c) for c in r) for r in table]
    extra = max(0, len(rows) - 1 - TABLE_ROWS_MAX)
    rows = rows[: TABLE_ROWS_MAX + 1]
    width = max(len(r) for r in rows)
    rows = [r + ("",) * (width - len(r)) for r in rows]
    widths = [min(40, max(len(r[i]) for r in rows)) for i in range(width)]

    def line(r: tuple[str, ...]) -> str:
        return "  ".join(_truncate(c, widths[i]).ljust(widths[i]) for i, c in enumerate(r)).rstrip()

    lines = [line(rows[0]), "  ".join("-" * w for w in widths).rstrip(), *(line(r) for r in rows[1:])]
    blocks: list[Block] = []
    chunk: list[str] = []
    size = 0
    for text in lines:
        text = escape(text)
        if chunk and size + len(text) + 1 > SECTION_MAX - 8:
            blocks.append(_section("```" + "\n".join(chunk) + "```"))
            chunk, size = [], 0
        chunk.append(text)
        size += len(text) + 1
    if chunk:
        blocks.append(_section("```" + "\n".join(chunk) + "```"))
    if extra:
        blocks.append(_context([label("more_rows", count=extra)]))
    return blocks


def source_blocks(sources: tuple[Source, ...]) -> list[Block]:
    """Citations as small grey context lines under the answer."""
    elements = []
    for s in sources[:CONTEXT_MAX]:
        if s.ref == "sql":
            # Inline code cannot span lines in mrkdwn, so the query is shown on one line.
            sql = _truncate(" ".join(s.detail.split()), 500)
            text = f":mag: *{escape(s.title)}*" + (f"\n`{escape(sql)}`" if sql else "")
        else:
            text = f":page_facing_up: *{escape(s.title)}*" + (f" · {escape(s.detail)}" if s.detail else "")
            if s.excerpt:
                text += f"\n> {escape(_truncate(' '.join(s.excerpt.split()), EXCERPT_MAX))}"
        elements.append(text)
    return [_context(elements)] if elements else []


def settled_blocks(original: list[Block] | None, reply: Reply | None, *, state: str, user: str | None = None,
                   choice: str | None = None) -> list[Block]:
    """A message after its buttons were used: the same content, the buttons replaced by the outcome.

    The outcome line is what the whole channel sees, so it says who decided and what happened.
    """
    kept = [b for b in (original or []) if b.get("type") != "actions"]
    if not kept and reply is not None and reply.text:
        kept = [_section(chunk) for chunk in _chunks(escape(reply.text))]
    detail = ""
    if reply is not None and reply.text and original:
        detail = escape(_truncate(" ".join(reply.text.split()), 1500))
    note = render_template("slack/settled.j2", state=state, user=user, choice=escape(choice) if choice else None,
                           detail=detail)
    return [*kept[: BLOCKS_MAX - 1], _context([note])]


def help_blocks(*, undo_minutes: int) -> list[Block]:
    return [_section(chunk) for chunk in _chunks(render_template("slack/help.j2", undo_minutes=undo_minutes))]


def text_blocks(text: str) -> list[Block]:
    """Already-formatted mrkdwn (from the bot's own templates) as sections."""
    return [_section(chunk) for chunk in _chunks(text)]


def first_text(blocks: list[Block] | None) -> str:
    """The text of the first section: what a settled message was about."""
    for b in blocks or []:
        if b.get("type") == "section" and isinstance(b.get("text"), dict):
            return str(b["text"].get("text", ""))
    return ""


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(texts: list[str]) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _truncate(t, SECTION_MAX)} for t in texts]}


def _chunks(text: str, size: int = SECTION_MAX) -> list[str]:
    """Split at line breaks (or hard, for one huge line) into pieces a section can hold."""
    out: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > size:
            if current:
                out.append(current)
                current = ""
            out.append(line[:size])
            line = line[size:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > size:
            out.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        out.append(current)
    return out


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def _json_object(value: str) -> dict[str, Any] | None:
    if not value.startswith("{"):
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None
