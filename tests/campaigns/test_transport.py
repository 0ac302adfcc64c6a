"""SMTP transport against real aiosmtpd servers: STARTTLS, implicit TLS, AUTH, reuse, reconnects."""
from __future__ import annotations

import ssl
import subprocess
from pathlib import Path
from typing import Iterator

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from crm.errors import ConfigError
from handlers.campaigns.transport import SendError, SmtpConfig, SmtpTransport
from tests.campaigns.support import Recorder, free_port

RAW = b"From: a@crmbot.test\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nHello\r\n.leading dot\r\n"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:  # noqa: ANN001
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost", "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem")],
                   check=True, capture_output=True)
    return d / "cert.pem", d / "key.pem"


def server_tls(cert: Path, key: Path) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


def client_tls(cert: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert))


class Logins:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):  # noqa: ANN001, ANN204
        user, password = auth_data.login.decode(), auth_data.password.decode()
        self.seen.append((user, password))
        return AuthResult(success=(user, password) == ("mailer", "s3cret pass"), handled=False)


@pytest.fixture
def starttls_server(certificate) -> Iterator[tuple[Recorder, Logins, int]]:  # noqa: ANN001
    recorder, logins, port = Recorder(), Logins(), free_port()
    controller = Controller(recorder, hostname="localhost", port=port, tls_context=server_tls(*certificate),
                            require_starttls=True, authenticator=logins, auth_required=True, ready_timeout=30)
    controller.start()
    yield recorder, logins, port
    controller.stop()


def test_starttls_then_auth_from_the_url(starttls_server, certificate):
    recorder, logins, port = starttls_server
    config = SmtpConfig.from_url(f"smtp://mailer:s3cret%20pass@localhost:{port}")
    transport = SmtpTransport(config, tls_context=client_tls(certificate[0]))
    for i in range(3):
        transport.send(RAW, mail_from="a@crmbot.test", rcpt=f"b{i}@example.com")
    transport.close()

    assert [r.rcpt for r in recorder.received] == ["b0@example.com", "b1@example.com", "b2@example.com"]
    assert recorder.received[0].raw.endswith(b"\r\n.leading dot\r\n")  # dot-stuffing undone by the server
    assert logins.seen == [("mailer", "s3cret pass")]  # one login: the session is reused
    assert transport.connections_opened == 1


def test_wrong_credentials_are_a_temporary_failure_that_pauses_rather_than_fails_leads(starttls_server, certificate):
    recorder, logins, port = starttls_server
    transport = SmtpTransport(SmtpConfig.from_url(f"smtp://mailer:wrong@localhost:{port}"),
                              tls_context=client_tls(certificate[0]))
    with pytest.raises(SendError) as failed:
        transport.send(RAW, mail_from="a@crmbot.test", rcpt="b@example.com")
    assert failed.value.permanent is False and failed.value.code == 535
    assert logins.seen == [("mailer", "wrong")] and recorder.received == []  # one attempt, no retries


def test_an_untrusted_certificate_is_refused(starttls_server):
    _, logins, port = starttls_server
    transport = SmtpTransport(SmtpConfig.from_url(f"smtp://mailer:s3cret%20pass@localhost:{port}"))
    with pytest.raises(SendError) as failed:
        transport.send(RAW, mail_from="a@crmbot.test", rcpt="b@example.com")
    assert failed.value.permanent is False and "SSLCertVerificationError" in failed.value.reason
    assert logins.seen == []  # the password never left


def test_implicit_tls_with_smtps(certificate):
    recorder, port = Recorder(), free_port()
    controller = Controller(recorder, hostname="localhost", port=port, ssl_context=server_tls(*certificate),
                            ready_timeout=30)
    controller.start()
    try:
        transport = SmtpTransport(SmtpConfig.from_url(f"smtps://localhost:{port}"),
                                  tls_context=client_tls(certificate[0]))
        transport.send(RAW, mail_from="a@crmbot.test", rcpt="b@example.com")
        transport.close()
    finally:
        controller.stop()
    assert [r.rcpt for r in recorder.received] == ["b@example.com"]


def test_a_required_starttls_that_is_not_offered_is_refused(smtp):
    _, port = smtp
    transport = SmtpTransport(SmtpConfig.from_url(f"smtp://127.0.0.1:{port}?starttls=required"))
    with pytest.raises(SendError, match="does not offer STARTTLS"):
        transport.send(RAW, mail_from="a@crmbot.test", rcpt="b@example.com")


def test_a_dropped_connection_is_reopened_without_losing_the_message():
    recorder, port = Recorder(), free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, ready_timeout=30)
    controller.start()
    transport = SmtpTransport(SmtpConfig.from_url(f"smtp://127.0.0.1:{port}"))
    transport.send(RAW, mail_from="a@crmbot.test", rcpt="first@example.com")
    controller.stop()  # the server goes away (idle timeout, restart) while we hold the session
    controller = Controller(recorder, hostname="127.0.0.1", port=port, ready_timeout=30)
    controller.start()
    try:
        transport.send(RAW, mail_from="a@crmbot.test", rcpt="second@example.com")
        transport.close()
    finally:
        controller.stop()
    assert [r.rcpt for r in recorder.received] == ["first@example.com", "second@example.com"]
    assert transport.connections_opened == 2


