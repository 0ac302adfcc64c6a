"""What the understanding step returns: plain data, no behaviour."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

AGENT_INTENTS = (
    "update_status",
    "log_interaction",
    "schedule_follow_up",
    "show_lead",
    "ask_documents",
    "ask_data",
    "help",
    "unknown",
)
LEAD_INTENTS = (
    "unsubscribe",
    "not_interested",
    "meeting_request",
    "question",
    "interested",
    "auto_reply",
    "other",
)
# Intents that act on one lead: a missing lead is taken from the conversation.
LEAD_ACTIONS = ("update_status", "log_interaction", "schedule_follow_up", "show_lead")


@dataclass
class Action:
    """One thing the speaker asked for (or, on the lead channel, what the lead's reply means).

    ``fields`` holds whatever the intent needs: ``lead_id``, ``lead`` (name), ``ambiguous``,
    ``candidates`` (list of ``crm.lookup.LeadCandidate``), ``owned_by_other``, ``status``, ``kind``,
    ``note``, ``title``, ``due`` (aware datetime), ``due_grain`` ('minute'|'day'), ``due_text``,
    ``due_past`` (the time asked for has already gone), ``due_rolled`` (a bare time already past
    today was moved to tomorrow).
    """

    intent: str
    fields: dict[str, Any] = field(default_factory=dict)
    confidence: float = 1.0
    span: tuple[int, int] = (0, 0)


@dataclass
class Understanding:
    actions: list[Action] = field(default_factory=list)
    reply: str | None = None  # 'yes' | 'no' | 'cancel' | 'choice'
    choice: int | None = None  # 1-based
    clarify: str | None = None  # why the bot should ask rather than act

    @property
    def intents(self) -> list[str]:
        return [a.intent for a in self.actions]
