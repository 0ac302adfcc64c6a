"""Inbound SMTP (aiosmtpd), run by `crmbot serve`: leads' replies straight into the inbox.

The protocol handler only decides what it can decide at once and then hands off, as
healthchecks' ``smtpd.py`` and Zulip's email mirror do:

- RCPT: only addresses at our domains (``settings.mail_domains``), only our mailboxes;
  anything else gets ``550 5.1.1`` (RFC 3463: bad destination mailbox). Nothing is relayed.
- DATA: the raw message is stored (a committed INSERT, made by a store thread so the event loop
  keeps serving; concurrent sessions share commits) and ``250`` is returned. If the database
  cannot take it the answer is ``451 4.3.0``, so the sending server keeps the message and tries
  again (RFC 5321 section 4.2.5).
  Messages over the size limit get ``552`` from aiosmtpd (and SIZE is advertised, RFC 1870).
- Processing happens after, on a queue drained by one thread in this process. Rows it never
  got to (the process stopped) stay ``received``: this process takes them at its next start and
  the worker's drain job takes them after a couple of minutes.

STARTTLS (RFC 3207) is offered when a certificate is configured; AUTH (RFC 4954), when
configured, is required and only offered over TLS (aiosmtpd's ``auth_require_tls``).
"""
from __future__ import annotations

import asyncio
import hmac
import logging
import queue
import ssl
import threading
from concurrent.futures import Future
from typing import Any, Callable

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from bot.context import AppContext
from bot.settings import Settings
from crm.errors import ConfigError
from handlers.email_in.service import InboxService

log = logging.getLogger("crmbot.smtp_in")

# Local parts we answer for at our domains; "reply+<token>" and "bounce+<anything>" included.
# RFC 5321 section 4.5.1 requires postmaster.
MAILBOXES = frozenset({"reply", "bounce", "bounces", "postmaster", "abuse"})
READY_TIMEOUT = 30.0  # generous: CI machines can be slow to start the server thread
STORE_BATCH = 100
PROCESS_BATCH = 10  # short enough that a batch never holds the database long
DRAIN_SECONDS = 60


def accepted_mailboxes(settings: Settings) -> frozenset[str]:
    local, _, domain = settings.mail_from.strip("<> ").rpartition("@")
    own = {local.lower()} if local and domain.lower() in {d.lower() for d in settings.mail_domains} else set()
    return MAILBOXES | own


def recipient_refusal(address: str, settings: Settings) -> str | None:
    """Why RCPT TO ``address`` is refused (an SMTP reply), or None when we take it."""
    local, at, domain = (address or "").strip().strip("<>").rpartition("@")
    if not at or not local:
        return "550 5.1.1 Recipient address not accepted"
    if domain.lower() not in {d.lower() for d in settings.mail_domains}:
        # Not ours: we never relay (RFC 5321 section 3.6.2 lets a server refuse).
        return "550 5.1.1 Recipient not accepted here: relaying is not permitted"
    if local.lower().split("+", 1)[0] not in accepted_mailboxes(settings):
        return "550 5.1.1 Mailbox unknown"
    return None


class LenientSMTP(SMTP):
    """RFC 5321 section 4.5.3.1.6 caps a line at 1000 octets, but real clients send longer HTML
    lines and Postfix takes them; refusing would bounce a lead's reply back to the lead."""

    line_length_limit = 1 << 20


class InboundController(Controller):
    def factory(self) -> SMTP:
        return LenientSMTP(self.handler, **self.SMTP_kwargs)


class InboundHandler:
    """aiosmtpd handler: check recipients, store the data, hand the stored id on."""

    def __init__(self, *, settings: Settings, storer: "Storer") -> None:
        self.settings = settings
        self.storer = storer

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201
        refusal = recipient_refusal(address, self.settings)
        if refusal:
            log.info("recipient refused", extra={"rcpt": address[:320]})
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201
        raw = envelope.original_content or b""
        try:
            await asyncio.wrap_future(self.storer.submit(raw, envelope.mail_from or None, list(envelope.rcpt_tos)))
        except Exception:
            log.exception("storing an inbound message failed; the sender will retry")
            return "451 4.3.0 Temporary failure storing the message, please try again later"
        return "250 2.0.0 OK: message accepted"


class Storer(threading.Thread):
    """Stores messages for every SMTP session in this process, committing them in groups.

    Each message's 250 waits for the commit that holds it; while one commit is on disk the next
    messages queue up and share the next one, so a busy server pays one fsync per group rather
    than per message (group commit), and an idle one answers at once.
    """

    _STOP = object()

    def __init__(self, service: InboxService, *, on_stored: Callable[[int], None], max_batch: int = STORE_BATCH) -> None:
        super().__init__(name="smtp-store", daemon=True)
        self.service = service
        self.on_stored = on_stored
        self.max_batch = max_batch
        self.queue: queue.Queue[Any] = queue.Queue()

    def submit(self, raw: bytes, mail_from: str | None, rcpt_to: list[str]) -> Future:
        future: Future = Future()
        self.queue.put((raw, mail_from, rcpt_to, future))
        return future

    def stop(self, timeout: float = 30.0) -> None:
        self.queue.put(self._STOP)
        self.join(timeout)

    def run(self) -> None:
        while True:
            batch, stop = _take(self.queue, self._STOP, self.max_batch)
            if batch:
                self._store(batch)
            if stop:
                return

    def _store(self, batch: list[tuple[bytes, str | None, list[str], Future]]) -> None:
        try:
            ids = self.service.store_many([(raw, mail_from, rcpt) for raw, mail_from, rcpt, _ in batch],
                                          source="smtp")
        except Exception as exc:
            for *_, future in batch:
                future.set_exception(exc)
            return
        for (*_, future), inbound_id in zip(batch, ids):
            future.set_result(inbound_id)
            if inbound_id is not None:
                self.on_stored(inbound_id)