def test_replies_are_classified_and_the_session_goes_on(smtp):
    recorder, port = smtp
    recorder.rcpt_replies["greylisted@example.com"] = ["451 4.7.1 Try again later"]
    recorder.rcpt_replies["gone@example.com"] = ["550 5.1.1 No such user"]
    recorder.data_replies["spam@example.com"] = ["554 5.7.1 Looks like spam"]
    transport = SmtpTransport(SmtpConfig.from_url(f"smtp://127.0.0.1:{port}"))
    outcomes = {}
    for rcpt in ("greylisted@example.com", "gone@example.com", "spam@example.com", "fine@example.com"):
        try:
            transport.send(RAW, mail_from="a@crmbot.test", rcpt=rcpt)
            outcomes[rcpt] = "sent"
        except SendError as exc:
            outcomes[rcpt] = ("permanent" if exc.permanent else "temporary", exc.code, exc.summary())
    transport.close()
    assert outcomes == {
        "greylisted@example.com": ("temporary", 451, "451 4.7.1 Try again later"),
        "gone@example.com": ("permanent", 550, "550 5.1.1 No such user"),
        "spam@example.com": ("permanent", 554, "554 5.7.1 Looks like spam"),
        "fine@example.com": "sent",
    }
    assert transport.connections_opened == 1


@pytest.mark.parametrize("url, expected", [
    ("smtp://relay.example", ("relay.example", 587, False, "auto", None)),
    ("smtps://u:p@relay.example", ("relay.example", 465, True, "off", "u")),
    ("smtp://u%40x:p@relay.example:2525?starttls=off", ("relay.example", 2525, False, "off", "u@x")),
])
def test_smtp_urls_are_read(url, expected):
    c = SmtpConfig.from_url(url)
    assert (c.host, c.port, c.implicit_tls, c.starttls, c.username) == expected
    assert "p@" not in repr(c) and "password" not in repr(c)


@pytest.mark.parametrize("url", ["http://relay.example", "smtp://", "smtp://h?starttls=maybe", "smtp://h:port"])
def test_bad_smtp_urls_are_refused(url):
    with pytest.raises(ConfigError):
        SmtpConfig.from_url(url)


def test_work_handed_to_while_waiting_runs_during_each_command_and_the_message_still_goes(smtp):
    recorder, port = smtp
    transport = SmtpTransport(SmtpConfig.from_url(f"smtp://127.0.0.1:{port}"))
    calls: list[str] = []
    with transport.while_waiting(lambda: calls.append("work")):
        transport.send(RAW, mail_from="a@crmbot.test", rcpt="b@example.com")
        calls.append("sent")
    transport.send(RAW, mail_from="a@crmbot.test", rcpt="c@example.com")  # no longer called
    transport.close()
    # Once for each of MAIL, RCPT and DATA; not while the message itself awaits its acceptance.
    assert calls == ["work", "work", "work", "sent"]
    assert [r.rcpt for r in recorder.received] == ["b@example.com", "c@example.com"]


def test_a_failure_in_the_waiting_work_does_not_lose_the_servers_answer(smtp, caplog):
    recorder, port = smtp
    transport = SmtpTransport(SmtpConfig.from_url(f"smtp://127.0.0.1:{port}"))

    def broken() -> None:
        raise RuntimeError("boom")

    with transport.while_waiting(broken):
        transport.send(RAW, mail_from="a@crmbot.test", rcpt="b@example.com")
    transport.close()
    assert [r.rcpt for r in recorder.received] == ["b@example.com"]
    assert "while waiting for the SMTP server" in caplog.text


def test_bare_line_feeds_go_out_as_crlf_and_dotted_lines_are_stuffed(smtp):
    recorder, port = smtp
    transport = SmtpTransport(SmtpConfig.from_url(f"smtp://127.0.0.1:{port}"))
    transport.send(b"Subject: hi\n\n.one\nbare cr\rtwo\n.", mail_from="a@crmbot.test", rcpt="b@example.com")
    transport.send(b".Subject: odd\r\n\r\nbody", mail_from="<a@crmbot.test>", rcpt="Bee <b@example.com>")
    transport.close()
    first, second = recorder.received
    assert first.raw == b"Subject: hi\r\n\r\n.one\r\nbare cr\r\ntwo\r\n.\r\n"
    assert second.raw == b".Subject: odd\r\n\r\nbody\r\n"
    assert (second.mail_from, second.rcpt) == ("a@crmbot.test", "b@example.com")


def test_a_non_ascii_address_is_refused_for_good_and_the_session_goes_on(smtp):
    recorder, port = smtp
    transport = SmtpTransport(SmtpConfig.from_url(f"smtp://127.0.0.1:{port}"))
    with pytest.raises(SendError) as failed:
        transport.send(RAW, mail_from="a@crmbot.test", rcpt="jöe@example.com")
    assert failed.value.permanent is True
    transport.send(RAW, mail_from="a@crmbot.test", rcpt="b@example.com")
    transport.close()
    assert [r.rcpt for r in recorder.received] == ["b@example.com"]
    assert transport.connections_opened == 1
