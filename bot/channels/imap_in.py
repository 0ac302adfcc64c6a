"""The IMAP poller (imapclient), run by `crmbot worker` when IMAP_HOST is set.

Nothing missed, nothing read twice, across restarts of either side:

- Where we are is kept in the database (``ImapState``): the folder's UIDVALIDITY and the last
  UID handled (RFC 3501 section 2.3.1.1). The UID is advanced in the same transaction that
  stores the raw message, so a crash can at worst leave a stored row unprocessed (the worker's
  drain takes it), never a message skipped; the Message-ID de-duplication of the inbox drops
  the one fetched again after a crash between fetch and commit.
- A new folder, or one whose UIDVALIDITY changed (it was recreated, UIDs were reassigned),
  is read by its unseen messages once, and then by UID again.
- Messages are fetched with BODY.PEEK[] (not marking them seen); once handled they are
  flagged \\Seen, or moved to IMAP_DONE_FOLDER (MOVE, RFC 6851, or COPY + expunge).
- IDLE (RFC 2177) when the server has it, in short slices so a stop is quick, ended and
  re-issued every poll interval (never more than ten minutes: servers drop an IDLE after 30,
  and IDLE connections die silently behind NAT), and a search by UID after each: polling is the
  baseline, IDLE only makes it prompt. Without IDLE, a plain poll every IMAP poll interval.
- Any connection error: disconnect, wait with exponential backoff and jitter, reconnect.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from imapclient import IMAPClient, SEEN
from imapclient.imapclient import SocketTimeout
from sqlalchemy import select

from bot.context import AppContext
from bot.settings import Settings
from crm.errors import ConfigError
from crm.models import ImapState
from handlers.email_in.inbox import store
from handlers.email_in.service import InboxService

log = logging.getLogger("crmbot.imap_in")

IDLE_MAX_SECONDS = 600  # re-issue IDLE well before the 29 minutes of RFC 2177
IDLE_SLICE_SECONDS = 1.0
FETCH_BATCH = 20
CONNECT_TIMEOUT = 15.0
READ_TIMEOUT = 120.0


@dataclass(frozen=True)
class Backoff:
    first: float = 1.0
    most: float = 60.0

    def delay(self, failures: int) -> float:
        base = min(self.most, self.first * (2 ** max(0, failures - 1)))
        return base * random.uniform(0.8, 1.2)


class ImapPoller:
    """A worker component: one thread that keeps one IMAP connection to one folder."""

    name = "imap_in"

    def __init__(self, settings: Settings, service: InboxService, *, backoff: Backoff = Backoff(),
                 connect: Callable[[], IMAPClient] | None = None, idle_max: float = IDLE_MAX_SECONDS) -> None:
        if not settings.imap_host or not settings.imap_user:
            raise ConfigError("the IMAP poller needs IMAP_HOST and IMAP_USER")
        self.settings = settings
        self.service = service
        self.backoff = backoff
        self.idle_max = idle_max
        self._connect = connect or self._default_connect
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._unmarked: list[int] = []  # handled, but the \\Seen flag or move did not reach the server
        self.account = f"{settings.imap_user}@{settings.imap_host}:{settings.imap_port}"
        self.folder = settings.imap_folder
        self.connected = threading.Event()
        self.failures = 0  # consecutive failed connections (reset once a folder is selected)
        self.sessions_opened = 0

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name="imap-poller", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run(self) -> None:
        while not self._stop.is_set():
            client = None
            try:
                client = self._connect()
                self._session(client)
            except Exception as exc:  # network, server restart, protocol: reconnect after a pause
                self.failures += 1
                self.connected.clear()
                wait = self.backoff.delay(self.failures)
                log.warning("imap connection lost; reconnecting", extra={"error": type(exc).__name__,
                                                                         "retry_in_s": round(wait, 1)})
                self._stop.wait(wait)
            finally:
                if client is not None:
                    _quietly(client.logout)
                    _quietly(client.shutdown)

    # -- one connection ---------------------------------------------------------------------
    def _default_connect(self) -> IMAPClient:
        s = self.settings
        client = IMAPClient(s.imap_host, port=s.imap_port, ssl=s.imap_ssl,
                            timeout=SocketTimeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT))
        client.login(s.imap_user, s.imap_password or "")
        return client

    def _session(self, client: IMAPClient) -> None:
        done_folder = self.settings.imap_done_folder
        if done_folder and not client.folder_exists(done_folder):
            client.create_folder(done_folder)
        selected = client.select_folder(self.folder)
        uidvalidity = int(selected[b"UIDVALIDITY"])
        uidnext = int(selected.get(b"UIDNEXT", 0) or 0)
        first_sight = self._check_uidvalidity(uidvalidity)
        self.failures = 0
        self.sessions_opened += 1
        self.connected.set()
        log.info("imap folder selected", extra={"folder": self.folder, "uidvalidity": uidvalidity})
        if first_sight:
            self._read_unseen(client, below=uidnext)
        can_idle = b"IDLE" in client.capabilities()
        while not self._stop.is_set():
            self._mark_pending(client)
            self._read_new(client)
            if can_idle:
                self._idle(client)
            else:
                self._stop.wait(self.settings.imap_poll_seconds)

    def _idle(self, client: IMAPClient) -> None:
        period = min(float(self.settings.imap_poll_seconds), self.idle_max)
        client.idle()
        try:
            deadline = time.monotonic() + period
            while not self._stop.is_set() and time.monotonic() < deadline:
                responses = client.idle_check(timeout=IDLE_SLICE_SECONDS)
                if any(r[1] in (b"EXISTS", b"RECENT") for r in responses if isinstance(r, tuple) and len(r) > 1):
                    break
        finally:
            client.idle_done()

    # -- where we are ---------------------------------------------------------------------------
    def _state(self, session: Any) -> ImapState:
        state = session.scalar(select(ImapState).where(ImapState.account == self.account,
                                                       ImapState.folder == self.folder))
        if state is None:
            state = ImapState(account=self.account, folder=self.folder, uidvalidity=None, last_uid=0)
            session.add(state)
            session.flush()
        return state

    def _check_uidvalidity(self, uidvalidity: int) -> bool:
        """True when the folder is new to us or its UIDs were reassigned (then start over)."""
        with self.service.sessions.begin() as session:
            state = self._state(session)
            if state.uidvalidity == uidvalidity:
                return False
            if state.uidvalidity is not None:
                log.warning("imap UIDVALIDITY changed; reading unseen mail again",
                            extra={"folder": self.folder, "old": state.uidvalidity, "new": uidvalidity})
            state.uidvalidity = uidvalidity
            state.last_uid = 0
            self._unmarked.clear()  # UIDs of the old validity mean nothing now
            return True

    def _last_uid(self) -> int:
        with self.service.sessions() as session:
            return int(self._state(session).last_uid or 0)

    # -- reading -----------------------------------------------------------------------------
    def _read_unseen(self, client: IMAPClient, *, below: int) -> None:
        uids = sorted(int(u) for u in client.search(["UNSEEN"]))
        if below:
            uids = [u for u in uids if u < below]
        self._handle(client, uids)
        if below:
            self._advance(below - 1)

    def _read_new(self, client: IMAPClient) -> None:
        last = self._last_uid()
        # "UID n:*" always matches the newest message, even below n (RFC 3501 section 6.4.8).
        uids = sorted(u for u in (int(x) for x in client.search(["UID", f"{last + 1}:*"])) if u > last)
        self._handle(client, uids)

    def _handle(self, client: IMAPClient, uids: list[int]) -> None:
        for start in range(0, len(uids), FETCH_BATCH):
            batch = uids[start:start + FETCH_BATCH]
            fetched = client.fetch(batch, ["BODY.PEEK[]"])
            for uid in batch:
                if self._stop.is_set():
                    return
                data = fetched.get(uid) or {}
                raw = data.get(b"BODY[]")
                inbound_id = self._store(uid, raw if isinstance(raw, bytes) else None)
                if inbound_id is not None:
                    try:
                        self.service.process(inbound_id)
                    except Exception:  # stored and committed: the drain job processes it later
                        log.exception("processing an imap message failed", extra={"inbound_id": inbound_id})
                self._unmarked.append(uid)
                self._mark_pending(client)

    def _store(self, uid: int, raw: bytes | None) -> int | None:
        """Store the message and move past its UID in one transaction."""
        with self.service.sessions.begin() as session:
            state = self._state(session)
            inbound_id = None
            if raw is not None:  # None: expunged between SEARCH and FETCH
                inbound_id = store(session, raw, source="imap", mail_from=None, rcpt_to=None, load=False).inbound_id
            state.last_uid = max(int(state.last_uid or 0), uid)
        return inbound_id

    def _advance(self, uid: int) -> None:
        with self.service.sessions.begin() as session:
            state = self._state(session)
            state.last_uid = max(int(state.last_uid or 0), uid)

    def _mark_pending(self, client: IMAPClient) -> None:
        if not self._unmarked:
            return
        uids, self._unmarked = self._unmarked, []
        try:
            done = self.settings.imap_done_folder
            if done:
                if b"MOVE" in client.capabilities():
                    client.move(uids, done)
                else:
                    client.copy(uids, done)
                    client.delete_messages(uids)
                    if b"UIDPLUS" in client.capabilities():
                        client.uid_expunge(uids)
                    else:
                        client.expunge()
            else:
                client.add_flags(uids, [SEEN])
        except Exception:
            self._unmarked = uids + self._unmarked
            raise


def _quietly(fn: Callable[[], Any]) -> None:
    try:
        fn()
    except Exception:  # closing a dead connection: nothing left to do
        pass


def component(ctx: AppContext) -> ImapPoller | None:
    """Factory for bot/wiring.py WORKER_COMPONENTS: on when IMAP_HOST is set."""
    s = ctx.settings
    if not s.imap_host:
        return None
    return ImapPoller(s, InboxService.from_context(ctx))
