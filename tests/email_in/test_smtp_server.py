"""Real SMTP into the running aiosmtpd server: accepted only for us, stored first, then handled."""
from __future__ import annotations

import smtplib
import ssl
import subprocess
from contextlib import contextmanager
from dataclasses import replace

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import sessionmaker

from bot.channels.smtp_in import SmtpIn, recipient_refusal
from bot.settings import Settings
from crm.errors import ConfigError
from crm.models import Agent, InboundMessage, Lead, Plan
from handlers.email_in.inbox import store_raw
from tests.email_in.support import big_message, fixture, free_port, inbox_service, wait_for

BASE = Settings(smtp_in_host="127.0.0.1", mail_domains=("crmbot.local",), mail_from="crmbot@crmbot.local")


@contextmanager
def running(sessions, **overrides):  # noqa: ANN001, ANN201
    settings = replace(BASE, smtp_in_port=free_port(), **overrides)
    server = SmtpIn(settings, inbox_service(sessions))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _client(server) -> smtplib.SMTP:  # noqa: ANN001
    return smtplib.SMTP("127.0.0.1", server.settings.smtp_in_port, timeout=30)


def _lead_with_campaign(committed):  # noqa: ANN001, ANN201
    from tests.email_in.support import sent_to

    with committed.begin() as s:
        owner = Agent(name="Alex Morgan", email="alex@agency.example", timezone="Europe/London")
        lead = Lead(name="John Doe", email="john.doe@acme.example", owner=owner, status="contacted",
                    token="TokJohnDoe_0001abc")
        s.add_all([owner, lead])
        s.flush()
        out = sent_to(s, lead)
        return lead.id, lead.email, lead.token, out.message_id


def _states(committed) -> list[str]:  # noqa: ANN001
    with committed() as s:
        return list(s.scalars(select(InboundMessage.state).order_by(InboundMessage.id)))


def test_a_reply_over_smtp_is_stored_and_becomes_a_proposal_for_the_owner(committed):
    lead_id, email, token, msgid = _lead_with_campaign(committed)
    with committed() as s:
        lead = s.get(Lead, lead_id)
        raw = fixture("gmail_not_interested.eml", lead=lead, msgid=msgid)
    with running(committed) as server, _client(server) as client:
        refused = client.sendmail(email, [f"reply+{token}@crmbot.local"], raw)
        assert refused == {}
        wait_for(lambda: _states(committed) == ["processed"], what="the reply to be processed")

    with committed() as s:
        msg = s.scalar(select(InboundMessage))
        # smtplib sends CRLF line ends and ends the data with one; the content is otherwise as sent.
        assert msg.raw.replace(b"\r\n", b"\n").rstrip(b"\n") == raw.rstrip(b"\n")
        assert (msg.source, msg.mail_from, msg.rcpt_to) == ("smtp", email, f"reply+{token}@crmbot.local")
        assert (msg.classification, msg.lead_id) == ("not_interested", lead_id)
        plan = s.scalar(select(Plan))
        assert plan.source == "lead_reply" and plan.actions[0]["to"] == "closed_lost"


def test_an_unknown_mailbox_at_our_domain_is_refused_with_550_5_1_1(committed):
    with running(committed) as server, _client(server) as client:
        client.ehlo()
        client.mail("someone@example.com")
        code, text = client.rcpt("nobody@crmbot.local")
    assert (code, text[:5]) == (550, b"5.1.1")


def test_mail_for_other_domains_is_never_relayed(committed):
    with running(committed) as server, _client(server) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.sendmail("someone@example.com", ["victim@gmail.com"], b"Subject: relay?\r\n\r\nhi\r\n")
    assert refused.value.recipients["victim@gmail.com"][0] == 550
    assert _states(committed) == []


def test_which_recipients_are_ours():
    assert recipient_refusal("reply+AbC123_x@crmbot.local", BASE) is None
    assert recipient_refusal("Reply+x@CRMBOT.LOCAL", BASE) is None
    assert recipient_refusal("crmbot@crmbot.local", BASE) is None  # the sender address itself
    assert recipient_refusal("postmaster@crmbot.local", BASE) is None
    assert recipient_refusal("sales@crmbot.local", BASE).startswith("550 5.1.1")
    assert recipient_refusal("reply+x@crmbot.local.evil.example", BASE).startswith("550 5.1.1")
    assert recipient_refusal("not-an-address", BASE).startswith("550 5.1.1")


