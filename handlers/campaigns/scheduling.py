"""Campaign schedules in the worker's APScheduler (3.11), and the outbox drain.

- Each scheduled campaign is one job, ``campaign:<id>``, in a SQLAlchemy job store on the CRM
  database (table ``campaign_jobs``, created by the migrations), so a restarted worker keeps
  every schedule. Jobs are added with explicit ids and ``replace_existing``.
- ``coalesce=True`` and a week of ``misfire_grace_time``: a start that fell due while the worker
  was down (or several occurrences of a cron rule) runs once when it comes back. A one-off more
  than a week late is not sent by itself: the campaign pauses (reason ``misfire``) for an agent
  to resume or cancel.
- The CLI and Slack never touch the scheduler (APScheduler 3.x must not share a job store
  between running schedulers). They write the campaign row; ``sync`` (every few seconds, and
  at start) adds, replaces or removes jobs to match. A job is replaced only when its rule
  changes, so a restart never recomputes (and loses) a missed run.
- A job only creates the campaign's outbox rows, idempotently; sending is the drain job's, every
  couple of seconds, and is itself safe to run any number of times (``drain.py``).

Persisted jobs must name a module-level function with plain arguments, so the worker binds its
runtime (engine, transport, journal) here when it registers the jobs; ``fire_campaign`` finds it.
"""
from __future__ import annotations

import json
import logging
import threading
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import select

from crm.models import Campaign
from crm.types import utcnow
from handlers.campaigns import outbox
from handlers.campaigns.compose import composer_from_settings
from handlers.campaigns.drain import DrainReport, Drainer, SendPolicy
from handlers.campaigns.transport import transport_from_settings

log = logging.getLogger("crmbot.campaigns")

JOBSTORE = "campaigns"  # persistent: one job per scheduled campaign
LOCAL_STORE = "campaigns-local"  # in memory: the drain and sync jobs, re-added at every start
TABLE = "campaign_jobs"
DRAIN_JOB = "campaigns:drain"
SYNC_JOB = "campaigns:sync"
DRAIN_EVERY_S = 2
SYNC_EVERY_S = 5
MISFIRE_GRACE_S = 7 * 24 * 3600

_bound: dict[str, "CampaignRuntime"] = {}
_bind_lock = threading.Lock()


def job_id(campaign_id: int) -> str:
    return f"campaign:{campaign_id}"


def trigger_for(schedule: dict[str, Any], tz_name: str) -> BaseTrigger:
    tz = ZoneInfo(tz_name or "UTC")
    if schedule.get("kind") == "cron":
        return CronTrigger.from_crontab(schedule["cron"], timezone=tz)
    if schedule.get("kind") == "once":
        return DateTrigger(run_date=datetime.fromisoformat(schedule["at"]), timezone=tz)
    raise ValueError("campaign has no schedule")


def fingerprint(schedule: dict[str, Any], tz_name: str) -> str:
    return json.dumps({"schedule": schedule, "tz": tz_name}, sort_keys=True)


def fire_campaign(campaign_id: int, spec: str | None = None) -> None:
    """The persisted job: start the campaign (create its outbox rows). Safe to run twice."""
    runtime = bound_runtime()
    if runtime is None:
        raise RuntimeError("campaign jobs run only in the worker, after register_jobs")
    runtime.fire(campaign_id)


def bound_runtime() -> "CampaignRuntime | None":
    with _bind_lock:
        return _bound.get("worker")


