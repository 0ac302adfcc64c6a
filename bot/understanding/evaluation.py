"""Scoring the understanding step on a data set (EVAL_FORMATS.md, section 1).

Predicted actions are matched to expected ones in order, by an edit-distance alignment on
intents: a predicted action may stand for an expected one of another intent (a confusion), and
one left over on either side is a miss or an extra ("none" in the confusion matrix). Each field an
expected action gives (lead, status, kind, due) is scored on its matched prediction; a missed
action gets every field wrong. An example is an exact match when the predicted actions are the
expected ones, one for one, with every field right. ``lead: null, ambiguous: true`` expects no
lead and the action flagged ambiguous.
"""
from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from crm.errors import InvalidInput
from crm.models import INTERACTION_KINDS, LEAD_STATUSES, Agent, Base, Lead

from bot.understanding.dates import zone
from bot.understanding.model import AGENT_INTENTS, LEAD_INTENTS, Action

FIELDS = ("lead", "status", "kind", "due")
NONE = "none"


@dataclass
class Example:
    index: int
    id: str
    channel: str
    text: str
    sender: str | None
    actions: list[dict[str, Any]]


@dataclass
class Dataset:
    path: str
    now: datetime  # aware
    timezone: str
    agent: dict[str, Any]
    agents: list[dict[str, Any]]
    leads: list[dict[str, Any]]
    examples: list[Example] = field(default_factory=list)


