"""Handing one message to the mail system: an SMTP server over a reused connection, or a local
Maildir when no server is configured (so the demo works offline).

Failures are classified as RFC 5321 section 4.2.1 does: a 4yz reply is transient (try again
later), a 5yz reply is permanent for that message. Network failures are transient.

Configuration is one URL (``SMTP_URL``):

- ``smtp://user:pass@host:587`` — STARTTLS when the server offers it (RFC 3207); required when
  credentials are given, unless the host is the loopback interface.
- ``smtps://user:pass@host:465`` — TLS from the first byte (RFC 8314 section 3.3).
- ``?starttls=required`` / ``?starttls=off`` override the STARTTLS choice; ``?timeout=30`` sets
  the socket timeout in seconds (default 60).

Credentials are never sent over an unencrypted connection to another host.

A sender with other work to do (the campaign drainer composing its next messages) can hand it to
``SmtpTransport.while_waiting``: it runs while the server works on MAIL, RCPT and DATA, instead
of after their replies, so the two overlap.
"""
from __future__ import annotations

import ipaddress
import logging
import mailbox
import re
import smtplib
import ssl
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from crm.errors import ConfigError

DEFAULT_TIMEOUT_S = 60.0
log = logging.getLogger("crmbot.campaigns")
# A bare address that needs no parsing to become an SMTP path: printable ASCII, no space, no <>.
_BARE_ADDRESS = re.compile(r"[!-;=?-~]+")
_LINE_END = re.compile(rb"\r\n|\n|\r")
_DOT_AFTER_LINE_END = re.compile(rb"\n\.")  # faster than the ``in`` operator for this needle
_LINE_START_DOT = re.compile(rb"(?m)^\.")


class SendError(Exception):
    """The message was not accepted. ``permanent`` means do not try this message again."""

    def __init__(self, *, permanent: bool, code: int | None, reason: str) -> None:
        super().__init__(reason)
        self.permanent = permanent
        self.code = code
        self.reason = reason

    def summary(self) -> str:
        return f"{self.code} {self.reason}" if self.code else self.reason


class Transport(Protocol):
    name: str

    def send(self, raw: bytes, *, mail_from: str, rcpt: str) -> None:
        """Return once the server accepted the message; raise SendError otherwise."""

    def close(self) -> None: ...


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    implicit_tls: bool = False
    starttls: str = "auto"  # auto | required | off
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT_S

    @classmethod
    def from_url(cls, url: str) -> "SmtpConfig":
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ConfigError("SMTP_URL must look like smtp://user:pass@host:587 or smtps://user:pass@host:465")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        starttls = query.get("starttls", "auto").lower()
        if starttls not in ("auto", "required", "off"):
            raise ConfigError("SMTP_URL starttls must be auto, required or off")
        try:
            timeout = float(query.get("timeout", DEFAULT_TIMEOUT_S))
        except ValueError:
            raise ConfigError("SMTP_URL timeout must be a number of seconds") from None
        implicit = parts.scheme == "smtps"
        try:
            port = parts.port or (465 if implicit else 587)
        except ValueError:
            raise ConfigError("SMTP_URL has an invalid port") from None
        return cls(
            host=parts.hostname,
            port=port,
            implicit_tls=implicit,
            starttls="off" if implicit else starttls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            timeout=timeout,
        )

    @property
    def loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def classify(code: int | None, message: bytes | str | None) -> SendError:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else (message or "")
    text = " ".join(text.split())[:300]
    permanent = code is not None and 500 <= code < 600
    return SendError(permanent=permanent, code=code, reason=text or "no reason given")


