import json
from datetime import timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from bot.context import AppContext
from bot.messages import Reply
from bot.settings import Settings
from crm.models import FollowUp, Notification
from handlers.reminders import JOB_ID, register_jobs, run_reminders, send_due_reminders


@pytest.fixture
def alex(make_agent):
    return make_agent("Alex Morgan")


def _notes(session, agent):
    return list(session.scalars(select(Notification).where(Notification.agent_id == agent.id)))


def test_a_due_follow_up_becomes_one_reminder_with_done_and_snooze(session, alex, make_lead, now):
    john = make_lead("John Doe", owner=alex, company="Acme Ltd")
    fu = FollowUp(lead=john, agent=alex, title="Send the contract", due_at=now - timedelta(hours=3))
    session.add(fu)
    session.flush()
    assert send_due_reminders(session, now=now) == 1
    (n,) = _notes(session, alex)
    reply = Reply.from_dict(n.payload)
    assert n.kind == "reminder" and n.follow_up_id == fu.id and reply.kind == "reminder"
    assert reply.text.startswith("⏰ Overdue: Send the contract — John Doe (Acme Ltd) (Wed 18 Nov 12:30)")
    assert [json.loads(c.value) for c in reply.choices] == [
        {"follow_up_id": fu.id, "decision": "done"}, {"follow_up_id": fu.id, "decision": "snooze"}]
    session.refresh(fu)
    assert fu.reminded_at == now


def test_running_the_job_twice_sends_one_reminder(session, alex, make_lead, now):
    session.add(FollowUp(lead=make_lead("Mary Poppins", owner=alex), agent=alex, title="Call", due_at=now))
    session.flush()
    assert send_due_reminders(session, now=now) == 1
    assert send_due_reminders(session, now=now + timedelta(minutes=1)) == 0
    assert len(_notes(session, alex)) == 1


def test_future_closed_and_snoozed_follow_ups_are_not_reminded_until_due(session, alex, make_lead, now):
    lead = make_lead("Mary Poppins", owner=alex)
    session.add_all([
        FollowUp(lead=lead, agent=alex, title="later", due_at=now + timedelta(minutes=5)),
        FollowUp(lead=lead, agent=alex, title="closed", due_at=now - timedelta(days=1), status="done"),
        FollowUp(lead=lead, agent=alex, title="snoozed", due_at=now - timedelta(hours=1),
                 snoozed_until=now + timedelta(minutes=30)),
    ])
    session.flush()
    assert send_due_reminders(session, now=now) == 0
    assert send_due_reminders(session, now=now + timedelta(minutes=31)) == 2  # "later" and "snoozed"
    titles = sorted(Reply.from_dict(n.payload).text.split(": ")[1].split(" — ")[0] for n in _notes(session, alex))
    assert titles == ["later", "snoozed"]


def test_reminders_go_to_the_follow_ups_agent_in_their_time_zone(session, make_agent, make_lead, now):
    priya = make_agent("Priya Shah", tz="Asia/Dubai")
    session.add(FollowUp(lead=make_lead("Fatima Khan", owner=priya), agent=priya, title="Call", due_at=now))
    session.flush()
    send_due_reminders(session, now=now)
    (n,) = _notes(session, priya)
    assert "(Wed 18 Nov 19:30)" in Reply.from_dict(n.payload).text


def test_the_worker_job_is_registered_once_with_a_fixed_id(tmp_path):
    ctx = AppContext(Settings(data_dir=tmp_path, reminder_interval_seconds=45))
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.start(paused=True)  # jobs added to a running scheduler go to its job store at once
    try:
        register_jobs(scheduler, ctx)
        register_jobs(scheduler, ctx)  # a restarted worker replaces the job rather than adding a second
        job = scheduler.get_job(JOB_ID)
        assert [j.id for j in scheduler.get_jobs()] == [JOB_ID]
        assert job.func is run_reminders and job.trigger.interval == timedelta(seconds=45)
    finally:
        scheduler.shutdown(wait=False)


def test_the_job_commits_its_reminders(committed, engine, now):
    from crm.models import Agent, Lead

    with committed.begin() as s:
        agent = Agent(name="Alex Morgan", email="alex.job@agency.example")
        lead = Lead(name="John Doe", owner=agent, status="new")
        s.add(FollowUp(lead=lead, agent=agent, title="Call", due_at=now))
    ctx = AppContext(Settings(), _engine=engine)
    assert run_reminders(ctx) == 1
    assert run_reminders(ctx) == 0
    with committed() as s:
        assert s.scalars(select(FollowUp)).one().reminded_at is not None
