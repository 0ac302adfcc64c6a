"""The brain's replies: data in, a ``Reply`` out, the words from templates/brain/."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Mapping

from bot.messages import Choice, Reply
from bot.templating import render
from crm.models import INTERACTION_KINDS, LEAD_STATUSES, Plan
from handlers.actions import (
    FollowUpOutcome,
    InvalidAction,
    LeadCard,
    LeadNotFound,
    NotOwner,
    Outcome,
    UndoOutcome,
    UnknownKind,
    UnknownStatus,
    lead_label,
    local_time,
)


def button(name: str, value: Mapping[str, Any], style: str = "default") -> Choice:
    """A choice whose value comes back as ``Message.action`` (JSON, decoded by the adapter)."""
    return Choice(label=render("brain/choices.j2", choice=name), value=json.dumps(dict(value), separators=(",", ":")),
                  style=style)  # type: ignore[arg-type]


def plan(p: Plan, *, ttl_minutes: int, lead_name: str | None = None) -> Reply:
    text = render("brain/plan.j2", summary=p.summary, minutes=ttl_minutes, source=p.source, lead_name=lead_name)
    return Reply(text=text, kind="proposal" if p.source == "lead_reply" else "plan", plan_id=p.id, choices=(
        button("confirm", {"plan_id": p.id, "decision": "confirm"}, "primary"),
        button("cancel", {"plan_id": p.id, "decision": "cancel"}, "danger"),
    ))


def outcome(o: Outcome, *, undo_minutes: int) -> Reply:
    kind = {"executed": "done", "cancelled": "info", "expired": "info", "already": "info"}.get(o.status, "error")
    undoable = o.source not in ("undo", "campaign")  # campaign changes are stopped with pause/cancel instead
    return Reply(text=render("brain/outcome.j2", o=o, undo_minutes=undo_minutes if undoable else 0),
                 kind=kind, plan_id=o.plan_id, ephemeral=kind == "error")  # type: ignore[arg-type]


def refusal(exc: Exception) -> Reply | None:
    """A typed error from the action engine, in words (never the exception's own text); None if not one."""
    if isinstance(exc, NotOwner):
        text = render("brain/not_owner.j2", lead=exc.lead_name, owner=exc.owner_name)
    elif isinstance(exc, UnknownStatus):
        text = render("brain/unknown_status.j2", status=exc.status, lead=None, valid=list(exc.valid))
    elif isinstance(exc, UnknownKind):
        text = render("brain/unknown_kind.j2", kind=exc.kind, valid=exc.valid)
    elif isinstance(exc, InvalidAction):
        text = render("brain/invalid_action.j2", field=exc.field)
    elif isinstance(exc, LeadNotFound):
        text = render("brain/lead_not_found.j2")
    else:
        return None
    return Reply(text=text, kind="error", ephemeral=True)


def campaign_refused(exc: Exception) -> Reply:
    """A campaign command refused: its typed error's own words, which are written for users."""
    return Reply(text=render("brain/campaign/refused.j2", message=str(exc)), kind="error", ephemeral=True)


def not_owner_view(exc: NotOwner) -> Reply:
    return Reply(text=render("brain/not_owner_view.j2", lead=exc.lead_name, owner=exc.owner_name), kind="error",
                 ephemeral=True)


def missing_status(lead: str | None) -> Reply:
    return Reply(text=render("brain/unknown_status.j2", status=None, lead=lead, valid=list(LEAD_STATUSES)),
                 kind="question")


def unknown_status(status: str) -> Reply:
    return Reply(text=render("brain/unknown_status.j2", status=status, lead=None, valid=list(LEAD_STATUSES)),
                 kind="error", ephemeral=True)


def unknown_kind(kind: str) -> Reply:
    return Reply(text=render("brain/unknown_kind.j2", kind=kind, valid=INTERACTION_KINDS), kind="error",
                 ephemeral=True)


def which_lead(candidates: list[Mapping[str, Any]], *, intent: str) -> Reply:
    items = [{"label": lead_label(c["name"], c.get("company")), "email": c.get("email")} for c in candidates]
    return Reply(text=render("brain/which_lead.j2", candidates=items, intent=intent, what=None), kind="question",
                 choices=tuple(Choice(label=i["label"], value=json.dumps({"decision": "choice", "choice": n},
                                                                           separators=(",", ":")))
                               for n, i in enumerate(items, start=1)))


def which_lead_again(count: int) -> Reply:
    return Reply(text=render("brain/which_lead_again.j2", count=count), kind="question")


def simple(name: str, kind: str = "info", **ctx: Any) -> Reply:
    ephemeral = kind == "error"
    return Reply(text=render(f"brain/{name}.j2", **ctx), kind=kind, ephemeral=ephemeral)  # type: ignore[arg-type]


def clarify(reason: str, *, example: str = "Move John Doe to negotiating", first: str = "", second: str = "") -> Reply:
    names = {i: render("brain/intent_names.j2", intent=i) for i in (first, second) if i}
    return Reply(text=render("brain/clarify.j2", reason=reason, example=example, first=names.get(first, ""),
                             second=names.get(second, "")), kind="question")


def help_reply(*, undo_minutes: int) -> Reply:
    return Reply(text=render("brain/help.j2", statuses=[s.replace("_", " ") for s in LEAD_STATUSES],
                             undo_minutes=undo_minutes), kind="help")


def _money(lo: int | None, hi: int | None) -> str:
    def one(v: int) -> str:
        return f"{v / 1_000_000:.2f}".rstrip("0").rstrip(".") + "m" if v >= 1_000_000 else f"{v // 1000}k"

    if lo and hi and lo != hi:
        return f"{one(lo)}–{one(hi)}"
    return one(lo or hi) if (lo or hi) else ""


def card(c: LeadCard, *, tz: str, now: datetime) -> Reply:
    text = render(
        "brain/card.j2",
        c=c,
        last_contact=local_time(c.last_contacted_at, tz, now=now) if c.last_contacted_at else None,
        budget=_money(c.budget_min, c.budget_max),
        follow_ups=[{"title": f.title, "due": local_time(f.due_at, tz, now=now), "overdue": f.overdue}
                    for f in c.follow_ups],
        interactions=[{"when": local_time(i.occurred_at, tz, now=now), "kind": i.kind, "summary": i.summary,
                       "agent": i.agent_name} for i in c.interactions],
    )
    return Reply(text=text, kind="info")


def undo(o: UndoOutcome) -> Reply:
    kind = "done" if o.status == "undone" else "info"
    return Reply(text=render("brain/undo.j2", o=o), kind=kind, plan_id=o.undo_plan_id)  # type: ignore[arg-type]


def follow_up(o: FollowUpOutcome, *, tz: str, now: datetime) -> Reply:
    until = local_time(o.until, tz, now=now) if o.until else ""
    kind = "done" if o.status in ("done", "snoozed") else "info"
    return Reply(text=render("brain/follow_up.j2", o=o, until=until), kind=kind)  # type: ignore[arg-type]
