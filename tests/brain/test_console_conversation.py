"""A whole console conversation, typed into `crmbot chat` as a user would, against a real database."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.commands.chat import run_chat
from crm.models import AuditEntry, FollowUp, Interaction, Lead, Notification, Plan
from tests.brain.conftest import Clock

ROOT = Path(__file__).resolve().parents[2]


class Script:
    """Feeds lines to run_chat one at a time and keeps what the bot printed after each."""

    def __init__(self, team, brain, clock, as_email="alex@agency.example"):  # noqa: ANN001
        self.team, self.brain, self.clock, self.as_email = team, brain, clock, as_email

    def run(self, *lines: str) -> str:
        out = io.StringIO()
        code = run_chat(self.team.ctx, as_email=self.as_email, stdin=io.StringIO("".join(f"{x}\n" for x in lines)),
                        stdout=out, brain=self.brain, clock=self.clock)
        assert code == 0
        return out.getvalue()


def _turns(transcript: str) -> list[str]:
    """The bot's output after each typed line (index 0: before the first line)."""
    return transcript.split("you> ")


def _lead(team, name):  # noqa: ANN001, ANN202
    with team.ctx.sessions() as s:
        return s.get(Lead, team.leads[name])


def _count(team, model, **where) -> int:  # noqa: ANN001
    with team.ctx.sessions() as s:
        stmt = select(func.count()).select_from(model)
        for k, v in where.items():
            stmt = stmt.where(getattr(model, k) == v)
        return s.scalar(stmt)


def test_a_scripted_console_conversation_covers_every_action(team, make_brain):
    clock = Clock(team.now)
    brain = make_brain(team, clock=clock)
    chat = Script(team, brain, clock)

    # A due follow-up is shown at the first prompt, with Done / Snooze; typing the label answers it.
    out = _turns(chat.run("done", "show John Doe"))
    assert "Overdue: Call back about financing — Liam Neeson" in out[0] and "[1] Done" in out[0]
    assert "Marked done ✓ Call back about financing — Liam Neeson" in out[1]
    with team.ctx.sessions() as s:
        assert s.scalars(select(FollowUp).where(FollowUp.lead_id == team.leads["Liam Neeson"])).one().status == "done"
        assert s.scalar(select(func.count()).select_from(Notification).where(
            Notification.delivered_at.is_(None))) == 0
    card = out[2]
    assert "John Doe (Acme Ltd) — contacted" in card and "Owner: Alex Morgan" in card
    assert "Last contact: Tue 17 Nov 19:30" in card and "Send floor plans — Fri 20 Nov 07:30" in card
    assert card.index("Prefers WhatsApp") < card.index("Sent the price list") < card.index("Viewed the show")
    assert "Wants a sea view" not in card  # only the last three interactions

    # A multi-action plan, confirmed: one line listing every change, times in the agent's zone.
    out = _turns(chat.run(
        "Log that my call with John Doe went well, move him to negotiating and remind me to send the contract "
        "tomorrow morning", "yes"))
    plan_text = out[1]
    assert "Here's the plan:" in plan_text and "John Doe (Acme Ltd): log call '" in plan_text
    assert " · status contacted → negotiating · follow-up '" in plan_text and "Thu 19 Nov 09:00" in plan_text
    assert "Done ✓" in out[2]
    john = _lead(team, "John Doe")
    assert john.status == "negotiating" and john.last_contacted_at == team.now
    assert _count(team, Interaction, lead_id=john.id, kind="call") == 2  # one from the fixture
    with team.ctx.sessions() as s:
        plan = s.scalars(select(Plan).where(Plan.status == "executed")).one()
        fields = {(r.entity, r.field) for r in s.scalars(select(AuditEntry).where(AuditEntry.plan_id == plan.id))}
    assert {("leads", "status"), ("leads", "last_contacted_at"), ("interactions", "kind"),
            ("follow_ups", "due_at")} <= fields

    # Undo reverts the whole plan through the audit trail.
    out = _turns(chat.run("undo"))
    assert "Undone ↩" in out[1]
    john = _lead(team, "John Doe")
    assert john.status == "contacted" and john.last_contacted_at == team.now - timedelta(hours=20)
    assert _count(team, Interaction, lead_id=john.id, kind="call") == 1
    assert _count(team, Plan, status="undone") == 1

    # Each action on its own: a cancel, a logged meeting, a follow-up.
    out = _turns(chat.run("Move Mary Poppins to qualified", "no"))
    assert "Mary Poppins: status new → qualified" in out[1] and "Cancelled — nothing was changed." in out[2]
    assert _lead(team, "Mary Poppins").status == "new"
    out = _turns(chat.run("Log a meeting with Mary Poppins: she loved the penthouse", "yes"))
    assert "Mary Poppins: log meeting 'she loved the penthouse'" in out[1] and "Done ✓" in out[2]
    out = _turns(chat.run("Remind me to call Grace Hopper on Friday at 3pm", "yes"))
    assert "Grace Hopper (Cobol Systems): follow-up '" in out[1] and "Fri 20 Nov 15:00" in out[1]
    assert _count(team, FollowUp, lead_id=team.leads["Grace Hopper"], status="open") == 1

    # An ambiguous name: the bot asks which one, and the answer continues the same plan.
    out = _turns(chat.run("move John to qualified", "the second one", "yes"))
    assert "Which lead do you mean?" in out[1]
    assert "1. John Doe (Acme Ltd)" in out[1] and "2. John Smith (Smith & Partners)" in out[1]
    assert "John Smith (Smith & Partners): status contacted → qualified" in out[2]
    assert _lead(team, "John Smith").status == "qualified" and _lead(team, "John Doe").status == "contacted"

    # Another agent's lead: a refusal naming the owner, nothing changes.
    out = _turns(chat.run("move José Álvarez to won"))
    assert "José Álvarez is Sam Lee's lead" in out[1] and "Nothing was changed." in out[1]
    assert _lead(team, "José Álvarez").status == "qualified"

    # A status the CRM doesn't have: the valid list.
    out = _turns(chat.run("move Liam Neeson to hot"))
    assert '"hot" isn\'t a status I know' in out[1] and "closed_won" in out[1]

    # Expiry: confirming after the plan's time to live changes nothing.
    out = _turns(chat.run("Move Liam Neeson to closed won"))
    assert "Liam Neeson: status negotiating → closed won" in out[1]
    clock.advance(minutes=team.ctx.settings.plan_ttl_minutes + 1)
    out = _turns(chat.run("yes"))
    assert "expired" in out[1] and _lead(team, "Liam Neeson").status == "negotiating"

    # Help and questions never reach the CRM.
    out = _turns(chat.run("help", "How many of my leads are negotiating?"))
    assert '"Move John Doe to negotiating"' in out[1]
    assert "I can't answer questions yet" in out[2]


