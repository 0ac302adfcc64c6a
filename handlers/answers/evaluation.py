"""Run an answering evaluation file and score it (EVAL_FORMATS.md, section 2).

The file's CRM goes into a temporary SQLite database (migrated like a real one, so the schema
registry is there), its documents into a temporary Chroma store, and each question is asked
as the file's agent at the file's ``now``.

Scoring:
- routing: the answer came from the route the file expects;
- data: ``expected.value`` equals the answer's value (numbers as numbers, within half a unit of
  the last digit written, so "1.2m" matches 1,200,000 and 1,230,000 alike; strings ignoring case,
  spaces and underscores; dates at the precision written; a budget range matches either end),
  and ``expected.leads`` is exactly the set of leads the answer lists;
- documents: ``expected.source`` is among the cited documents (top 4) and a cited passage holds
  every word of ``expected.contains``; the MRR uses the rank of the first citation of that source.
"""
from __future__ import annotations

import math
import re
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

from sqlalchemy.orm import Session

from handlers.answers.evalset import EvalFile, EvalQuestion, build_crm, document_format
from handlers.answers.text import fold, number_tolerance, to_number


@dataclass
class QuestionResult:
    id: str
    q: str
    expected_route: str
    route: str
    expected: dict[str, Any]
    got: dict[str, Any]
    sql: str | None
    route_ok: bool
    data_ok: bool | None = None
    document_hit: bool | None = None
    reciprocal_rank: float | None = None
    ms: float = 0.0

    @property
    def wrong(self) -> bool:
        return not self.route_ok or self.data_ok is False or self.document_hit is False


@dataclass
class AnswersReport:
    file: str
    questions: int
    routing_accuracy: float
    data_questions: int
    data_accuracy: float
    document_questions: int
    document_hit_rate: float
    document_mrr: float
    errors: list[dict[str, Any]] = field(default_factory=list)
    latency_ms: dict[str, float] = field(default_factory=dict)
    latency_ms_by_route: dict[str, dict[str, float]] = field(default_factory=dict)
    documents: int = 0
    passages: int = 0
    results: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


# --- comparing -----------------------------------------------------------------------------------

def _norm_text(value: str) -> str:
    return " ".join(re.sub(r"[_\s]+", " ", fold(value)).strip(" .!?").split())


def _as_moment(text: str) -> tuple[datetime | date, str] | None:
    s = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
            return date.fromisoformat(s), "day"
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?", s):
            return datetime.fromisoformat(s.replace("Z", "+00:00")), "minute"
    except ValueError:
        return None
    return None


def value_matches(expected: Any, got: Any, *, tz: Any) -> bool:
    if got is None:
        return False
    if isinstance(got, tuple) and isinstance(expected, str):
        # A range written out ("600,000-750,000", "600k to 750k") against a budget range.
        parts = re.split(r"\s*(?:-|–|—|\bto\b)\s*", expected.strip())
        if len(parts) == 2 and all(to_number(p) is not None for p in parts):
            return all(_one_matches(p, g, tz=tz) for p, g in zip(parts, got))
    candidates = list(got) if isinstance(got, (tuple, list)) else [got]
    return any(_one_matches(expected, g, tz=tz) for g in candidates)


def _one_matches(expected: Any, got: Any, *, tz: Any) -> bool:
    if isinstance(got, datetime):
        if not isinstance(expected, str):
            return False
        moment = _as_moment(expected)
        if moment is None:
            return False
        local = got.astimezone(tz)
        want, grain = moment
        if grain == "day":
            return local.date() == want
        assert isinstance(want, datetime)
        want = want.replace(tzinfo=tz) if want.tzinfo is None else want.astimezone(tz)
        return local.replace(second=0, microsecond=0) == want.replace(second=0, microsecond=0)
    want_num = to_number(expected)
    got_num = to_number(got)
    if want_num is not None and got_num is not None:
        # Half a unit of the last digit written, and never stricter than float arithmetic allows.
        return math.isclose(want_num, got_num, rel_tol=1e-9, abs_tol=max(number_tolerance(expected), 1e-9))
    if isinstance(expected, str) and isinstance(got, str):
        return _norm_text(expected) == _norm_text(got)
    return False


def leads_match(expected: list[str], got: list[str]) -> bool:
    return {_norm_text(n) for n in expected} == {_norm_text(n) for n in got}


# --- running -------------------------------------------------------------------------------------

def evaluate(ev: EvalFile, *, llm: Any = None, embedder: Any = None,
             progress: Callable[[int, int], None] | None = None) -> AnswersReport:
    from bot.context import AppContext
    from bot.settings import Settings
    from crm import migrate
    from crm.db import make_engine
    from handlers.answers.answerer import Answerer
    from handlers.documents.ingest import TextSource, ingest_texts
    from handlers.documents.store import open_store

    with tempfile.TemporaryDirectory(prefix="crmbot-eval-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'crm.sqlite3'}")
        try:
            migrate.upgrade(engine)
            store = open_store(path=Path(tmp) / "chroma", embedder=embedder)
            passages = 0
            if ev.documents:
                report = ingest_texts([TextSource(doc_id=d["id"], text=d["text"], title=d["title"] or d["id"],
                                                  project=d["project"], kind=document_format(d))
                                       for d in ev.documents], store=store, progress=False)
                passages = report.passages
            ctx = AppContext(Settings(data_dir=Path(tmp)), _engine=engine)
            answerer = Answerer(ctx=ctx, store=store, llm=llm)
            with Session(engine, expire_on_commit=False) as session:
                agent = build_crm(ev, session)
                session.commit()
                results = []
                for i, q in enumerate(ev.questions):
                    results.append(score_question(answerer, q, session=session, agent=agent, ev=ev))
                    if progress:
                        progress(i + 1, len(ev.questions))
                session.rollback()
        finally:
            engine.dispose()
    return _report(ev, results, documents=len(ev.documents), passages=passages)