# -- loading ------------------------------------------------------------------------------------
def load(path: Path | str) -> Dataset:
    """The data set in ``path``; InvalidInput names the bad field (and example index)."""
    p = Path(path)
    try:
        raw = json.loads(p.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InvalidInput(f"{p}: no such file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{p}: not valid JSON ({exc.__class__.__name__})") from None
    return parse(raw, source=str(p))


def parse(raw: Any, *, source: str = "<data>") -> Dataset:
    def bad(where: str, why: str) -> InvalidInput:
        return InvalidInput(f"{source}: {where} {why}")

    if not isinstance(raw, dict):
        raise bad("top level", "must be an object")
    tz = raw.get("timezone")
    if not isinstance(tz, str) or not tz:
        raise bad("field 'timezone'", "must be a time zone name such as Europe/London")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(tz)
    except Exception:
        raise bad("field 'timezone'", f"is not a known time zone ({tz!r})") from None
    now = _datetime(raw.get("now"), tz)
    if now is None:
        raise bad("field 'now'", "must be an ISO 8601 date and time")
    agent = raw.get("agent")
    if not isinstance(agent, dict) or not isinstance(agent.get("name"), str) or not agent.get("name"):
        raise bad("field 'agent'", "must be an object with a name")
    agents = raw.get("agents") or []
    if not isinstance(agents, list):
        raise bad("field 'agents'", "must be a list")
    people = {agent["name"].casefold()}
    emails: set[str] = set()
    for k, a in enumerate([agent, *agents]):
        where = "field 'agent'" if k == 0 else f"agents[{k - 1}]"
        if not isinstance(a, dict) or not isinstance(a.get("name"), str) or not a["name"].strip():
            raise bad(where, "must be an object with a name")
        if a.get("role", "agent") not in ("agent", "admin"):
            raise bad(f"{where}.role", "must be agent or admin")
        if a.get("email") is not None and not isinstance(a.get("email"), str):
            raise bad(f"{where}.email", "must be a string")
        email = (a.get("email") or f"agent{k}@eval.invalid").casefold()
        if email in emails:
            raise bad(f"{where}.email", "is used twice")
        emails.add(email)
        people.add(a["name"].casefold())
    leads = raw.get("leads")
    if not isinstance(leads, list):
        raise bad("field 'leads'", "must be a list")
    lead_names: set[str] = set()
    lead_emails: set[str] = set()
    for k, lead in enumerate(leads):
        where = f"leads[{k}]"
        if not isinstance(lead, dict) or not isinstance(lead.get("name"), str) or not lead["name"].strip():
            raise bad(where, "must be an object with a name")
        for f in ("email", "company", "owner"):
            if lead.get(f) is not None and not isinstance(lead[f], str):
                raise bad(f"{where}.{f}", "must be a string")
        if lead.get("status") is not None and lead["status"] not in LEAD_STATUSES:
            raise bad(f"{where}.status", f"must be one of {', '.join(LEAD_STATUSES)}")
        if lead.get("owner") and lead["owner"].casefold() not in people:
            raise bad(f"{where}.owner", f"names no agent ({lead['owner']!r})")
        if lead.get("email"):
            e = lead["email"].casefold()
            if e in lead_emails:
                raise bad(f"{where}.email", "is used twice")
            lead_emails.add(e)
        lead_names.add(lead["name"].casefold())
    examples_raw = raw.get("examples")
    if not isinstance(examples_raw, list):
        raise bad("field 'examples'", "must be a list")
    examples = [_example(k, ex, bad, lead_names, tz) for k, ex in enumerate(examples_raw)]
    return Dataset(source, now, tz, agent, agents, leads, examples)


def _example(k: int, ex: Any, bad, lead_names: set[str], tz: str) -> Example:
    where = f"examples[{k}]"
    if not isinstance(ex, dict):
        raise bad(where, "must be an object")
    ex_id = ex.get("id", str(k))
    if not isinstance(ex_id, (str, int)):
        raise bad(f"{where}.id", "must be a string")
    channel = ex.get("channel")
    if channel not in ("agent", "lead"):
        raise bad(f"{where}.channel", "must be agent or lead")
    text = ex.get("text")
    if not isinstance(text, str):
        raise bad(f"{where}.text", "must be a string")
    sender = ex.get("from")
    if sender is not None and not isinstance(sender, str):
        raise bad(f"{where}.from", "must be an email address")
    actions = ex.get("actions")
    if not isinstance(actions, list):
        raise bad(f"{where}.actions", "must be a list")
    allowed = AGENT_INTENTS if channel == "agent" else LEAD_INTENTS
    for n, act in enumerate(actions):
        w = f"{where}.actions[{n}]"
        if not isinstance(act, dict):
            raise bad(w, "must be an object")
        if act.get("intent") not in allowed:
            raise bad(f"{w}.intent", f"must be one of {', '.join(allowed)} on the {channel} channel")
        if "lead" in act and act["lead"] is not None:
            if not isinstance(act["lead"], str) or act["lead"].casefold() not in lead_names:
                raise bad(f"{w}.lead", f"names no lead in 'leads' ({act['lead']!r})")
        if "ambiguous" in act and not isinstance(act["ambiguous"], bool):
            raise bad(f"{w}.ambiguous", "must be true or false")
        if act.get("status") is not None and act["status"] not in LEAD_STATUSES:
            raise bad(f"{w}.status", f"must be one of {', '.join(LEAD_STATUSES)}")
        if act.get("kind") is not None and act["kind"] not in INTERACTION_KINDS:
            raise bad(f"{w}.kind", f"must be one of {', '.join(INTERACTION_KINDS)}")
        if act.get("due") is not None and _datetime(act["due"], tz) is None:
            raise bad(f"{w}.due", "must be an ISO 8601 date and time")
        if act.get("due_grain", "minute") not in ("minute", "day"):
            raise bad(f"{w}.due_grain", "must be minute or day")
    return Example(k, str(ex_id), channel, text, sender, actions)


def _datetime(value: Any, tz: str) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        d = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    z = zone(tz)
    return d.replace(tzinfo=z) if d.tzinfo is None else d.astimezone(z)


# -- the CRM the examples speak about ----------------------------------------------------------
@dataclass
class EvalCrm:
    session: Session
    speaker: Agent
    lead_ids: dict[str, int]  # casefolded name -> id
    lead_by_email: dict[str, int]

    def close(self) -> None:
        bind = self.session.get_bind()
        self.session.close()
        bind.dispose()


def build_crm(ds: Dataset) -> EvalCrm:
    """An in-memory SQLite CRM holding the data set's agents and leads."""
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    Base.metadata.create_all(engine)
    session = Session(engine)
    people: dict[str, Agent] = {}
    for k, a in enumerate([ds.agent, *ds.agents]):
        row = Agent(name=a["name"], email=a.get("email") or f"agent{k}@eval.invalid",
                    role=a.get("role", "agent"), timezone=ds.timezone)
        session.add(row)
        people.setdefault(a["name"].casefold(), row)
    session.flush()
    ids: dict[str, int] = {}
    by_email: dict[str, int] = {}
    for lead in ds.leads:
        owner = people.get((lead.get("owner") or "").casefold())
        row = Lead(name=lead["name"], email=lead.get("email") or None, company=lead.get("company") or None,
                   status=lead.get("status") or "new", owner_id=owner.id if owner else None)
        session.add(row)
        session.flush()
        ids.setdefault(lead["name"].casefold(), row.id)
        if row.email:
            by_email[row.email.casefold()] = row.id
    session.commit()
    return EvalCrm(session, people[ds.agent["name"].casefold()], ids, by_email)


# -- scoring ------------------------------------------------------------------------------------
def _align(exp: list[str], got: list[str]) -> list[tuple[int | None, int | None]]:
    """Edit-distance alignment of two intent sequences, in order."""
    n, m = len(exp), len(got)
    cost = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        cost[i][0] = i
    for j in range(m + 1):
        cost[0][j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            sub = cost[i - 1][j - 1] + (0 if exp[i - 1] == got[j - 1] else 1)
            cost[i][j] = min(sub, cost[i - 1][j] + 1, cost[i][j - 1] + 1)
    pairs: list[tuple[int | None, int | None]] = []
    i, j = n, m
    while i > 0 or j > 0:
        if i > 0 and j > 0 and cost[i][j] == cost[i - 1][j - 1] + (0 if exp[i - 1] == got[j - 1] else 1):
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif i > 0 and cost[i][j] == cost[i - 1][j] + 1:
            pairs.append((i - 1, None))
            i -= 1
        else:
            pairs.append((None, j - 1))
            j -= 1
    return pairs[::-1]


def field_right(name: str, exp: dict[str, Any], got: Action | None, tz: str) -> bool:
    if got is None:
        return False
    f = got.fields
    if name == "lead":
        if exp.get("lead") is None:
            if exp.get("ambiguous"):
                return bool(f.get("ambiguous")) and f.get("lead") is None
            return f.get("lead") is None and not f.get("ambiguous")
        return (f.get("lead") or "").casefold() == exp["lead"].casefold() and not f.get("ambiguous")
    if name == "due":
        want = _datetime(exp.get("due"), tz)
        have = f.get("due")
        if want is None or have is None:
            return want is None and have is None
        have = have.astimezone(zone(tz))
        if exp.get("due_grain", "minute") == "day":
            return have.date() == want.date()
        return have.replace(second=0, microsecond=0) == want.replace(second=0, microsecond=0)
    return f.get(name) == exp.get(name)


def describe(act: Action, tz: str) -> dict[str, Any]:
    f = act.fields
    out: dict[str, Any] = {"intent": act.intent}
    if "lead" in f or "lead_id" in f:
        out["lead"] = f.get("lead")
        if f.get("ambiguous"):
            out["ambiguous"] = True
            out["candidates"] = [c.name for c in f.get("candidates", [])]
    for k in ("status", "kind"):
        if f.get(k):
            out[k] = f[k]
    if f.get("due") is not None:
        out["due"] = f["due"].astimezone(zone(tz)).strftime("%Y-%m-%dT%H:%M")
        out["due_grain"] = f.get("due_grain")
    out["confidence"] = act.confidence
    return out


def evaluate(ds: Dataset, *, understander=None) -> dict[str, Any]:
    from bot.understanding import Understander

    und = understander or Understander()
    crm = build_crm(ds)
    try:
        return _score(ds, und, crm)
    finally:
        crm.close()


def _score(ds: Dataset, und, crm: EvalCrm) -> dict[str, Any]:
    tp: dict[str, int] = {}
    fp: dict[str, int] = {}
    fn: dict[str, int] = {}
    support: dict[str, int] = {}
    confusion: dict[str, dict[str, int]] = {}
    field_total = {f: 0 for f in FIELDS}
    field_ok = {f: 0 for f in FIELDS}
    exact = 0
    errors: list[dict[str, Any]] = []
    timings: list[float] = []
    for ex in ds.examples:
        speaker = crm.speaker if ex.channel == "agent" else None
        context = None
        if ex.channel == "lead" and ex.sender:
            lead_id = crm.lead_by_email.get(ex.sender.casefold())
            context = {"last_lead_id": lead_id} if lead_id else None
        started = time.perf_counter()
        u = und.understand(ex.text, channel=ex.channel, speaker=speaker, now=ds.now, tz=ds.timezone,
                           session=crm.session, context=context)
        timings.append((time.perf_counter() - started) * 1000)
        got = u.actions
        exp = ex.actions
        pairs = _align([a["intent"] for a in exp], [a.intent for a in got])
        all_right = len(exp) == len(got)
        for ei, gi in pairs:
            e = exp[ei] if ei is not None else None
            g = got[gi] if gi is not None else None
            e_int = e["intent"] if e else NONE
            g_int = g.intent if g else NONE
            confusion.setdefault(e_int, {}).setdefault(g_int, 0)
            confusion[e_int][g_int] += 1
            if e is not None:
                support[e_int] = support.get(e_int, 0) + 1
            if e is not None and g is not None and e_int == g_int:
                tp[e_int] = tp.get(e_int, 0) + 1
            else:
                all_right = False
                if e is not None:
                    fn[e_int] = fn.get(e_int, 0) + 1
                if g is not None:
                    fp[g_int] = fp.get(g_int, 0) + 1
            if e is not None:
                match = g if (g is not None and g_int == e_int) else None
                for f in FIELDS:
                    if f in e:
                        field_total[f] += 1
                        if field_right(f, e, match, ds.timezone):
                            field_ok[f] += 1
                        else:
                            all_right = False
        if all_right:
            exact += 1
        else:
            errors.append({"id": ex.id, "channel": ex.channel, "text": ex.text, "expected": exp,
                           "got": [describe(a, ds.timezone) for a in got], "clarify": u.clarify})
    labels = sorted(set(support) | set(fp) | set(tp))
    per_intent: dict[str, dict[str, float | int]] = {}
    for lab in labels:
        t, p_, n_ = tp.get(lab, 0), fp.get(lab, 0), fn.get(lab, 0)
        prec = t / (t + p_) if t + p_ else 0.0
        rec = t / (t + n_) if t + n_ else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per_intent[lab] = {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4),
                           "support": support.get(lab, 0)}
    macro = statistics.fmean(v["f1"] for v in per_intent.values()) if per_intent else 0.0
    return {
        "file": ds.path,
        "examples": len(ds.examples),
        "macro_f1": round(macro, 4),
        "per_intent": per_intent,
        "confusion": confusion,
        "field_accuracy": {f: (round(field_ok[f] / field_total[f], 4) if field_total[f] else None) for f in FIELDS},
        "field_support": field_total,
        "exact_match": round(exact / len(ds.examples), 4) if ds.examples else 0.0,
        "errors": errors,
        "latency_ms": _latency(timings),
    }


def _latency(timings: list[float]) -> dict[str, float]:
    if not timings:
        return {"p50": 0.0, "p95": 0.0}
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered) + 0.5) - 1))]
    return {"p50": round(statistics.median(ordered), 3), "p95": round(p95, 3)}


