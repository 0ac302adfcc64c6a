"""A per-worker file of outbox ids the SMTP server has accepted but the database does not yet say
are sent.

Marking rows sent one commit per message would halve the send rate, so a worker marks them in
batches. Between an SMTP ``250`` and that batch commit, the only record that a message went out
is this journal: one ``write()`` per accepted message (the kernel keeps it if the process is
killed; it is not fsync'ed, so it does not survive a power cut).

The worker holds an exclusive ``flock`` on its journal for as long as it lives. Another worker
on the same machine that can take the lock knows the owner is dead, replays the ids into the
database (those rows are sent), releases the owner's other claims at once, and deletes the file.
"""
from __future__ import annotations

import fcntl
import os
import re
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

SUFFIX = ".journal"
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def make_worker_id() -> str:
    """Host, process and a random part: unique, and safe as a file name."""
    host = _SAFE.sub("_", socket.gethostname())[:40] or "host"
    return f"{host}-{os.getpid()}-{secrets.token_hex(3)}"


class AcceptJournal:
    def __init__(self, directory: Path, worker_id: str) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        if _SAFE.search(worker_id):
            raise ValueError("worker id must be safe as a file name")
        self.worker_id = worker_id
        self.path = self.directory / (worker_id + SUFFIX)
        # Locked before it is visible under its final name, so no one takes it for an orphan.
        fresh = self.path.with_suffix(".new")
        self._fd = os.open(fresh, os.O_CREAT | os.O_TRUNC | os.O_RDWR | os.O_APPEND, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.replace(fresh, self.path)
        self.pending = 0

    def record(self, outbox_id: int) -> None:
        os.write(self._fd, b"%d\n" % outbox_id)
        self.pending += 1

    def clear(self) -> None:
        """Called after the ids are committed as sent."""
        if self.pending:
            os.ftruncate(self._fd, 0)
            self.pending = 0

    def close(self) -> None:
        if self._fd < 0:
            return
        empty = self.pending == 0
        if empty:
            self.path.unlink(missing_ok=True)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = -1


@dataclass
class Orphan:
    """The journal of a worker that is no longer running, locked by us until ``done()``."""

    worker_id: str
    accepted: list[int]
    path: Path
    _fd: int

    def done(self) -> None:
        self.path.unlink(missing_ok=True)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)

    def abandon(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)


def orphans(directory: Path, *, own: Path | None = None) -> Iterator[Orphan]:
    """Journals in ``directory`` whose writer has died (their lock is free)."""
    directory = Path(directory)
    if not directory.is_dir():
        return
    for path in sorted(directory.glob(f"*{SUFFIX}")):
        if own is not None and path == own:
            continue
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read()
        # A line cut short by the kill has no newline: that id was never fully written.
        ids = [int(line) for line in data.split(b"\n")[:-1] if line.strip().isdigit()]
        yield Orphan(worker_id=path.name[: -len(SUFFIX)], accepted=ids, path=path, _fd=fd)


def live_workers(directory: Path) -> set[str]:
    """Ids of workers whose journal is locked, i.e. alive on this machine."""
    alive: set[str] = set()
    directory = Path(directory)
    if not directory.is_dir():
        return alive
    for path in directory.glob(f"*{SUFFIX}"):
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            alive.add(path.name[: -len(SUFFIX)])
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
    return alive
