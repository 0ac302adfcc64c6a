"""End-to-end time of the brain on the demo data: message → plan shown, and "yes" → done.

Each iteration sends one request through ``Brain.handle`` (understanding, lead resolution, the
LangGraph graph with its checkpointer, the plan written) and then "yes" (graph resumed, plan
run in one transaction with its audit rows). Requests rotate through a status change, a logged
call, a follow-up and a three-action message over the agent's own leads. Warm-up turns are not
counted. Baseline in the same run: the action engine alone (``create_plan`` + ``decide_plan``
on the same actions, no understanding and no graph), so the difference is the brain's cost.

    .venv/bin/python bench/actions.py [--iterations 200] [--database-url URL]

Target: p95 under 50 ms for each step on SQLite. Wall-clock times count waiting for a busy CPU
and for the disk; the CPU columns (this process's CPU time per step) show the work itself, which
is what to compare between runs on a shared machine.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select

from bot.brain import Brain
from bot.context import AppContext
from bot.messages import Message
from bot.settings import Settings
from crm.demo import load_demo
from crm.models import Agent, Lead, Plan
from fresh_db import empty_and_migrate
from handlers.actions import create_plan, decide_plan

STATUSES = ("contacted", "qualified", "negotiating")


def requests(names: list[str], n: int) -> list[str]:
    out = []
    for i in range(n):
        lead = names[i % len(names)]
        kind = i % 4
        if kind == 0:
            out.append(f"move {lead} to {STATUSES[i % 3]}")
        elif kind == 1:
            out.append(f"log a call with {lead}: discussed the payment plan")
        elif kind == 2:
            out.append(f"remind me to send {lead} the floor plans tomorrow at 10")
        else:
            out.append(f"Had a viewing with {lead}, move them to {STATUSES[(i + 1) % 3]} and remind me to call "
                       f"them on Friday at 3pm")
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def fresh(url: str | None, tmp: Path) -> AppContext:
    ctx = AppContext(Settings(database_url=url or f"sqlite:///{tmp / 'bench.sqlite3'}", data_dir=tmp))
    empty_and_migrate(ctx.engine)
    with ctx.sessions.begin() as s:
        load_demo(s)
    return ctx


Timings = tuple[list[float], list[float], list[float], list[float], float, int]


def run_brain(ctx: AppContext, texts: list[str], *, warmup: int) -> Timings:
    with ctx.sessions() as s:
        alex = s.scalar(select(Agent).where(Agent.email == "alex@agency.example"))
    brain = Brain(ctx=ctx)
    to_plan, to_done, cpu_plan, cpu_done = [], [], [], []
    executed = 0
    started = time.perf_counter()
    try:
        for i, text in enumerate(texts):
            key = "bench:alex"
            c0, t0 = time.process_time(), time.perf_counter()
            replies = brain.handle(Message(text=text, agent_id=alex.id, channel="console", conversation_key=key))
            c1, t1 = time.process_time(), time.perf_counter()
            if not replies or replies[-1].kind != "plan":
                raise SystemExit(f"no plan for {text!r}: {[r.text for r in replies]}")
            done = brain.handle(Message(text="yes", agent_id=alex.id, channel="console", conversation_key=key))
            c2, t2 = time.process_time(), time.perf_counter()
            if done[-1].kind != "done":
                raise SystemExit(f"not done for {text!r}: {[r.text for r in done]}")
            if i == warmup - 1:
                started = time.perf_counter()
            if i >= warmup:
                to_plan.append((t1 - t0) * 1000)
                to_done.append((t2 - t1) * 1000)
                cpu_plan.append((c1 - c0) * 1000)
                cpu_done.append((c2 - c1) * 1000)
                executed += 1
        elapsed = time.perf_counter() - started
    finally:
        brain.close()
    return to_plan, to_done, cpu_plan, cpu_done, elapsed, executed


def run_engine(ctx: AppContext, n: int) -> tuple[list[float], list[float]]:
    """The baseline: the same kinds of plans made and confirmed straight through the action engine."""
    with ctx.sessions() as s:
        alex = s.scalar(select(Agent).where(Agent.email == "alex@agency.example"))
        leads = list(s.scalars(select(Lead.id).where(Lead.owner_id == alex.id).order_by(Lead.id)))
    make, run = [], []
    for i in range(n):
        lead = leads[i % len(leads)]
        due = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
        actions = [{"type": "update_status", "lead_id": lead, "to": STATUSES[i % 3]},
                   {"type": "log_interaction", "lead_id": lead, "kind": "call", "summary": "discussed"},
                   {"type": "schedule_follow_up", "lead_id": lead, "title": "call", "due_at": due}][: 1 + i % 3]
        t0 = time.perf_counter()
        with ctx.sessions.begin() as s:
            agent = s.get(Agent, alex.id)
            plan = create_plan(s, actions=actions, agent=agent, conversation_key="bench:engine", channel="console")
            plan_id = plan.id
        t1 = time.perf_counter()
        with ctx.sessions.begin() as s:
            out = decide_plan(s, plan_id, "confirm", actor=s.get(Agent, alex.id), channel="console")
        t2 = time.perf_counter()
        assert out.status == "executed"
        make.append((t1 - t0) * 1000)
        run.append((t2 - t1) * 1000)
    return make, run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iterations", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=8)
    ap.add_argument("--database-url", help="PostgreSQL URL (its tables are dropped); default a temp SQLite file")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        ctx = fresh(args.database_url, Path(d))
        with ctx.sessions() as s:
            alex = s.scalar(select(Agent).where(Agent.email == "alex@agency.example"))
            names = list(s.scalars(select(Lead.name).where(Lead.owner_id == alex.id).order_by(Lead.id)))
        texts = requests(names, args.iterations + args.warmup)
        to_plan, to_done, cpu_plan, cpu_done, elapsed, executed = run_brain(ctx, texts, warmup=args.warmup)
        make, run = run_engine(ctx, args.iterations)
        with ctx.sessions() as s:
            plans = len(list(s.scalars(select(Plan.id).where(Plan.status == "executed"))))
        ctx.close()

    print(f"database: {'PostgreSQL' if args.database_url else 'SQLite'}; iterations: {executed} "
          f"(after {args.warmup} warm-up); executed plans in the database: {plans}")
    print(f"{'':<24} {'p50 ms':>6} {'p95 ms':>8} {'max ms':>8}")
    for label, values in (("message -> plan", to_plan), ("yes -> done", to_done),
                          ("  (CPU) message -> plan", cpu_plan), ("  (CPU) yes -> done", cpu_done),
                          ("engine: create_plan", make), ("engine: decide_plan", run)):
        print(f"{label:<24} {statistics.median(values):6.1f} {pct(values, 95):8.1f} {max(values):8.1f}")
    print(f"plans per second, end to end (message, plan, yes, done): {executed / elapsed:.1f}")
    ok = pct(to_plan, 95) < 50 and pct(to_done, 95) < 50
    print(f"target p95 < 50 ms for each step: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
