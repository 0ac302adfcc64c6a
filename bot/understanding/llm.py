"""The optional language-model fallback, for messages the rules are unsure of.

Anything with ``complete_json(prompt, schema) -> dict`` will do; ``OpenAIJSON`` talks to any
OpenAI-compatible endpoint with a JSON-schema-constrained reply ("structured outputs"). The
answer is untrusted: every intent, status, kind, lead and due time is checked before it is used,
and any failure (network, timeout, malformed JSON) leaves the rules' reading in place.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any, Protocol

from crm.lookup import clear_winner, find_leads
from crm.models import INTERACTION_KINDS, LEAD_STATUSES

from bot.templating import render
from bot.understanding.dates import zone
from bot.understanding.leads import LeadRef
from bot.understanding.model import AGENT_INTENTS, LEAD_ACTIONS, Action, Understanding

log = logging.getLogger(__name__)

MAX_ACTIONS = 5
LLM_CONFIDENCE = 0.7


class JSONCompleter(Protocol):
    def complete_json(self, prompt: str, schema: dict[str, Any]) -> dict[str, Any]: ...


def action_schema() -> dict[str, Any]:
    nullable = lambda values: {"anyOf": [{"type": "string", "enum": list(values)}, {"type": "null"}]}  # noqa: E731
    text = {"anyOf": [{"type": "string"}, {"type": "null"}]}
    item = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "intent": {"type": "string", "enum": list(AGENT_INTENTS)},
            "lead": text,
            "status": nullable(LEAD_STATUSES),
            "kind": nullable(INTERACTION_KINDS),
            "due": text,
            "title": text,
            "note": text,
        },
        "required": ["intent", "lead", "status", "kind", "due", "title", "note"],
    }
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {"actions": {"type": "array", "items": item, "maxItems": MAX_ACTIONS}},
        "required": ["actions"],
    }


class OpenAIJSON:
    """``complete_json`` over an OpenAI-compatible chat completions endpoint."""

    def __init__(self, *, api_key: str | None, base_url: str | None, model: str, timeout: float = 10.0) -> None:
        self.api_key = api_key or "not-needed"
        self.base_url = base_url
        self.model = model
        self.timeout = timeout
        self._client = None

    @classmethod
    def from_settings(cls, settings) -> "OpenAIJSON":  # noqa: ANN001
        return cls(api_key=settings.openai_api_key, base_url=settings.openai_base_url, model=settings.llm_model)

    def _get_client(self):  # noqa: ANN202
        if self._client is None:
            from openai import OpenAI

            self._client = OpenAI(api_key=self.api_key, base_url=self.base_url, timeout=self.timeout, max_retries=1)
        return self._client

    def complete_json(self, prompt: str, schema: dict[str, Any]) -> dict[str, Any]:
        resp = self._get_client().chat.completions.create(
            model=self.model,
            messages=[{"role": "user", "content": prompt}],
            temperature=0,
            response_format={"type": "json_schema", "json_schema": {"name": "actions", "schema": schema, "strict": True}},
        )
        content = resp.choices[0].message.content or ""
        data = json.loads(content)
        if not isinstance(data, dict):
            raise ValueError("the reply is not a JSON object")
        return data


def refine(llm: JSONCompleter, text: str, rules_reading: Understanding, *, understander, speaker, now: datetime, tz: str,
           session) -> Understanding | None:
    """The model's reading of ``text`` when it is valid, else None (keep the rules' reading)."""
    names = sorted({a.fields["lead"] for a in rules_reading.actions if a.fields.get("lead")} |
                   {c.name for a in rules_reading.actions for c in a.fields.get("candidates", [])})
    prompt = render("nlu/agent_actions.j2", text=text, now=now.strftime("%Y-%m-%d %H:%M (%A)"), timezone=tz,
                    statuses=LEAD_STATUSES, kinds=INTERACTION_KINDS, leads=names)
    try:
        data = llm.complete_json(prompt, action_schema())
    except Exception as exc:  # the model is optional: any failure keeps the offline reading
        log.warning("language model unavailable for understanding (%s)", type(exc).__name__)
        return None
    actions = validate(data, now=now, tz=tz, session=session, speaker=speaker, span=(0, len(text)))
    if actions is None:
        log.warning("language model reply rejected: it does not fit the schema")
        return None
    if not actions:
        return None
    last: LeadRef | None = None
    for act in actions:
        if act.intent in LEAD_ACTIONS and act.fields.get("lead_id") is None and not act.fields.get("ambiguous") and last:
            act.fields.update(last.as_fields())
        if act.fields.get("lead_id"):
            last = LeadRef(act.fields["lead_id"], act.fields.get("lead"))
    from bot.understanding.understander import _clarify

    return Understanding(actions, clarify=_clarify(actions))


def validate(data: Any, *, now: datetime, tz: str, session, speaker, span: tuple[int, int]) -> list[Action] | None:
    """Actions from the model's JSON, or None when it is malformed in any way."""
    if not isinstance(data, dict) or not isinstance(data.get("actions"), list) or len(data["actions"]) > MAX_ACTIONS:
        return None
    out: list[Action] = []
    z = zone(tz)
    for item in data["actions"]:
        if not isinstance(item, dict) or item.get("intent") not in AGENT_INTENTS:
            return None
        fields: dict[str, Any] = {"source": "llm"}
        status, kind = item.get("status"), item.get("kind")
        if status is not None and status not in LEAD_STATUSES:
            return None
        if kind is not None and kind not in INTERACTION_KINDS:
            return None
        intent = item["intent"]
        if intent == "update_status":
            if status is None:
                return None
            fields["status"] = status
        if intent == "log_interaction":
            fields["kind"] = kind or "note"
        for key in ("title", "note"):
            if isinstance(item.get(key), str) and item[key].strip():
                fields[key] = item[key].strip()[:300]
        lead = item.get("lead")
        if lead is not None:
            if not isinstance(lead, str) or not lead.strip() or session is None:
                return None
            cands = find_leads(session, lead, actor=speaker)
            win = clear_winner(cands)
            if win is not None:
                fields.update({"lead_id": win.lead_id, "lead": win.name, "ambiguous": False, "candidates": [win]})
            elif cands:
                fields.update({"lead_id": None, "lead": None, "ambiguous": True, "candidates": cands})
            else:
                fields.update({"lead_id": None, "lead": None, "ambiguous": False})
        due = item.get("due")
        if due is not None:
            if not isinstance(due, str):
                return None
            try:
                when = datetime.fromisoformat(due.strip())
            except ValueError:
                return None
            when = when.replace(tzinfo=z) if when.tzinfo is None else when.astimezone(z)
            fields["due"] = when
            fields["due_grain"] = "minute"
            if when < now:
                fields["due_past"] = True
        out.append(Action(intent, fields, LLM_CONFIDENCE, span))
    return out
