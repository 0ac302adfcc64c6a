"""What channels and the brain exchange: a Message in, Replies out.

Channel adapters (Slack, console, email) turn their payloads into a Message and render a Reply
in their own format; they never touch the CRM. Replies are plain data, JSON-serialisable with
``to_dict``/``from_dict`` so they can be stored (notifications) and rendered later.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Channel = Literal["slack", "console", "email", "system"]
ReplyKind = Literal["info", "plan", "question", "answer", "done", "error", "help", "reminder", "proposal"]


@dataclass(frozen=True)
class Message:
    text: str
    agent_id: int | None  # the CRM agent speaking (None for a lead's email or an unlinked user)
    channel: Channel
    conversation_key: str  # e.g. "slack:C123:U456", "slack:thread:C1:1700.1", "console:alex@x", "email:<msg-id>"
    # A button press or a typed answer to the bot's own question, already structured by the adapter:
    # {"plan_id": "...", "decision": "confirm" | "cancel" | "choice", "choice": 2}
    action: dict[str, Any] | None = None
    meta: dict[str, Any] = field(default_factory=dict)  # adapter-specific, never read by the brain


@dataclass(frozen=True)
class Choice:
    label: str
    value: str  # what comes back as Message.action (JSON-encoded by the adapter)
    style: Literal["primary", "danger", "default"] = "default"


@dataclass(frozen=True)
class Source:
    """A citation: a document passage or the query that produced a data answer."""

    title: str
    ref: str  # document id, or "sql"
    detail: str = ""  # page/heading, or the SQL text
    excerpt: str = ""


@dataclass(frozen=True)
class Reply:
    text: str
    kind: ReplyKind = "info"
    plan_id: str | None = None
    choices: tuple[Choice, ...] = ()
    sources: tuple[Source, ...] = ()
    table: tuple[tuple[str, ...], ...] = ()  # first row is the header
    ephemeral: bool = False  # only the asker should see it (errors, refusals)
    image: str | None = None  # a PNG on this machine shown with the reply: uploaded to Slack, named in the console

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Reply":
        return cls(
            text=d["text"],
            kind=d.get("kind", "info"),
            plan_id=d.get("plan_id"),
            choices=tuple(Choice(**c) for c in d.get("choices", ())),
            sources=tuple(Source(**s) for s in d.get("sources", ())),
            table=tuple(tuple(r) for r in d.get("table", ())),
            ephemeral=d.get("ephemeral", False),
            image=d.get("image"),
        )
