"""The worker process: one APScheduler that runs every periodic job, plus long-running pollers.

APScheduler 3.x must run in exactly one process (a shared job store under several schedulers
sends duplicates), so only `crmbot worker` starts it; every job it runs drains a queue in the
database and is safe to run twice.
"""
from __future__ import annotations

import logging
import signal
import threading
from typing import Callable

from apscheduler.schedulers.background import BackgroundScheduler

from bot import wiring
from bot.context import AppContext
from bot.serve import ComponentFactory

log = logging.getLogger("crmbot.worker")

JobRegistrar = Callable[[BackgroundScheduler, AppContext], None]



def build_scheduler(ctx: AppContext) -> BackgroundScheduler:
    return BackgroundScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )


def run(ctx: AppContext, *, stop_event: threading.Event | None = None) -> None:
    stop = stop_event or threading.Event()
    if stop_event is None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    scheduler = build_scheduler(ctx)
    for register in wiring.load(wiring.WORKER_JOBS):
        register(scheduler, ctx)
    started = []
    try:
        scheduler.start()
        log.info("scheduler started", extra={"jobs": len(scheduler.get_jobs())})
        for factory in wiring.load(wiring.WORKER_COMPONENTS):
            comp = factory(ctx)
            if comp is not None:
                comp.start()
                started.append(comp)
                log.info("component started", extra={"component": comp.name})
        stop.wait()
    finally:
        log.info("worker stopping")
        for comp in reversed(started):
            comp.stop()
        if scheduler.running:
            scheduler.shutdown(wait=True)
        log.info("worker stopped")
