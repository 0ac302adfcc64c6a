"""Plan actions as the agent reads them, one line per lead, times in the agent's time zone.

The words come from templates/brain/plan_summary.j2; this module only prepares the data.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.templating import render


def zone(tz: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def parse_time(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if dt.tzinfo is None:
        raise ValueError("naive datetime")
    return dt


def local_time(value: str | datetime | None, tz: str | None, *, now: datetime | None = None) -> str:
    """'Thu 19 Nov 09:00' in the given zone; the year is added when it is not the current one."""
    dt = parse_time(value)
    if dt is None:
        return ""
    z = zone(tz)
    local = dt.astimezone(z)
    text = local.strftime("%a %d %b %H:%M")
    if now is not None and local.year != now.astimezone(z).year:
        text = local.strftime("%a %d %b %Y %H:%M")
    return text


def lead_label(name: str, company: str | None) -> str:
    return f"{name} ({company})" if company else name


# An interaction logged within this many seconds of the plan is "now": its time is not shown.
_NOW_SLACK_SECONDS = 600


def _item(action: Mapping[str, Any], *, tz: str | None, now: datetime | None) -> dict[str, Any]:
    kind = action["type"]
    if kind == "update_status":
        return {"type": kind, "from": action.get("from"), "to": action["to"]}
    if kind == "log_interaction":
        when = parse_time(action.get("occurred_at"))
        shown = None
        if when is not None and (now is None or abs((when - now).total_seconds()) > _NOW_SLACK_SECONDS):
            shown = local_time(when, tz, now=now)
        return {"type": kind, "kind": action["kind"], "summary": action.get("summary") or "", "when": shown}
    if kind == "schedule_follow_up":
        return {"type": kind, "title": action["title"], "due": local_time(action["due_at"], tz, now=now),
                "notes": action.get("notes") or ""}
    if kind == "campaign":
        p = action.get("preview") or {}
        next_run = p.get("next_run")
        return {"type": kind, "op": action["op"], "campaign": p.get("campaign") or action["campaign"],
                "options": action.get("options") or {}, "preview": p,
                "next_run": local_time(next_run, p.get("timezone"), now=now) if next_run else None}
    return {"type": kind}


def group_actions(actions: Iterable[Mapping[str, Any]], *, tz: str | None, now: datetime | None = None,
                  labels: Mapping[int, str] | None = None) -> list[dict[str, Any]]:
    """Actions grouped by lead in first-mention order: [{"lead": label, "items": [...]}]."""
    groups: dict[Any, dict[str, Any]] = {}
    for a in actions:
        key = a.get("lead_id") if "lead_id" in a else (a["type"], a.get("campaign"))
        if key not in groups:
            label = (labels or {}).get(key) or a.get("lead_name") or ""  # type: ignore[call-overload]
            groups[key] = {"lead": label, "lead_id": key, "items": []}
        groups[key]["items"].append(_item(a, tz=tz, now=now))
    return list(groups.values())


def describe(actions: Iterable[Mapping[str, Any]], *, tz: str | None, now: datetime | None = None,
             labels: Mapping[int, str] | None = None) -> str:
    """Every change, exactly: "John Doe (Acme): status contacted → negotiating · log call 'went well'"."""
    return render("brain/plan_summary.j2", groups=group_actions(actions, tz=tz, now=now, labels=labels))