def _take(q: "queue.Queue[Any]", stop_marker: object, most: int) -> tuple[list[Any], bool]:
    """Block for one item, then take whatever else is already waiting (up to ``most``)."""
    items: list[Any] = []
    item = q.get()
    while True:
        if item is stop_marker:
            return items, True
        items.append(item)
        if len(items) >= most:
            return items, False
        try:
            item = q.get_nowait()
        except queue.Empty:
            return items, False


class PasswordCheck:
    """aiosmtpd authenticator for the one configured user (constant-time comparison)."""

    def __init__(self, user: str, password: str) -> None:
        self._user = user.encode()
        self._password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):  # noqa: ANN001, ANN204
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = hmac.compare_digest(auth_data.login, self._user) & hmac.compare_digest(auth_data.password, self._password)
        # handled=False: aiosmtpd then sends the standard 235 / 535 5.7.8 reply itself.
        return AuthResult(success=bool(ok), handled=False, auth_data=auth_data if ok else None)


class Processor(threading.Thread):
    """One thread that processes stored messages in order; what queued up while it was busy is
    processed together in one transaction (each message in its own savepoint)."""

    _STOP = object()

    def __init__(self, service: InboxService) -> None:
        super().__init__(name="inbox-processor", daemon=True)
        self.service = service
        self.queue: queue.Queue[Any] = queue.Queue()

    def submit(self, inbound_id: int) -> None:
        self.queue.put(inbound_id)

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the batch in hand and stop; queued rows stay ``received`` for the next run."""
        try:
            while True:
                self.queue.get_nowait()
        except queue.Empty:
            pass
        self.queue.put(self._STOP)
        self.join(timeout)

    def run(self) -> None:
        while True:
            batch, stop = _take(self.queue, self._STOP, PROCESS_BATCH)
            if batch:
                try:
                    self.service.process_many(batch)
                except Exception:  # the rows stay received; the drain picks them up later
                    log.exception("processing inbound messages failed", extra={"inbound_ids": batch[:20]})
            if stop:
                return


class SmtpIn:
    """The web component: the SMTP server, its store threads and the processing thread."""

    name = "smtp_in"

    def __init__(self, settings: Settings, service: InboxService) -> None:
        self.settings = settings
        self.service = service
        self.controller: InboundController | None = None
        self.processor: Processor | None = None
        self.storer: Storer | None = None

    def smtp_parameters(self) -> dict[str, Any]:
        s = self.settings
        params: dict[str, Any] = {"data_size_limit": s.smtp_in_max_bytes, "enable_SMTPUTF8": True,
                                  "ident": "crmbot ESMTP"}
        if s.smtp_in_tls_cert or s.smtp_in_tls_key:
            if not (s.smtp_in_tls_cert and s.smtp_in_tls_key):
                raise ConfigError("CRMBOT_SMTP_IN_TLS_CERT and CRMBOT_SMTP_IN_TLS_KEY must be set together")
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            try:
                context.load_cert_chain(s.smtp_in_tls_cert, s.smtp_in_tls_key)
            except (OSError, ssl.SSLError):
                raise ConfigError("cannot load the inbound SMTP TLS certificate or key") from None
            params["tls_context"] = context
        if s.smtp_in_auth_user:
            if "tls_context" not in params:
                raise ConfigError("inbound SMTP AUTH needs STARTTLS: set CRMBOT_SMTP_IN_TLS_CERT and _KEY")
            params.update(auth_required=True, auth_require_tls=True,
                          authenticator=PasswordCheck(s.smtp_in_auth_user, s.smtp_in_auth_password or ""))
        return params

    def start(self) -> None:
        params = self.smtp_parameters()
        self.processor = Processor(self.service)
        self.processor.start()
        self.storer = Storer(self.service, on_stored=self.processor.submit)
        self.storer.start()
        handler = InboundHandler(settings=self.settings, storer=self.storer)
        self.controller = InboundController(handler, hostname=self.settings.smtp_in_host, port=self.settings.smtp_in_port,
                                     ready_timeout=READY_TIMEOUT, **params)
        self.controller.start()
        self._resume()
        log.info("smtp in listening", extra={"host": self.settings.smtp_in_host, "port": self.settings.smtp_in_port})

    def _resume(self) -> None:
        """Queue what an earlier run stored but never processed."""
        from handlers.email_in.inbox import received_ids

        try:
            with self.service.sessions() as session:
                for inbound_id in received_ids(session, limit=10_000):
                    self.processor.submit(inbound_id)  # type: ignore[union-attr]
        except Exception:
            log.exception("could not queue leftover inbound messages; the worker's drain will")

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
        if self.storer is not None:
            self.storer.stop()
            self.storer = None
        if self.processor is not None:
            self.processor.stop()
            self.processor = None


def component(ctx: AppContext) -> SmtpIn | None:
    """Factory for bot/wiring.py WEB_COMPONENTS."""
    if not ctx.settings.smtp_in_enabled:
        return None
    return SmtpIn(ctx.settings, InboxService.from_context(ctx))


def register_jobs(scheduler, ctx: AppContext) -> None:  # noqa: ANN001
    """Worker job: process inbound rows left ``received`` (the fallback when no web process took them)."""
    service = InboxService.from_context(ctx)
    scheduler.add_job(service.drain, "interval", seconds=DRAIN_SECONDS, id="email_in_drain",
                      replace_existing=True)
