"""Evaluation files for answering (EVAL_FORMATS.md, section 2): read and check one, and
build the CRM it describes in a database of its own.

Times without an offset are local to the file's ``timezone``. A lead with no
``last_contacted_at`` but with logged calls, meetings, viewings or emails is taken as last
contacted at the latest of them (the CRM keeps that field in step when interactions are
logged); a lead with no ``created_at`` is created at ``now``.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from crm.errors import InvalidInput
from crm.models import FOLLOW_UP_STATUSES, INTERACTION_KINDS, LEAD_STATUSES, ROLES, Agent, FollowUp, Interaction, Lead

ROUTES = ("data", "documents")


@dataclass(frozen=True)
class EvalQuestion:
    index: int
    id: str
    q: str
    route: str
    expected: dict[str, Any]


@dataclass
class EvalFile:
    path: str
    now: datetime  # aware, in ``timezone``
    timezone: str
    agent: dict[str, Any]
    agents: list[dict[str, Any]] = field(default_factory=list)
    leads: list[dict[str, Any]] = field(default_factory=list)
    interactions: list[dict[str, Any]] = field(default_factory=list)
    follow_ups: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    questions: list[EvalQuestion] = field(default_factory=list)


class _Checker:
    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, where: str, why: str) -> InvalidInput:
        return InvalidInput(f"{self.path}: field '{where}' {why}")

    def obj(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "must be an object")
        return value

    def items(self, data: dict[str, Any], key: str, *, required: bool = False) -> list[Any]:
        value = data.get(key)
        if value is None:
            if required:
                raise self.fail(key, "is missing")
            return []
        if not isinstance(value, list):
            raise self.fail(key, "must be a list")
        return value

    def text(self, d: dict[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
        value = d.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.fail(f"{where}.{key}", "must be a non-empty string")
            return None
        if not isinstance(value, str):
            raise self.fail(f"{where}.{key}", "must be a string")
        return value.strip()

    def time(self, d: dict[str, Any], key: str, where: str, tz: ZoneInfo, *, required: bool) -> datetime | None:
        value = d.get(key)
        if value is None:
            if required:
                raise self.fail(f"{where}.{key}", "is missing")
            return None
        if not isinstance(value, str):
            raise self.fail(f"{where}.{key}", "must be an ISO 8601 time")
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise self.fail(f"{where}.{key}", f"is not an ISO 8601 time: {value!r}") from None
        return parsed.replace(tzinfo=tz) if parsed.tzinfo is None else parsed.astimezone(tz)

    def number(self, d: dict[str, Any], key: str, where: str) -> int | None:
        value = d.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(f"{where}.{key}", "must be a number")
        return int(value)

    def choice(self, d: dict[str, Any], key: str, where: str, allowed: tuple[str, ...], default: str | None) -> str:
        value = d.get(key, default)
        if value is None:
            raise self.fail(f"{where}.{key}", "is missing")
        if not isinstance(value, str) or value.strip().lower().replace(" ", "_") not in allowed:
            raise self.fail(f"{where}.{key}", f"must be one of {', '.join(allowed)}")
        return value.strip().lower().replace(" ", "_")


def load_eval_file(path: Path | str) -> EvalFile:
    """Read and check a file; ``InvalidInput`` names the bad field and its index."""
    p = Path(path)
    c = _Checker(str(p))
    if not p.is_file():
        raise InvalidInput(f"{p}: no such file")
    try:
        data = json.loads(p.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{p}: not valid JSON ({exc.__class__.__name__})") from None
    data = c.obj(data, "(top level)")
    tz_name = data.get("timezone", "UTC")
    if not isinstance(tz_name, str):
        raise c.fail("timezone", "must be an IANA time zone name")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise c.fail("timezone", f"is not a known time zone: {tz_name!r}") from None
    now = c.time(data, "now", "(top level)", tz, required=True)
    assert now is not None
    agent = _person(c, c.obj(data.get("agent"), "agent"), "agent")
    agents = []
    names = {_key(agent["name"]): agent["name"], _key(agent["email"]): agent["name"]}
    for i, raw in enumerate(c.items(data, "agents")):
        other = _person(c, c.obj(raw, f"agents[{i}]"), f"agents[{i}]")
        if _key(other["name"]) == _key(agent["name"]):
            continue  # the asker listed again among the agents
        if _key(other["name"]) in names or _key(other["email"]) in names:
            raise c.fail(f"agents[{i}]", "repeats another agent's name or email")
        names[_key(other["name"])] = other["name"]
        names[_key(other["email"])] = other["name"]
        agents.append(other)

    leads = []
    lead_names: set[str] = set()
    lead_emails: set[str] = set()
    for i, raw in enumerate(c.items(data, "leads")):
        w = f"leads[{i}]"
        d = c.obj(raw, w)
        lead = {
            "name": c.text(d, "name", w), "email": c.text(d, "email", w, required=False),
            "company": c.text(d, "company", w, required=False), "phone": c.text(d, "phone", w, required=False),
            "status": c.choice(d, "status", w, LEAD_STATUSES, "new"),
            "owner": c.text(d, "owner", w, required=False),
            "project": c.text(d, "project", w, required=False), "unit_type": c.text(d, "unit_type", w, required=False),
            "source": c.text(d, "source", w, required=False), "notes": c.text(d, "notes", w, required=False),
            "budget_min": c.number(d, "budget_min", w), "budget_max": c.number(d, "budget_max", w),
            "created_at": c.time(d, "created_at", w, tz, required=False),
            "last_contacted_at": c.time(d, "last_contacted_at", w, tz, required=False),
        }
        if lead["owner"] is not None:
            if _key(lead["owner"]) not in names:
                raise c.fail(f"{w}.owner", f"names no agent: {lead['owner']!r}")
            lead["owner"] = names[_key(lead["owner"])]  # an agent's name, also when given by email
        if lead["email"] is not None:
            if _key(lead["email"]) in lead_emails:
                raise c.fail(f"{w}.email", f"repeats another lead's email: {lead['email']!r}")
            lead_emails.add(_key(lead["email"]))
        if _key(lead["name"]) in lead_names:
            raise c.fail(f"{w}.name", f"repeats another lead's name: {lead['name']!r}")
        lead_names.add(_key(lead["name"]))
        leads.append(lead)

    interactions = []
    for i, raw in enumerate(c.items(data, "interactions")):
        w = f"interactions[{i}]"
        d = c.obj(raw, w)
        lead = c.text(d, "lead", w)
        if _key(lead) not in lead_names:
            raise c.fail(f"{w}.lead", f"names no lead: {lead!r}")
        interactions.append({"lead": lead, "kind": c.choice(d, "kind", w, INTERACTION_KINDS, None),
                             "at": c.time(d, "at", w, tz, required=True),
                             "summary": c.text(d, "summary", w, required=False) or ""})

    follow_ups = []
    for i, raw in enumerate(c.items(data, "follow_ups")):
        w = f"follow_ups[{i}]"
        d = c.obj(raw, w)
        lead = c.text(d, "lead", w)
        if _key(lead) not in lead_names:
            raise c.fail(f"{w}.lead", f"names no lead: {lead!r}")
        follow_ups.append({"lead": lead, "due": c.time(d, "due", w, tz, required=True),
                           "title": c.text(d, "title", w, required=False) or "Follow up",
                           "status": c.choice(d, "status", w, FOLLOW_UP_STATUSES, "open"),
                           "notes": c.text(d, "notes", w, required=False)})

    documents = []
    doc_ids: set[str] = set()
    for i, raw in enumerate(c.items(data, "documents")):
        w = f"documents[{i}]"
        d = c.obj(raw, w)
        doc = {"id": c.text(d, "id", w), "text": c.text(d, "text", w),
               "title": c.text(d, "title", w, required=False), "project": c.text(d, "project", w, required=False),
               "format": c.text(d, "format", w, required=False)}
        if doc["id"] in doc_ids:
            raise c.fail(f"{w}.id", f"repeats another document's id: {doc['id']!r}")
        doc_ids.add(doc["id"])
        documents.append(doc)

    questions = []
    raw_questions = c.items(data, "questions", required=True)
    if not raw_questions:
        raise c.fail("questions", "is empty")
    seen_ids: set[str] = set()
    for i, raw in enumerate(raw_questions):
        w = f"questions[{i}]"
        d = c.obj(raw, w)
        qid = d.get("id", str(i))
        if not isinstance(qid, (str, int)) or isinstance(qid, bool):
            raise c.fail(f"{w}.id", "must be a string")
        qid = str(qid)
        if qid in seen_ids:
            raise c.fail(f"{w}.id", f"repeats another question's id: {qid!r}")
        seen_ids.add(qid)
        text = c.text(d, "q", w)
        route = c.choice(d, "route", w, ROUTES, None)
        expected = d.get("expected") or {}
        if not isinstance(expected, dict):
            raise c.fail(f"{w}.expected", "must be an object")
        _check_expected(c, expected, f"{w}.expected")
        questions.append(EvalQuestion(index=i, id=qid, q=text or "", route=route, expected=expected))
    return EvalFile(path=str(p), now=now, timezone=tz_name, agent=agent, agents=agents, leads=leads,
                    interactions=interactions, follow_ups=follow_ups, documents=documents, questions=questions)


def _person(c: _Checker, d: dict[str, Any], where: str) -> dict[str, Any]:
    name = c.text(d, "name", where)
    email = c.text(d, "email", where, required=False)
    return {"name": name, "email": email or _email_for(name or where),
            "role": c.choice(d, "role", where, ROLES, "agent")}


def _email_for(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", ".", name.lower()).strip(".") + "@agents.invalid"


def _check_expected(c: _Checker, e: dict[str, Any], where: str) -> None:
    if "value" in e and not (isinstance(e["value"], (int, float, str)) and not isinstance(e["value"], bool)):
        raise c.fail(f"{where}.value", "must be a number or a string")
    if "leads" in e and not (isinstance(e["leads"], list) and all(isinstance(x, str) for x in e["leads"])):
        raise c.fail(f"{where}.leads", "must be a list of names")
    if "source" in e and not isinstance(e["source"], str):
        raise c.fail(f"{where}.source", "must be a document id")
    if "contains" in e and not (isinstance(e["contains"], list) and all(isinstance(x, str) for x in e["contains"])):
        raise c.fail(f"{where}.contains", "must be a list of words")


def _key(name: str | None) -> str:
    return " ".join((name or "").casefold().split())


# --- building the CRM ----------------------------------------------------------------------------

def build_crm(ev: EvalFile, session: Session) -> Agent:
    """Insert the file's agents, leads, interactions and follow-ups; returns the asking agent."""
    agents: dict[str, Agent] = {}
    for person in [ev.agent, *ev.agents]:
        a = Agent(name=person["name"], email=person["email"], role=person["role"], timezone=ev.timezone)
        session.add(a)
        agents[_key(person["name"])] = a
    session.flush()
    latest_contact: dict[str, datetime] = {}
    for it in ev.interactions:
        if it["kind"] != "note":
            k = _key(it["lead"])
            latest_contact[k] = max(latest_contact.get(k, it["at"]), it["at"])
    leads: dict[str, Lead] = {}
    for d in ev.leads:
        k = _key(d["name"])
        owner = agents.get(_key(d["owner"])) if d["owner"] else None
        created = d["created_at"] or ev.now
        last = d["last_contacted_at"] or latest_contact.get(k)
        lead = Lead(name=d["name"], email=d["email"], company=d["company"], phone=d["phone"], status=d["status"],
                    owner=owner, project=d["project"], unit_type=d["unit_type"], source=d["source"], notes=d["notes"],
                    budget_min=d["budget_min"], budget_max=d["budget_max"], created_at=created,
                    updated_at=max(created, last) if last else created, last_contacted_at=last)
        session.add(lead)
        leads[k] = lead
    session.flush()
    for it in ev.interactions:
        lead = leads[_key(it["lead"])]
        session.add(Interaction(lead_id=lead.id, agent_id=lead.owner_id, kind=it["kind"], summary=it["summary"],
                                occurred_at=it["at"], created_at=it["at"]))
    for f in ev.follow_ups:
        lead = leads[_key(f["lead"])]
        session.add(FollowUp(lead_id=lead.id, agent_id=lead.owner_id, title=f["title"], notes=f["notes"],
                             due_at=f["due"], status=f["status"]))
    session.flush()
    return agents[_key(ev.agent["name"])]


def document_format(doc: dict[str, Any]) -> str:
    """markdown, text or html: as the file says, else HTML when the text looks like it."""
    given = (doc.get("format") or "").lower()
    if given in ("markdown", "md"):
        return "markdown"
    if given in ("html", "htm"):
        return "html"
    if given in ("text", "txt", "plain"):
        return "text"
    head = doc["text"].lstrip()[:200].lower()
    if head.startswith(("<!doctype html", "<html", "<body", "<h1", "<div", "<p>", "<section", "<article")):
        return "html"
    return "markdown"