class SmtpTransport:
    """One SMTP session reused for many messages; reconnects when the server drops it."""

    name = "smtp"

    def __init__(self, config: SmtpConfig, *, tls_context: ssl.SSLContext | None = None) -> None:
        self.config = config
        self._tls = tls_context or ssl.create_default_context()
        self._conn: smtplib.SMTP | None = None
        self._waiting: Callable[[], None] | None = None
        self.connections_opened = 0

    @contextmanager
    def while_waiting(self, work: Callable[[], None]) -> Iterator[None]:
        """Call ``work`` each time MAIL, RCPT or DATA is on its way and its reply not yet read.

        Never while the message itself is: that reply may be the server's acceptance, and
        nothing should stand between it and the caller's record of it (the window RFC 1047
        describes stays as short as it can be). ``work`` should be short (a fraction of a round
        trip) and should not raise: an error from it is logged and the transaction goes on.
        """
        previous, self._waiting = self._waiting, work
        try:
            yield
        finally:
            self._waiting = previous

    def _open(self) -> smtplib.SMTP:
        cfg = self.config
        try:
            if cfg.implicit_tls:
                conn: smtplib.SMTP = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=self._tls)
            else:
                conn = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        except (OSError, smtplib.SMTPException) as exc:
            raise SendError(permanent=False, code=None, reason=f"connection failed ({type(exc).__name__})") from None
        try:
            self._greet(conn)
        except smtplib.SMTPAuthenticationError as exc:
            conn.close()
            # Wrong credentials affect every message: transient per message, and the campaign's
            # consecutive-failure limit pauses it rather than failing every lead.
            raise SendError(permanent=False, code=exc.smtp_code, reason="SMTP login refused") from None
        except smtplib.SMTPResponseException as exc:
            conn.close()
            raise classify(exc.smtp_code, exc.smtp_error) from None
        except SendError:
            conn.close()
            raise
        except (OSError, smtplib.SMTPException) as exc:
            conn.close()
            raise SendError(permanent=False, code=None, reason=f"connection failed ({type(exc).__name__})") from None
        self.connections_opened += 1
        return conn

    def _greet(self, conn: smtplib.SMTP) -> None:
        cfg = self.config
        conn.ehlo()
        encrypted = cfg.implicit_tls
        if not encrypted and cfg.starttls != "off" and conn.has_extn("starttls"):
            conn.starttls(context=self._tls)
            conn.ehlo()
            encrypted = True
        needs_tls = cfg.starttls == "required" or (cfg.username is not None and not cfg.loopback)
        if needs_tls and not encrypted:
            raise SendError(permanent=False, code=None, reason="the SMTP server does not offer STARTTLS")
        if cfg.username:
            self._login(conn, cfg.username, cfg.password or "")

    @staticmethod
    def _login(conn: smtplib.SMTP, user: str, password: str) -> None:
        """One AUTH attempt with the best mechanism offered (smtplib's login() would try each in
        turn, and a server that dislikes repeated failures may then stall)."""
        offered = conn.esmtp_features.get("auth", "").upper().split()
        conn.user, conn.password = user, password
        for mechanism, respond in (("PLAIN", conn.auth_plain), ("LOGIN", conn.auth_login),
                                   ("CRAM-MD5", conn.auth_cram_md5)):
            if mechanism in offered:
                conn.auth(mechanism, respond)
                return
        raise SendError(permanent=False, code=None, reason="the SMTP server offers no login method we support")

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except OSError:
                pass
        self._conn = None

    def _reset(self, conn: smtplib.SMTP) -> None:
        """RSET after a refusal so the session can carry the next message (RFC 5321 4.1.1.5)."""
        try:
            conn.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()

    def send(self, raw: bytes, *, mail_from: str, rcpt: str) -> None:
        # The transaction step by step rather than smtplib's sendmail(): knowing the step that
        # failed tells a stale reused connection (fails at MAIL, nothing sent: retry at once on a
        # new one) from a failure after the message may have gone. The commands are written
        # here rather than by smtplib's mail()/rcpt()/data(), which parse each address again
        # and scan the whole message with regular expressions on every send.
        for attempt in (1, 2):
            reused = self._conn is not None
            if self._conn is None:
                self._conn = self._open()
            conn = self._conn
            step = "mail"
            try:
                code, reply = self._command(conn, b"MAIL FROM:" + _smtp_path(mail_from) + b"\r\n")
                if code != 250:
                    raise self._refused(conn, code, reply)
                step = "rcpt"
                code, reply = self._command(conn, b"RCPT TO:" + _smtp_path(rcpt) + b"\r\n")
                if code not in (250, 251):
                    raise self._refused(conn, code, reply)
                step = "data"
                code, reply = self._command(conn, b"DATA\r\n")
                if code != 354:  # DATA itself refused
                    raise self._refused(conn, code, reply)
                code, reply = self._command(conn, _data_payload(raw), meanwhile=False)
                if code != 250:
                    raise self._refused(conn, code, reply)
                return
            except UnicodeEncodeError:
                self._reset(conn)
                raise SendError(permanent=True, code=None, reason="address is not ASCII (SMTPUTF8 not used)") from None
            except (OSError, smtplib.SMTPServerDisconnected) as exc:
                self._drop()
                if step == "mail" and reused and attempt == 1:
                    continue
                raise SendError(permanent=False, code=None,
                                reason=f"connection lost at {step.upper()} ({type(exc).__name__})") from None
        raise AssertionError("unreachable")

    def _command(self, conn: smtplib.SMTP, line: bytes, *, meanwhile: bool = True) -> tuple[int, bytes]:
        conn.send(line)
        work = self._waiting
        if meanwhile and work is not None:
            try:
                work()
            except Exception:
                log.exception("work done while waiting for the SMTP server failed")
        return conn.getreply()

    def _refused(self, conn: smtplib.SMTP, code: int, reply: bytes) -> SendError:
        if code == 421:  # the server is closing the session (RFC 5321 section 3.8)
            self._drop()
        else:
            self._reset(conn)
        return classify(code, reply)

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (OSError, smtplib.SMTPException):
                pass
        self._drop()


