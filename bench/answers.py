"""Answering benchmark: question latency for the data path and the document path, ingest
throughput and peak memory, on the repo's evaluation set scaled up.

    python bench/answers.py                      # 10,000 passages, 5,000 extra leads
    python bench/answers.py --passages 2000 --leads 1000 --json out.json

Steps:
1. build the CRM of data/eval/answers.json in a temporary SQLite database and add --leads
   synthetic leads of the other agents (with interactions and follow-ups), so the data path
   runs against a realistic table and the asker's expected answers still hold;
2. ingest the file's documents, then synthetic brochures (bench/documents.py) until the store
   holds --passages passages: passages per second;
3. ask every question of the file through the answerer (routing + parsing + SQL, or
   retrieval + extractive answer) for --rounds rounds: p50/p95 per path, and the scores on
   the big store;
4. report peak memory (max RSS).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

from sqlalchemy.orm import Session  # noqa: E402

from bot.context import AppContext  # noqa: E402
from bot.settings import Settings  # noqa: E402
from crm import migrate  # noqa: E402
from crm.db import make_engine  # noqa: E402
from crm.models import Agent, FollowUp, Interaction, Lead  # noqa: E402
from documents import synthetic_sources  # noqa: E402  (bench/documents.py)
from handlers.answers.answerer import Answerer  # noqa: E402
from handlers.answers.evalset import build_crm, document_format, load_eval_file  # noqa: E402
from handlers.answers.evaluation import score_question  # noqa: E402
from handlers.documents.embedding import load_minilm  # noqa: E402
from handlers.documents.ingest import TextSource, ingest_texts  # noqa: E402
from handlers.documents.store import open_store  # noqa: E402

EVAL_FILE = ROOT / "data" / "eval" / "answers.json"
_FIRST = ["Ava", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jade", "Kai", "Lena", "Milo", "Nia",
          "Omar", "Pia", "Quin", "Rosa", "Saul", "Tara", "Uma", "Vik", "Wren", "Xan", "Yara", "Zed"]
_LAST = ["Abbott", "Baines", "Carver", "Dunn", "Ellery", "Frost", "Gale", "Hurst", "Irwin", "Jory", "Kemp", "Lowe",
         "Marsh", "Nolan", "Orr", "Penn", "Quayle", "Rook", "Sato", "Thorne", "Upton", "Vance", "Wade", "Yates"]


def add_leads(session: Session, n: int, *, now, asker: Agent, seed: int = 11) -> None:  # noqa: ANN001
    """Leads of the other agents only: the asker's answers must not change (scoping at scale)."""
    rng = random.Random(seed)
    agents = [a for a in session.query(Agent).all() if a.id != asker.id]
    statuses = ["new", "contacted", "qualified", "negotiating", "closed_won", "closed_lost", "follow_up"]
    projects = ["Harbour View", "Beachgate", "Maple Heights", "Riverside Lofts", "Cedar Park"]
    units = ["Studio", "1BR", "2BR", "3BR", "Penthouse", "Townhouse"]
    for i in range(n):
        created = now - timedelta(days=rng.randrange(1, 400), hours=rng.randrange(24))
        top = rng.randrange(200, 3000) * 1000
        lead = Lead(name=f"{rng.choice(_FIRST)} {rng.choice(_LAST)}-{i}", owner=rng.choice(agents),
                    status=rng.choice(statuses), project=rng.choice(projects), unit_type=rng.choice(units),
                    budget_min=int(top * 0.8), budget_max=top, source=rng.choice(["website", "referral", "portal"]),
                    created_at=created, updated_at=created)
        session.add(lead)
        for _ in range(rng.randrange(0, 4)):
            at = created + timedelta(days=rng.randrange(0, 60))
            if at < now:
                session.add(Interaction(lead=lead, kind=rng.choice(["call", "meeting", "viewing", "email"]),
                                        summary="Synthetic", occurred_at=at))
                lead.last_contacted_at = max(lead.last_contacted_at or at, at)
        if rng.random() < 0.4:
            session.add(FollowUp(lead=lead, title="Synthetic follow-up",
                                 due_at=now + timedelta(days=rng.randrange(-20, 30))))
    session.flush()


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    if not ordered:
        return {"p50": 0.0, "p95": 0.0, "n": 0}
    return {"p50": round(statistics.median(ordered), 1),
            "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1), "n": len(ordered)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=10_000, help="passages in the store (default 10000)")
    parser.add_argument("--leads", type=int, default=5_000, help="synthetic leads added to the CRM (default 5000)")
    parser.add_argument("--rounds", type=int, default=3, help="timing rounds over the questions")
    parser.add_argument("--file", type=Path, default=EVAL_FILE, help="evaluation file (EVAL_FORMATS section 2)")
    parser.add_argument("--json", type=Path, help="write the report here")
    parser.add_argument("--store", type=Path, help="keep the document store here and reuse it when it is already "
                        "filled (the ingest figures are then left out)")
    args = parser.parse_args()
    ev = load_eval_file(args.file)
    report: dict = {"file": str(args.file), "leads_added": args.leads}

    t = time.perf_counter()
    load_minilm()
    report["model_load_s"] = round(time.perf_counter() - t, 2)

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'crm.sqlite3'}")
        migrate.upgrade(engine)
        store = open_store(path=args.store or Path(tmp) / "chroma")
        fresh = store.count() == 0
        own = ingest_texts([TextSource(doc_id=d["id"], text=d["text"], title=d["title"] or d["id"],
                                       project=d["project"], kind=document_format(d)) for d in ev.documents],
                           store=store)
        synthetic = ingest_texts(synthetic_sources(args.passages - own.passages), store=store, progress=True)
        if fresh:
            report["ingest"] = {"documents": len(synthetic.documents), "passages": synthetic.passages,
                                "seconds": round(synthetic.seconds, 2),
                                "passages_per_second": round(synthetic.passages_per_second, 1)}
        else:
            report["ingest"] = "store reused (figures only for a fresh store)"
        report["store_passages"] = store.count()
        report["file_passages"] = own.passages

        answerer = Answerer(ctx=AppContext(Settings(data_dir=Path(tmp)), _engine=engine), store=store)
        with Session(engine, expire_on_commit=False) as session:
            asker = build_crm(ev, session)
            add_leads(session, args.leads, now=ev.now, asker=asker)
            session.commit()
            times: dict[str, list[float]] = {"data": [], "documents": []}
            results = []
            for r in range(args.rounds):
                for q in ev.questions:
                    res = score_question(answerer, q, session=session, agent=asker, ev=ev)
                    times.setdefault(res.route, []).append(res.ms)
                    if r == 0:
                        results.append(res)
            session.rollback()
        engine.dispose()

    docs = [r for r in results if r.document_hit is not None]
    data = [r for r in results if r.data_ok is not None]
    report["latency_ms"] = {route: percentiles(v) for route, v in times.items()}
    report["scores_on_big_store"] = {
        "routing_accuracy": round(sum(r.route_ok for r in results) / len(results), 4),
        "data_accuracy_with_extra_leads_of_other_agents": round(sum(bool(r.data_ok) for r in data) / len(data), 4)
        if data else None,
        "document_hit_rate": round(sum(bool(r.document_hit) for r in docs) / len(docs), 4) if docs else None,
        "document_mrr": round(sum(r.reciprocal_rank or 0 for r in docs) / len(docs), 4) if docs else None,
    }
    report["peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
