"""The web process: the HTTP app (Slack, unsubscribe, health) and the inbound SMTP server.

The parts come from bot/wiring.py: WEB_ROUTES (HTTP routes) and WEB_COMPONENTS (things with
start()/stop(), such as the SMTP server). uvicorn handles SIGTERM and SIGINT: it stops taking
requests, finishes those in flight, and then the components are stopped in reverse order.
"""
from __future__ import annotations

import gc
import logging
import signal
from typing import Callable, Iterable, Protocol

import uvicorn

from bot import wiring
from bot.context import AppContext
from bot.web import RouteProvider, build_app

log = logging.getLogger("crmbot.serve")


class Component(Protocol):
    name: str

    def start(self) -> None: ...

    def stop(self) -> None: ...


ComponentFactory = Callable[[AppContext], "Component | None"]



def run(ctx: AppContext, *, routes: Iterable[RouteProvider] | None = None,
        components: Iterable[ComponentFactory] | None = None) -> None:
    s = ctx.settings
    app = build_app(ctx, wiring.load(wiring.WEB_ROUTES) if routes is None else routes)
    started: list[Component] = []
    try:
        for factory in wiring.load(wiring.WEB_COMPONENTS) if components is None else components:
            comp = factory(ctx)
            if comp is not None:
                comp.start()
                started.append(comp)
                log.info("component started", extra={"component": comp.name})
        config = uvicorn.Config(app, host=s.http_host, port=s.http_port, log_config=None,
                                access_log=False, lifespan="off")
        log.info("web listening", extra={"host": s.http_host, "port": s.http_port})
        # uvicorn re-raises the signal it shut down on once it is done; a no-op handler for it
        # lets the components below stop and the process exit 0.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: None)
        # Start-up loaded the language models; leave them out of garbage-collection scans, or a
        # full collection over them stalls every request for ~300 ms (docs.python.org/3/library/gc.html#gc.freeze).
        gc.collect()
        gc.freeze()
        uvicorn.Server(config).run()
    finally:
        for comp in reversed(started):
            comp.stop()
            log.info("component stopped", extra={"component": comp.name})
        log.info("web stopped")