class MaildirTransport:
    """Writes each message into a Maildir (readable by mutt, Thunderbird or `mailbox`)."""

    name = "maildir"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._box: mailbox.Maildir | None = None

    def send(self, raw: bytes, *, mail_from: str, rcpt: str) -> None:
        if self._box is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._box = mailbox.Maildir(self.path, create=True)
        # Return-Path and Delivered-To record the envelope, as a delivering MTA would.
        envelope = f"Return-Path: <{mail_from}>\r\nDelivered-To: {rcpt}\r\n".encode("ascii", "replace")
        try:
            self._box.add(envelope + raw)
        except OSError as exc:
            raise SendError(permanent=False, code=None, reason=f"cannot write the outbox folder ({type(exc).__name__})") from None

    def close(self) -> None:
        self._box = None


def _smtp_path(address: str) -> bytes:
    """``<address>`` for MAIL FROM / RCPT TO (RFC 5321 section 4.1.2). A plain address, which is
    what the composer hands over, is taken as it is; anything else goes through smtplib's
    parsing. A non-ASCII address raises UnicodeEncodeError (no SMTPUTF8)."""
    if _BARE_ADDRESS.fullmatch(address):
        return b"<" + address.encode("ascii") + b">"
    return smtplib.quoteaddr(address).encode("ascii")


def _data_payload(raw: bytes) -> bytes:
    """The message as sent after DATA (RFC 5321 section 4.5.2): lines starting with a dot get a
    second one, the last line ends with CRLF, and a line with a single dot ends it. A bare CR
    or LF becomes CRLF, the only line end SMTP allows (RFC 5321 section 2.3.8)."""
    crlf = raw.count(b"\r\n")
    if crlf != raw.count(b"\n") or crlf != raw.count(b"\r"):
        raw = _LINE_END.sub(b"\r\n", raw)
    if raw.startswith(b".") or _DOT_AFTER_LINE_END.search(raw):
        raw = _LINE_START_DOT.sub(b"..", raw)
    if not raw.endswith(b"\r\n"):
        raw += b"\r\n"
    return raw + b".\r\n"


def transport_from_settings(settings) -> Transport:  # noqa: ANN001
    if settings.smtp_url:
        return SmtpTransport(SmtpConfig.from_url(settings.smtp_url))
    return MaildirTransport(settings.maildir)