class CampaignRuntime:
    """What the worker keeps for campaigns: its scheduler, context and one drainer."""

    def __init__(self, ctx: Any, *, scheduler: Any | None = None, policy: SendPolicy | None = None) -> None:
        self.ctx = ctx
        self.scheduler = scheduler
        self.policy = policy or SendPolicy()
        self.stopping = threading.Event()
        self._drainer: Drainer | None = None
        self._drainer_lock = threading.Lock()

    @property
    def settings(self) -> Any:
        return self.ctx.settings

    def drainer(self) -> Drainer:
        with self._drainer_lock:
            if self._drainer is None:
                settings = self.settings
                self._drainer = Drainer(
                    sessions=self.ctx.sessions, transport=transport_from_settings(settings),
                    composer=composer_from_settings(settings),
                    journal_dir=settings.data_dir / "outbox-journal", policy=self.policy, stop=self.stopping,
                )
            return self._drainer

    # -- jobs ----------------------------------------------------------------------------------

    def fire(self, campaign_id: int) -> int:
        now = utcnow()
        domain = self.settings.mail_domains[0] if self.settings.mail_domains else "localhost"
        with self.ctx.sessions.begin() as session:
            campaign = session.get(Campaign, campaign_id, with_for_update=True)
            if campaign is None or campaign.state not in ("scheduled", "running"):
                log.info("campaign start skipped", extra={"campaign": campaign_id,
                                                          "state": campaign.state if campaign else None})
                return 0
            added = outbox.start(session, campaign, domain=domain, now=now)
            campaign.state = "running"
            campaign.started_at = campaign.started_at or now
        log.info("campaign started", extra={"campaign": campaign_id, "new_rows": added})
        self.kick()
        return added

    def drain(self) -> DrainReport | None:
        if self.stopping.is_set():
            return None
        report = self.drainer().drain()
        if report.sent or report.failed or report.retried or report.paused:
            log.info("outbox drained", extra={"sent": report.sent, "retried": report.retried,
                                              "failed": report.failed, "paused": report.paused})
        return report

    def kick(self) -> None:
        """Run the drain now instead of at its next tick."""
        if self.scheduler is not None and getattr(self.scheduler, "running", False):
            try:
                self.scheduler.modify_job(DRAIN_JOB, jobstore=LOCAL_STORE, next_run_time=datetime.now(timezone.utc))
            except Exception:  # the job may be gone during shutdown; the next tick will do
                log.debug("drain kick skipped", exc_info=True)

    def sync(self) -> None:
        """Make the persisted jobs match the campaigns' schedules and states."""
        scheduler = self.scheduler
        if scheduler is None:
            return
        now = utcnow()
        jobs = {job.id: job for job in scheduler.get_jobs(jobstore=JOBSTORE)}
        wanted: set[str] = set()
        with self.ctx.sessions() as session:
            rows = session.execute(
                select(Campaign.id, Campaign.state, Campaign.schedule, Campaign.timezone, Campaign.started_at)
                .where(Campaign.state.in_(("scheduled", "running")))
            ).all()
        for cid, state, schedule, tz_name, started_at in rows:
            schedule = schedule or {}
            kind = schedule.get("kind")
            if kind == "cron" or (kind == "once" and state == "scheduled" and started_at is None):
                jid = job_id(cid)
                wanted.add(jid)
                spec = fingerprint(schedule, tz_name)
                job = jobs.get(jid)
                if job is not None and job.kwargs.get("spec") == spec:
                    continue
                if kind == "once" and job is None and \
                        datetime.fromisoformat(schedule["at"]) < now - timedelta(seconds=MISFIRE_GRACE_S):
                    self._pause_misfired(cid)
                    continue
                try:
                    trigger = trigger_for(schedule, tz_name)
                except (ValueError, KeyError):
                    log.warning("campaign schedule unreadable", extra={"campaign": cid})
                    continue
                scheduler.add_job(
                    fire_campaign, trigger, args=[cid], kwargs={"spec": spec}, id=jid, name=f"campaign {cid}",
                    jobstore=JOBSTORE, replace_existing=True, coalesce=True, max_instances=1,
                    misfire_grace_time=MISFIRE_GRACE_S,
                )
                log.info("campaign scheduled", extra={"campaign": cid, "kind": kind})
        for jid in set(jobs) - wanted:
            scheduler.remove_job(jid, jobstore=JOBSTORE)
            log.info("campaign schedule removed", extra={"job": jid})

    def _pause_misfired(self, campaign_id: int) -> None:
        with self.ctx.sessions.begin() as session:
            campaign = session.get(Campaign, campaign_id)
            if campaign is not None and campaign.state == "scheduled" and campaign.started_at is None:
                campaign.state, campaign.pause_reason = "paused", "misfire"
                log.warning("campaign start missed by more than the grace time; paused", extra={"campaign": campaign_id})

    # -- lifecycle -----------------------------------------------------------------------------

    def stop(self) -> None:
        self.stopping.set()
        with self._drainer_lock:
            drainer, self._drainer = self._drainer, None
        if drainer is not None:
            drainer.close()


def register_jobs(scheduler: Any, ctx: Any) -> None:
    """Worker job registrar (bot/wiring.py WORKER_JOBS)."""
    scheduler.add_jobstore(SQLAlchemyJobStore(engine=ctx.engine, tablename=TABLE), alias=JOBSTORE)
    scheduler.add_jobstore(MemoryJobStore(), alias=LOCAL_STORE)
    runtime = CampaignRuntime(ctx, scheduler=scheduler)
    with _bind_lock:
        _bound["worker"] = runtime
    now = datetime.now(timezone.utc)
    # A drain that is still running makes the next tick return at once (max_instances=2 keeps
    # APScheduler from logging a skipped run every tick of a long campaign).
    scheduler.add_job(runtime.drain, "interval", seconds=DRAIN_EVERY_S, id=DRAIN_JOB, name="campaign outbox drain",
                      jobstore=LOCAL_STORE, replace_existing=True, coalesce=True, max_instances=2,
                      misfire_grace_time=DRAIN_EVERY_S, next_run_time=now)
    scheduler.add_job(runtime.sync, "interval", seconds=SYNC_EVERY_S, id=SYNC_JOB, name="campaign schedule sync",
                      jobstore=LOCAL_STORE, replace_existing=True, coalesce=True, max_instances=1,
                      misfire_grace_time=SYNC_EVERY_S, next_run_time=now)


class _Lifecycle:
    name = "campaigns"

    def __init__(self, runtime: CampaignRuntime) -> None:
        self.runtime = runtime

    def start(self) -> None:
        pass

    def stop(self) -> None:
        self.runtime.stop()
        with _bind_lock:
            if _bound.get("worker") is self.runtime:
                del _bound["worker"]


def component(ctx: Any) -> _Lifecycle | None:
    """Worker component (bot/wiring.py WORKER_COMPONENTS): stops sending cleanly on shutdown."""
    runtime = bound_runtime()
    return _Lifecycle(runtime) if runtime is not None and runtime.ctx is ctx else None
