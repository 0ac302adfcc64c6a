"""Two processes confirming the same plan at the same moment run it once.

Each confirmer is a separate OS process with its own connections (multiprocessing "spawn"),
released together by a barrier. Each holds its transaction open a little after deciding, so
the other's claim really does meet an uncommitted one (on PostgreSQL it waits on the row lock
and then finds the plan executed; on SQLite it waits for the database lock).
"""
from __future__ import annotations

import multiprocessing as mp
import time
from datetime import datetime, timezone

from sqlalchemy import func, select

from crm.models import Agent, AuditEntry, Interaction, Lead, Plan
from handlers.actions import create_plan
from tests.brain.test_console_conversation import _chat_process, _finish


def _confirm(url: str, plan_id: str, agent_id: int, barrier, results) -> None:  # noqa: ANN001
    from crm.db import make_engine, session_factory
    from handlers.actions import decide_plan

    engine = make_engine(url)
    sessions = session_factory(engine)
    with engine.connect() as conn:  # connect before the race, so both start level
        conn.exec_driver_sql("SELECT 1")
    barrier.wait(timeout=60)
    with sessions.begin() as s:
        out = decide_plan(s, plan_id, "confirm", actor=s.get(Agent, agent_id), channel="slack")
        time.sleep(0.5)  # keep the transaction (and its claim) open while the other process tries
    results.put(out.status)
    engine.dispose()


def _plan(team) -> str:  # noqa: ANN001
    with team.ctx.sessions.begin() as s:
        p = create_plan(s, agent=s.get(Agent, team.agents["alex"]), conversation_key="slack:D1:U1", channel="slack",
                        actions=[{"type": "update_status", "lead_id": team.leads["John Doe"], "to": "negotiating"},
                                 {"type": "log_interaction", "lead_id": team.leads["John Doe"], "kind": "call",
                                  "summary": "went well"}])
        return p.id


def _audit_rows(team, plan_id: str) -> list[tuple[str, str]]:  # noqa: ANN001
    with team.ctx.sessions() as s:
        return [(r.entity, r.field) for r in
                s.scalars(select(AuditEntry).where(AuditEntry.plan_id == plan_id).order_by(AuditEntry.id))]


def test_two_processes_confirming_the_same_plan_at_once_execute_it_once(team_at):
    team = team_at(datetime.now(timezone.utc))
    plan_id = _plan(team)
    spawn = mp.get_context("spawn")
    barrier, results = spawn.Barrier(2), spawn.Queue()
    procs = [spawn.Process(target=_confirm, args=(team.url, plan_id, team.agents["alex"], barrier, results))
             for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    assert sorted([results.get(timeout=5), results.get(timeout=5)]) == ["already", "executed"]
    # One set of audit rows: status, last contact, and the new interaction's fields, once each.
    rows = _audit_rows(team, plan_id)
    assert sorted(rows) == sorted(set(rows))
    assert ("leads", "status") in rows and ("interactions", "kind") in rows
    with team.ctx.sessions() as s:
        assert s.get(Plan, plan_id).status == "executed"
        assert s.scalar(select(func.count()).select_from(Interaction).where(Interaction.plan_id == plan_id)) == 1
        assert s.get(Lead, team.leads["John Doe"]).status == "negotiating"


def test_two_consoles_typing_yes_for_the_same_waiting_plan_run_it_once(team_at, make_brain):
    from bot.messages import Message

    team = team_at(datetime.now(timezone.utc))
    brain = make_brain(team, clock=lambda: datetime.now(timezone.utc))
    (plan,) = brain.handle(Message(text="move John Smith to qualified", agent_id=team.agents["alex"],
                                   channel="console", conversation_key="console:alex@agency.example"))
    brain.close()
    procs = [_chat_process(team, "yes") for _ in range(2)]
    outs = [_finish(p) for p in procs]
    assert sum("Done ✓" in o for o in outs) == 1
    assert _audit_rows(team, plan.plan_id) == [("leads", "status")]
    with team.ctx.sessions() as s:
        assert s.get(Lead, team.leads["John Smith"]).status == "qualified"
