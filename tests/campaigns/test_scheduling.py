"""Schedules in the worker's APScheduler with the SQLAlchemy job store on the CRM database."""
from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Iterator

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from bot.worker import build_scheduler
from crm.models import Campaign, CampaignJob, Lead, OutboxMessage
from handlers.campaigns import scheduling, service
from handlers.campaigns.scheduling import CampaignRuntime, component, fire_campaign, register_jobs
from tests.campaigns.support import wait_until


@contextmanager
def worker(ctx) -> Iterator[BackgroundScheduler]:  # noqa: ANN001
    """What `crmbot worker` does with the campaign parts: register, start, and stop."""
    scheduler = build_scheduler(ctx)
    register_jobs(scheduler, ctx)
    scheduler.start()
    lifecycle = component(ctx)
    assert lifecycle is not None
    try:
        yield scheduler
    finally:
        lifecycle.stop()
        scheduler.shutdown(wait=True)


def outbox_states(committed, campaign_id):  # noqa: ANN001, ANN201
    with committed() as s:
        return Counter(s.scalars(select(OutboxMessage.state).where(OutboxMessage.campaign_id == campaign_id)))


def stored_job(committed, campaign_id):  # noqa: ANN001, ANN201
    with committed() as s:
        return s.get(CampaignJob, scheduling.job_id(campaign_id))


def test_a_start_due_while_the_worker_was_down_goes_out_once_after_a_restart(committed, smtp, seed, ctx):
    recorder, _ = smtp
    s = seed(5, start=False)
    at = datetime.now(timezone.utc) + timedelta(seconds=1.5)
    with committed.begin() as session:
        service.schedule_campaign(session, s.campaign_id, actor=None, at=at)

    with worker(ctx):  # the worker persists the job, then goes down before it is due
        wait_until(lambda: stored_job(committed, s.campaign_id) is not None, timeout=30)
    wait_until(lambda: datetime.now(timezone.utc) > at + timedelta(seconds=0.5), timeout=10)
    assert recorder.received == []

    with worker(ctx):  # back up: the missed start runs once
        wait_until(lambda: outbox_states(committed, s.campaign_id) == Counter({"sent": 5}), timeout=30)
        wait_until(lambda: stored_job(committed, s.campaign_id) is None, timeout=30)

    with worker(ctx) as scheduler:  # and another restart sends nothing more
        runtime = scheduling.bound_runtime()
        runtime.sync()
        runtime.drain()
        assert scheduler.get_jobs(jobstore=scheduling.JOBSTORE) == []

    assert sorted(r.rcpt for r in recorder.received) == sorted(s.emails)
    with committed() as session:
        assert session.get(Campaign, s.campaign_id).state == "finished"


def test_a_cron_campaign_keeps_its_job_across_restarts_and_each_run_adds_only_new_leads(committed, smtp, seed, ctx):
    recorder, _ = smtp
    s = seed(3, start=False)
    with committed.begin() as session:
        service.schedule_campaign(session, s.campaign_id, actor=None, cron="0 9 * * MON", timezone_name="Asia/Dubai")

    with worker(ctx) as scheduler:
        wait_until(lambda: stored_job(committed, s.campaign_id) is not None, timeout=30)
        job = scheduler.get_job(scheduling.job_id(s.campaign_id), jobstore=scheduling.JOBSTORE)
        local = job.next_run_time.astimezone(job.trigger.timezone)
        assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)
        assert str(job.trigger.timezone) == "Asia/Dubai"
        assert job.misfire_grace_time == scheduling.MISFIRE_GRACE_S and job.coalesce is True
        first_run = job.next_run_time

    with worker(ctx) as scheduler:  # restarted: same job, same next run (not recomputed)
        runtime = scheduling.bound_runtime()
        runtime.sync()
        job = scheduler.get_job(scheduling.job_id(s.campaign_id), jobstore=scheduling.JOBSTORE)
        assert job.next_run_time == first_run

        fire_campaign(s.campaign_id)  # what the trigger does on Monday at 09:00
        fire_campaign(s.campaign_id)  # a second run (retried job) changes nothing
        wait_until(lambda: outbox_states(committed, s.campaign_id) == Counter({"sent": 3}), timeout=30)
        wait_until(lambda: _state(committed, s.campaign_id) == "scheduled", timeout=30)

        with committed.begin() as session:
            session.add(Lead(name="New Lead", email="new.lead@example.com", token="new-lead-token",
                             project="Harbour View", status="new"))
        fire_campaign(s.campaign_id)  # next Monday
        wait_until(lambda: outbox_states(committed, s.campaign_id) == Counter({"sent": 4}), timeout=30)

    assert Counter(r.rcpt for r in recorder.received) == Counter([*s.emails, "new.lead@example.com"])


def test_pausing_removes_the_job_and_resuming_brings_it_back(committed, smtp, seed, ctx):
    s = seed(2, start=False)
    with committed.begin() as session:
        service.schedule_campaign(session, s.campaign_id, actor=None, cron="30 8 * * *")
    with worker(ctx):
        runtime = scheduling.bound_runtime()
        runtime.sync()
        assert stored_job(committed, s.campaign_id) is not None
        with committed.begin() as session:
            service.pause_campaign(session, s.campaign_id, actor=None)
        runtime.sync()
        assert stored_job(committed, s.campaign_id) is None
        with committed.begin() as session:
            view = service.resume_campaign(session, s.campaign_id, actor=None)
        assert view.state == "scheduled"
        runtime.sync()
        assert stored_job(committed, s.campaign_id) is not None


def test_a_one_off_missed_by_more_than_the_grace_time_pauses_instead_of_sending(committed, smtp, seed, ctx):
    recorder, _ = smtp
    s = seed(2, start=False)
    long_ago = datetime.now(timezone.utc) - timedelta(seconds=scheduling.MISFIRE_GRACE_S + 3600)
    with committed.begin() as session:
        c = session.get(Campaign, s.campaign_id)
        c.state, c.schedule = "scheduled", {"kind": "once", "at": long_ago.isoformat()}

    runtime = CampaignRuntime(ctx, scheduler=BackgroundScheduler(timezone="UTC"))
    runtime.scheduler.add_jobstore("memory", alias=scheduling.JOBSTORE)
    runtime.sync()

    with committed() as session:
        c = session.get(Campaign, s.campaign_id)
        assert (c.state, c.pause_reason) == ("paused", "misfire")
    assert recorder.received == []


def test_a_persisted_job_outside_the_worker_refuses_to_run():
    assert scheduling.bound_runtime() is None
    with pytest.raises(RuntimeError):
        fire_campaign(1)


def _state(committed, campaign_id) -> str:  # noqa: ANN001
    with committed() as s:
        return s.get(Campaign, campaign_id).state