def test_a_message_over_the_size_limit_is_refused_with_552(committed):
    with running(committed, smtp_in_max_bytes=10_000) as server, _client(server) as client:
        client.ehlo()
        assert client.has_extn("size") and client.esmtp_features["size"] == "10000"
        # Without the SIZE hint the server must still stop it at the end of DATA.
        client.mail("someone@example.com")
        client.rcpt("crmbot@crmbot.local")
        code, _ = client.data(b"Subject: big\r\n\r\n" + b"x" * 76 + b"\r\n" * 1 + (b"y" * 76 + b"\r\n") * 200)
    assert code == 552
    assert _states(committed) == []


def test_a_30_mb_reply_is_accepted_and_stored_whole(committed):
    raw = big_message("big.sender@example.com")
    with running(committed) as server, _client(server) as client:
        assert client.sendmail("big.sender@example.com", ["crmbot@crmbot.local"], raw) == {}
        wait_for(lambda: _states(committed) == ["unmatched"], what="the big message to be handled")
    with committed() as s:
        assert s.scalar(select(InboundMessage.size)) == len(raw)


def test_the_same_message_delivered_twice_is_kept_once(committed):
    raw = fixture("unknown_sender.eml").replace(b"\n", b"\r\n")
    with running(committed) as server, _client(server) as client:
        client.sendmail("x@example.com", ["crmbot@crmbot.local"], raw)
        client.sendmail("x@example.com", ["crmbot@crmbot.local"], raw)
        wait_for(lambda: _states(committed) == ["unmatched"], what="processing")
    with committed() as s:
        assert s.scalar(select(func.count()).select_from(InboundMessage)) == 1


def test_when_the_database_cannot_store_the_message_the_sender_is_told_to_retry(committed, tmp_path):
    empty = sessionmaker(create_engine(f"sqlite:///{tmp_path / 'no-tables.sqlite3'}"))
    with running(empty) as server, _client(server) as client:
        with pytest.raises(smtplib.SMTPDataError) as failed:
            client.sendmail("x@example.com", ["crmbot@crmbot.local"], fixture("unknown_sender.eml"))
    assert failed.value.smtp_code == 451 and failed.value.smtp_error.startswith(b"4.3.0")


def test_messages_left_received_are_processed_when_the_server_starts_again(committed):
    with committed.begin() as s:
        left = store_raw(s, fixture("unknown_sender.eml"), source="smtp", mail_from=None, rcpt_to=None).id
    with running(committed):
        wait_for(lambda: _states(committed) == ["unmatched"], what="the leftover to be processed")
    with committed() as s:
        assert s.get(InboundMessage, left).attempts == 1


def test_the_worker_drain_processes_rows_nobody_processed(committed):
    with committed.begin() as s:
        store_raw(s, fixture("unknown_sender.eml"), source="smtp", mail_from=None, rcpt_to=None)
    from datetime import timedelta

    assert inbox_service(committed).drain(older_than=timedelta(0)) == 1
    assert _states(committed) == ["unmatched"]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):  # noqa: ANN001, ANN201
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=localhost", "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem")],
                   check=True, capture_output=True)
    return str(d / "cert.pem"), str(d / "key.pem")


def test_auth_is_offered_only_after_starttls_and_then_required(committed, certificate):
    cert, key = certificate
    with running(committed, smtp_in_tls_cert=cert, smtp_in_tls_key=key, smtp_in_auth_user="relay",
                 smtp_in_auth_password="s3cret") as server, _client(server) as client:
        client.ehlo()
        assert client.has_extn("starttls") and not client.has_extn("auth")
        client.starttls(context=ssl._create_unverified_context())  # noqa: SLF001 - a self-signed test certificate
        client.ehlo()
        assert "PLAIN" in client.esmtp_features["auth"]
        code, _ = client.mail("x@example.com")
        assert code == 530  # not yet authenticated
        with pytest.raises(smtplib.SMTPAuthenticationError):
            client.login("relay", "wrong")
        client.login("relay", "s3cret")
        assert client.sendmail("x@example.com", ["crmbot@crmbot.local"], fixture("unknown_sender.eml")) == {}
    assert len(_states(committed)) == 1


def test_auth_without_tls_is_a_configuration_error(committed):
    server = SmtpIn(replace(BASE, smtp_in_auth_user="relay", smtp_in_auth_password="x"), inbox_service(committed))
    with pytest.raises(ConfigError):
        server.start()


def test_serve_runs_the_smtp_server_unless_it_is_disabled(engine):
    from bot.channels.smtp_in import component
    from bot.context import AppContext

    assert isinstance(component(AppContext(BASE, _engine=engine)), SmtpIn)
    assert component(AppContext(replace(BASE, smtp_in_enabled=False), _engine=engine)) is None