def summary(report: dict[str, Any], *, shown_errors: int = 15) -> str:
    fa = report["field_accuracy"]
    out = [
        f"nlu: {report['file']}",
        f"  examples {report['examples']}   macro-F1 {report['macro_f1']:.3f}   exact match {report['exact_match']:.3f}",
        "  fields: " + "  ".join(f"{k} {v:.3f}" if v is not None else f"{k} -" for k, v in fa.items()),
        f"  time per example: p50 {report['latency_ms']['p50']:.2f} ms, p95 {report['latency_ms']['p95']:.2f} ms",
        "  intent               precision  recall     f1  support",
    ]
    for lab, v in report["per_intent"].items():
        out.append(f"    {lab:<20} {v['precision']:>7.3f} {v['recall']:>7.3f} {v['f1']:>6.3f} {v['support']:>8}")
    if report["errors"]:
        out.append(f"  errors ({len(report['errors'])}):")
        for e in report["errors"][:shown_errors]:
            out.append(f"  - {e['id']}: {e['text'][:100]!r}")
            out.append(f"      expected {json.dumps(e['expected'], ensure_ascii=False)}")
            got = [{k: v for k, v in g.items() if k != "confidence"} for g in e["got"]]
            out.append(f"      got      {json.dumps(got, ensure_ascii=False)}")
        if len(report["errors"]) > shown_errors:
            out.append(f"  … {len(report['errors']) - shown_errors} more in the JSON report")
    return "\n".join(out)