def test_a_proposal_from_a_leads_reply_is_shown_at_the_prompt_and_confirmed_by_typing_yes(team, make_brain):
    from bot.brain import replies
    from bot.notify import notify
    from crm.models import Agent
    from handlers.actions import create_plan

    with team.ctx.sessions.begin() as s:
        alex = s.get(Agent, team.agents["alex"])
        plan = create_plan(s, actions=[{"type": "opt_out", "lead_id": team.leads["Mary Poppins"]}], agent=alex,
                           conversation_key="email:<reply-1@mail.example>", channel="email", source="lead_reply",
                           now=team.now)
        notify(s, agent_id=alex.id, kind="proposal", reply=replies.plan(plan, ttl_minutes=30, lead_name="Mary Poppins"))
        plan_id = plan.id
    clock = Clock(team.now)
    out = _turns(Script(team, make_brain(team, clock=clock), clock).run("yes"))
    assert "Proposed from Mary Poppins's email reply:" in out[0]
    assert "Mary Poppins: opt out of all campaign email" in out[0]
    assert "Done ✓" in out[1]
    with team.ctx.sessions() as s:
        assert s.get(Plan, plan_id).status == "executed"
        assert s.get(Lead, team.leads["Mary Poppins"]).opted_out_at == team.now


def _chat_process(team, *lines: str, as_email: str = "alex@agency.example") -> subprocess.Popen:  # noqa: ANN001
    env = {**os.environ, "DATABASE_URL": team.url, "CRMBOT_DATA_DIR": str(team.ctx.settings.data_dir),
           "CRMBOT_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "chat", "--as", as_email], cwd=ROOT, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdin.write("".join(f"{x}\n" for x in lines))
    proc.stdin.close()
    return proc


def _finish(proc: subprocess.Popen) -> str:
    out = proc.stdout.read()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0, err
    return out


def test_a_plan_made_before_a_restart_is_confirmed_by_a_new_process(team_at, make_brain):
    from datetime import datetime, timezone

    team = team_at(datetime.now(timezone.utc))  # the new process runs on the real clock
    brain = make_brain(team, clock=lambda: datetime.now(timezone.utc))
    first = _turns(Script(team, brain, None).run("move John to qualified", "2"))
    assert "John Smith (Smith & Partners): status contacted → qualified" in first[2]
    brain.close()  # the first process is gone; only the database remembers the plan

    out = _finish(_chat_process(team, "yes"))
    assert "Done ✓" in out and "John Smith (Smith & Partners): status contacted → qualified" in out
    assert _lead(team, "John Smith").status == "qualified"
    with team.ctx.sessions() as s:
        rows = list(s.scalars(select(AuditEntry).where(AuditEntry.field == "status")))
    assert [(r.old_value, r.new_value, r.channel) for r in rows] == [("contacted", "qualified", "console")]


def test_an_ambiguity_question_asked_before_a_restart_is_answered_in_a_new_process(team_at, make_brain):
    from datetime import datetime, timezone

    team = team_at(datetime.now(timezone.utc))
    brain = make_brain(team, clock=lambda: datetime.now(timezone.utc))
    first = _turns(Script(team, brain, None).run("show John"))
    assert "Which lead do you want to see?" in first[1]
    brain.close()
    out = _finish(_chat_process(team, "John Smith"))
    assert "John Smith (Smith & Partners) — contacted" in out


def test_a_proposal_whose_buttons_carry_bare_decisions_is_confirmed_by_its_number(team, make_brain):
    from bot.messages import Choice, Reply
    from bot.notify import notify
    from crm.models import Agent
    from handlers.actions import create_plan

    with team.ctx.sessions.begin() as s:
        alex = s.get(Agent, team.agents["alex"])
        plan = create_plan(s, actions=[{"type": "update_status", "lead_id": team.leads["Mary Poppins"],
                                        "to": "qualified"}], agent=alex, conversation_key="email:<r2@x>",
                           channel="email", source="lead_reply", now=team.now)
        notify(s, agent_id=alex.id, kind="proposal", plan_id=plan.id, reply=Reply(
            text="Mary Poppins asked to move ahead.", kind="proposal", plan_id=plan.id,
            choices=(Choice("Confirm", "confirm", "primary"), Choice("Cancel", "cancel", "danger"))))
    clock = Clock(team.now)
    out = _turns(Script(team, make_brain(team, clock=clock), clock).run("1"))
    assert "[1] Confirm   [2] Cancel" in out[0] and "Done ✓" in out[1]
    assert _lead(team, "Mary Poppins").status == "qualified"
