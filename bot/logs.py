"""Structured log lines: `time level logger event key=value ...`, or one JSON object per line."""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class KeyValueFormatter(logging.Formatter):
    def __init__(self, as_json: bool = False) -> None:
        super().__init__()
        self.as_json = as_json

    def format(self, record: logging.LogRecord) -> str:
        extra = {k: v for k, v in vars(record).items() if k not in RESERVED and not k.startswith("_")}
        ts = datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")
        if self.as_json:
            doc = {"time": ts, "level": record.levelname.lower(), "logger": record.name,
                   "event": record.getMessage(), **extra}
            if record.exc_info:
                doc["exc"] = self.formatException(record.exc_info)
            return json.dumps(doc, default=str)
        pairs = " ".join(f"{k}={_quote(v)}" for k, v in extra.items())
        line = f"{ts} {record.levelname.lower():<7} {record.name} {record.getMessage()} {pairs}".rstrip()
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def _quote(v: object) -> str:
    s = str(v)
    return json.dumps(s) if (not s or any(c.isspace() for c in s) or '"' in s) else s


def configure(level: str = "INFO", fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter(as_json=fmt == "json"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "chromadb", "apscheduler.executors.default", "mail.log", "uvicorn.access", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
