"""`crmbot serve` runs the inbound SMTP server: a reply sent to the real process is stored and handled."""
from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys

from sqlalchemy import select

from crm.models import Agent, InboundMessage, Lead, Notification
from tests.email_in.support import fixture, free_port, wait_for


def _serve(database_url: str, tmp_path) -> tuple[subprocess.Popen, int]:  # noqa: ANN001
    smtp_port = free_port()
    env = {**os.environ, "CRMBOT_DATA_DIR": str(tmp_path), "DATABASE_URL": database_url,
           "CRMBOT_HTTP_PORT": str(free_port()), "CRMBOT_SMTP_IN_PORT": str(smtp_port),
           "CRMBOT_MAIL_DOMAINS": "crmbot.local"}
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--no-migrate"], env=env,
                            stderr=subprocess.PIPE, text=True)
    return proc, smtp_port


def _connect(port: int, proc: subprocess.Popen) -> smtplib.SMTP:
    def attempt() -> smtplib.SMTP | None:
        assert proc.poll() is None, proc.stderr.read()
        try:
            return smtplib.SMTP("127.0.0.1", port, timeout=30)
        except OSError:
            return None

    return wait_for(attempt, timeout=60, what="crmbot serve to listen for SMTP")


def test_crmbot_serve_takes_a_leads_reply_over_smtp_and_tells_the_owner(committed, database_url, tmp_path):
    with committed.begin() as s:
        owner = Agent(name="Alex Morgan", email="alex@agency.example")
        s.add_all([owner, Lead(name="Ann Other", email="ann.other@example.com", owner=owner, token="TokAnnOther01")])
    lead = type("L", (), {"email": "ann.other@example.com", "token": "TokAnnOther01"})()
    proc, port = _serve(database_url, tmp_path)
    try:
        with _connect(port, proc) as client:
            assert client.sendmail(lead.email, ["reply+TokAnnOther01@crmbot.local"],
                                   fixture("plain_other.eml", lead=lead)) == {}

        def notified() -> list:
            with committed() as s:
                return list(s.scalars(select(Notification)))

        [note] = wait_for(notified, timeout=60, what="the owner's notification")
        assert note.kind == "lead_reply" and "forwarded it to my wife" in note.payload["text"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()
    with committed() as s:
        assert s.scalar(select(InboundMessage.state)) == "processed"
