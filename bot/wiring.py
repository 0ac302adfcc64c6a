"""Which parts run in which process: one table, so routing is data.

Each entry is "module:attribute". Web routes are functions ctx -> iterable of Starlette routes;
components are factories ctx -> object with name/start()/stop() (or None when not configured);
worker jobs are functions (scheduler, ctx) -> None that add jobs with explicit ids.
"""
from __future__ import annotations

import importlib
from typing import Any

WEB_ROUTES: list[str] = [
    "bot.channels.slack.http:routes",
]
WEB_COMPONENTS: list[str] = [
    "bot.channels.slack.http:socket_component",
    "bot.channels.smtp_in:component",
]
WORKER_JOBS: list[str] = [
    "bot.channels.slack.dedupe:register",
    "bot.channels.smtp_in:register_jobs",
    "handlers.reminders:register_jobs",
    "handlers.campaigns.scheduling:register_jobs",
]
WORKER_COMPONENTS: list[str] = [
    "bot.channels.slack.deliver:component",
    "bot.channels.imap_in:component",
    "handlers.campaigns.scheduling:component",
]


def load(entries: list[str]) -> list[Any]:
    out = []
    for entry in entries:
        module, _, attr = entry.partition(":")
        out.append(getattr(importlib.import_module(module), attr))
    return out
