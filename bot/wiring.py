"""Which parts run in which process: one table, so routing is data.

Each entry is "module:attribute". Web routes are functions ctx -> iterable of Starlette routes;
components are factories ctx -> object with name/start()/stop() (or None when not configured);
worker jobs are functions (scheduler, ctx) -> None that add jobs with explicit ids.
"""
from __future__ import annotations

import importlib
from typing import Any

WEB_ROUTES: list[str] = [
]
WEB_COMPONENTS: list[str] = [
]
WORKER_JOBS: list[str] = [
]
WORKER_COMPONENTS: list[str] = [
]


def load(entries: list[str]) -> list[Any]:
    out = []
    for entry in entries:
        module, _, attr = entry.partition(":")
        out.append(getattr(importlib.import_module(module), attr))
    return out