def score_question(answerer: Any, q: EvalQuestion, *, session: Session, agent: Any, ev: EvalFile) -> QuestionResult:
    started = time.perf_counter()
    answered = answerer.respond(q.q, session=session, agent=agent, now=ev.now)
    ms = (time.perf_counter() - started) * 1000
    route = "data" if answered.route == "refused" else answered.route
    citations = list(answered.documents.citations) if answered.documents is not None else []
    got: dict[str, Any] = {"route": answered.route, "value": answered.value, "leads": answered.leads,
                           "sources": answered.sources, "text": answered.reply.text}
    res = QuestionResult(id=q.id, q=q.q, expected_route=q.route, route=route, expected=q.expected, got=got,
                         sql=answered.sql, route_ok=route == q.route, ms=ms)
    e = q.expected
    if q.route == "data" and ("value" in e or "leads" in e):
        ok = route == "data"
        if "value" in e:
            ok = ok and value_matches(e["value"], answered.value, tz=ev.now.tzinfo)
        if "leads" in e:
            ok = ok and leads_match(e["leads"], answered.leads)
        res.data_ok = ok
    if q.route == "documents" and "source" in e:
        source = e["source"]
        ranked = answered.sources if route == "documents" else []
        res.reciprocal_rank = 1.0 / (ranked.index(source) + 1) if source in ranked else 0.0
        words = [fold(w) for w in e.get("contains", [])]
        holds = not words or any(all(w in fold(c.passage) for w in words) for c in citations)
        res.document_hit = source in ranked[:4] and holds
    return res


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, math.ceil(p / 100 * len(ordered)) - 1)  # nearest rank
    return round(ordered[rank], 2)


def _latency(values: list[float]) -> dict[str, float]:
    return {"p50": round(statistics.median(values), 2) if values else 0.0, "p95": _percentile(values, 95)}


def _report(ev: EvalFile, results: list[QuestionResult], *, documents: int, passages: int) -> AnswersReport:
    n = len(results)
    data = [r for r in results if r.data_ok is not None]
    docs = [r for r in results if r.document_hit is not None]
    errors = [{"id": r.id, "q": r.q, "expected": {"route": r.expected_route, **r.expected},
               "got": {k: v for k, v in r.got.items() if k != "text"} | {"text": r.got["text"][:300]},
               "sql": r.sql} for r in results if r.wrong]
    return AnswersReport(
        file=ev.path, questions=n,
        routing_accuracy=round(sum(r.route_ok for r in results) / n, 4) if n else 0.0,
        data_questions=len(data),
        data_accuracy=round(sum(bool(r.data_ok) for r in data) / len(data), 4) if data else 0.0,
        document_questions=len(docs),
        document_hit_rate=round(sum(bool(r.document_hit) for r in docs) / len(docs), 4) if docs else 0.0,
        document_mrr=round(sum(r.reciprocal_rank or 0.0 for r in docs) / len(docs), 4) if docs else 0.0,
        errors=errors,
        latency_ms=_latency([r.ms for r in results]),
        latency_ms_by_route={route: _latency([r.ms for r in results if r.route == route])
                             for route in ("data", "documents") if any(r.route == route for r in results)},
        documents=documents, passages=passages,
        results=[{"id": r.id, "route": r.route, "route_ok": r.route_ok, "data_ok": r.data_ok,
                  "document_hit": r.document_hit, "reciprocal_rank": r.reciprocal_rank,
                  "value": r.got["value"], "leads": r.got["leads"], "sources": r.got["sources"],
                  "sql": r.sql, "ms": round(r.ms, 2)} for r in results],
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def summary(report: AnswersReport) -> str:
    lines = [
        f"{report.file}: {report.questions} questions ({report.data_questions} scored on data, "
        f"{report.document_questions} on documents; {report.documents} documents, {report.passages} passages)",
        f"  routing accuracy   {report.routing_accuracy:.3f}",
        f"  data accuracy      {report.data_accuracy:.3f}",
        f"  document hit rate  {report.document_hit_rate:.3f} (top 4)",
        f"  document MRR       {report.document_mrr:.3f}",
        f"  latency            p50 {report.latency_ms.get('p50', 0):.1f} ms, p95 {report.latency_ms.get('p95', 0):.1f} ms",
    ]
    if report.errors:
        lines.append(f"  errors ({len(report.errors)}):")
        for e in report.errors[:15]:
            want = {k: v for k, v in e["expected"].items()}
            got = {k: e["got"].get(k) for k in ("route", "value", "leads", "sources") if e["got"].get(k) not in (None, [], "")}
            lines.append(f"    {e['id']}: {e['q']}")
            lines.append(f"      expected {_jsonable(want)}")
            lines.append(f"      got      {_jsonable(got)}")
        if len(report.errors) > 15:
            lines.append(f"    … and {len(report.errors) - 15} more (see --json)")
    return "\n".join(lines)
