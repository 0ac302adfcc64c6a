"""The web process's HTTP app: health, one-click unsubscribe, and routes other parts add."""
from __future__ import annotations

import logging
from typing import Callable, Iterable

from jinja2 import Environment
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse
from starlette.routing import BaseRoute, Route

from bot.context import AppContext
from bot.templating import template_env
from handlers.unsubscribe import opt_out

log = logging.getLogger("crmbot.web")

RouteProvider = Callable[[AppContext], Iterable[BaseRoute]]


def build_app(ctx: AppContext, providers: Iterable[RouteProvider] = ()) -> Starlette:
    env = template_env()

    async def healthz(request: Request) -> JSONResponse:
        try:
            with ctx.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            log.exception("health check failed")
            return JSONResponse({"ok": False, "database": "unreachable"}, status_code=503)
        return JSONResponse({"ok": True})

    async def unsubscribe(request: Request) -> HTMLResponse | PlainTextResponse:
        token = request.path_params["token"]
        if request.method == "GET":
            # A GET must not unsubscribe: mail scanners follow links (RFC 8058 section 3.2).
            return HTMLResponse(_render(env, "web/unsubscribe_confirm.html.j2", token=token))
        with ctx.sessions.begin() as session:
            outcome = opt_out(session, token=token, channel="web")
        if not outcome.found:
            return HTMLResponse(_render(env, "web/unsubscribe_unknown.html.j2"), status_code=404)
        log.info("lead unsubscribed", extra={"via": "web", "already": outcome.already})
        return HTMLResponse(_render(env, "web/unsubscribe_done.html.j2"))

    routes: list[BaseRoute] = [
        Route("/healthz", healthz),
        Route("/unsubscribe/{token}", unsubscribe, methods=["GET", "POST"]),
    ]
    for provider in providers:
        routes.extend(provider(ctx))
    return Starlette(routes=routes)


def _render(env: Environment, name: str, **kw: object) -> str:
    return env.get_template(name).render(**kw)
