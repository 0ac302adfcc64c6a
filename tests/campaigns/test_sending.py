"""Sending through the outbox to a real SMTP server (aiosmtpd), in process."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from crm.models import Campaign, Lead, OutboxMessage
from handlers.campaigns import service
from handlers.campaigns.drain import SendPolicy
from handlers.campaigns.outbox import RetryPolicy
from handlers.campaigns.transport import MaildirTransport

from tests.campaigns.support import free_port, start_campaign


def rows(committed, campaign_id):  # noqa: ANN001, ANN201
    with committed() as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.campaign_id == campaign_id)
                              .order_by(OutboxMessage.id)))


def campaign(committed, campaign_id) -> Campaign:  # noqa: ANN001
    with committed() as s:
        return s.get(Campaign, campaign_id)


def test_a_campaign_reaches_every_eligible_lead_exactly_once(committed, smtp, seed, drainer_factory):
    recorder, _ = smtp
    leads = [{} for _ in range(40)] + [
        {"opted_out_at": datetime(2026, 1, 1, tzinfo=timezone.utc)},
        {"email_bouncing": True},
        {"email": None},
    ]
    s = seed(0, leads=leads)
    report = drainer_factory(policy=SendPolicy(claim_batch=7, flush_every=5)).drain()
    # A second drain (another tick, another worker) finds nothing left to send.
    again = drainer_factory().drain()

    assert report.sent == 40 and again.sent == 0
    assert sorted(r.rcpt for r in recorder.received) == sorted(s.emails[:40])
    assert all(n == 1 for n in Counter(recorder.message_ids()).values())
    assert {r.state for r in rows(committed, s.campaign_id)} == {"sent"}
    assert len(rows(committed, s.campaign_id)) == 40
    assert campaign(committed, s.campaign_id).state == "finished"


def test_each_email_is_personal_and_carries_threading_and_unsubscribe_headers(committed, smtp, seed, drainer_factory):
    recorder, _ = smtp
    s = seed(0, leads=[{"name": "Zoë O'Brien", "budget_min": 900000, "budget_max": 1200000}])
    drainer_factory().drain()

    (got,) = recorder.received
    msg = got.parsed()
    with committed() as session:
        lead = session.get(Lead, s.lead_ids[0])
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.lead_id == lead.id)).one()
    assert msg["Message-ID"] == row.message_id
    assert msg["Message-ID"].startswith(f"<c{s.campaign_id}.{lead.token}.")
    assert msg["Reply-To"] == f"reply+{lead.token}@crmbot.test"
    assert msg["List-Unsubscribe"] == (f"<https://crm.example.test/unsubscribe/{lead.token}>, "
                                       f"<mailto:reply+{lead.token}@crmbot.test?subject=unsubscribe>")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["Subject"] == "Harbour View: new 2BR released, Zoë"
    assert str(msg["To"]) == f"Zoë O'Brien <{lead.email}>"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "Hello Zoë," in text and "900,000 to 1,200,000" in text
    assert f"https://crm.example.test/unsubscribe/{lead.token}" in text
    assert f'href="https://crm.example.test/unsubscribe/{lead.token}"' in html
    assert "Hello Zoë," in html


def test_a_server_answering_451_then_250_gets_the_email_once(committed, smtp, seed, drainer_factory):
    recorder, _ = smtp
    s = seed(3)
    recorder.rcpt_replies[s.emails[1]] = ["451 4.3.0 Try again later", "250 OK"]
    policy = SendPolicy(retry=RetryPolicy(base_s=0.0, max_s=0.0))

    first = drainer_factory(policy=policy).drain()

    assert (first.sent, first.retried, first.failed) == (3, 1, 0)
    assert [r.rcpt for r in recorder.received].count(s.emails[1]) == 1
    assert recorder.rcpt_seen.count(s.emails[1]) == 2  # refused once, accepted once
    with committed() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.lead_id == s.lead_ids[1])).one()
    assert row.state == "sent" and row.attempts == 2


def test_a_451_waits_for_its_backoff_before_the_retry(committed, smtp, seed, drainer_factory):
    recorder, _ = smtp
    s = seed(1)
    recorder.rcpt_replies[s.emails[0]] = ["451 4.7.1 Greylisted, come back later", "250 OK"]
    clock = [datetime.now(timezone.utc)]
    drainer = drainer_factory(policy=SendPolicy(retry=RetryPolicy(base_s=300, max_s=600)), clock=lambda: clock[0])

    drainer.drain()
    assert recorder.received == []
    (row,) = rows(committed, s.campaign_id)
    assert row.state == "retry" and row.last_error.startswith("451 4.7.1")
    assert timedelta(seconds=200) < row.next_attempt_at - clock[0] < timedelta(seconds=400)

    clock[0] += timedelta(seconds=400)
    drainer.drain()
    assert [r.rcpt for r in recorder.received] == [s.emails[0]]


def test_550_fails_that_lead_and_the_rest_go_on(committed, smtp, seed, drainer_factory):
    recorder, _ = smtp
    s = seed(5)
    recorder.rcpt_replies[s.emails[2]] = ["550 5.1.1 No such user here"]

    report = drainer_factory().drain()

    assert report.sent == 4 and report.failed == 1
    assert sorted(r.rcpt for r in recorder.received) == sorted(e for i, e in enumerate(s.emails) if i != 2)
    by_lead = {r.lead_id: r for r in rows(committed, s.campaign_id)}
    assert by_lead[s.lead_ids[2]].state == "failed"
    assert by_lead[s.lead_ids[2]].last_error.startswith("550 5.1.1")
    with committed() as session:
        # 5.1.1 says the mailbox does not exist: a hard bounce, so no later campaign tries it.
        assert session.get(Lead, s.lead_ids[2]).email_bouncing is True
        assert session.get(Lead, s.lead_ids[0]).email_bouncing is False
    assert campaign(committed, s.campaign_id).state == "finished"


def test_a_rejected_message_body_fails_only_that_lead(committed, smtp, seed, drainer_factory):
    recorder, _ = smtp
    s = seed(3)
    recorder.data_replies[s.emails[0]] = ["554 5.7.1 Message refused"]

    drainer_factory().drain()

    states = {r.lead_id: r.state for r in rows(committed, s.campaign_id)}
    assert states == {s.lead_ids[0]: "failed", s.lead_ids[1]: "sent", s.lead_ids[2]: "sent"}
    with committed() as session:
        assert session.get(Lead, s.lead_ids[0]).email_bouncing is False  # 5.7.1 is policy, not a bad mailbox


def test_the_campaign_pauses_after_consecutive_failures_and_resumes(committed, smtp, seed, drainer_factory):
    recorder, _ = smtp
    s = seed(10, max_consecutive_failures=3)
    for address in s.emails[:5]:
        recorder.rcpt_replies[address] = ["550 5.7.1 Relaying denied"]

    report = drainer_factory(policy=SendPolicy(flush_every=1)).drain()

    assert report.paused == [s.campaign_id]
    c = campaign(committed, s.campaign_id)
    assert (c.state, c.pause_reason) == ("paused", "failures")
    states = Counter(r.state for r in rows(committed, s.campaign_id))
    assert states["failed"] == 3 and states["sent"] == 0 and states["pending"] == 7
    assert recorder.received == []

    with committed.begin() as session:
        service.resume_campaign(session, s.campaign_id, actor=None)
    drainer_factory().drain()
    states = Counter(r.state for r in rows(committed, s.campaign_id))
    assert states == {"failed": 5, "sent": 5}
    assert len(recorder.received) == 5


def test_pausing_mid_campaign_gives_unsent_claims_back_and_resume_sends_the_rest_once(committed, smtp, seed,
                                                                                      drainer_factory):
    recorder, _ = smtp
    s = seed(30)
    drainer = drainer_factory(policy=SendPolicy(claim_batch=30, flush_every=10))
    original = drainer.transport.send
    count = [0]

    def send_then_pause(raw, *, mail_from, rcpt):  # noqa: ANN001, ANN202
        original(raw, mail_from=mail_from, rcpt=rcpt)
        count[0] += 1
        if count[0] == 5:  # an agent pauses while the batch is being sent
            with committed.begin() as session:
                service.pause_campaign(session, s.campaign_id, actor=None)

    drainer.transport.send = send_then_pause  # type: ignore[method-assign]
    drainer.drain()

    states = Counter(r.state for r in rows(committed, s.campaign_id))
    assert states == {"sent": 10, "pending": 20}
    assert all(r.claimed_by is None for r in rows(committed, s.campaign_id) if r.state == "pending")

    with committed.begin() as session:
        service.resume_campaign(session, s.campaign_id, actor=None)
    drainer.transport.send = original  # type: ignore[method-assign]
    drainer.drain()
    assert Counter(r.state for r in rows(committed, s.campaign_id)) == {"sent": 30}
    assert sorted(r.rcpt for r in recorder.received) == sorted(s.emails)


def test_a_lead_who_opts_out_after_the_start_is_skipped(committed, smtp, seed, drainer_factory):
    recorder, _ = smtp
    s = seed(3)
    with committed.begin() as session:
        session.get(Lead, s.lead_ids[1]).opted_out_at = datetime.now(timezone.utc)

    drainer_factory().drain()

    by_lead = {r.lead_id: r for r in rows(committed, s.campaign_id)}
    assert by_lead[s.lead_ids[1]].state == "skipped" and by_lead[s.lead_ids[1]].last_error == "opted out"
    assert s.emails[1] not in [r.rcpt for r in recorder.received]
    assert len(recorder.received) == 2


def test_cancelling_sends_nothing_more(committed, smtp, seed, drainer_factory):
    recorder, _ = smtp
    s = seed(4)
    with committed.begin() as session:
        service.cancel_campaign(session, s.campaign_id, actor=None)

    drainer_factory().drain()

    assert recorder.received == []
    assert {r.state for r in rows(committed, s.campaign_id)} == {"skipped"}


def test_starting_twice_adds_only_leads_new_to_the_audience(committed, smtp, seed, drainer_factory):
    recorder, _ = smtp
    s = seed(3)
    drainer_factory().drain()
    with committed.begin() as session:
        session.add(Lead(name="Late Comer", email="late.comer@example.com", token="late-comer-token",
                         project="Harbour View", status="new"))

    assert start_campaign(committed, s.campaign_id) == 1
    drainer_factory().drain()

    assert sorted(r.rcpt for r in recorder.received) == sorted([*s.emails, "late.comer@example.com"])


def test_a_broken_server_connection_is_retried_not_failed(committed, seed, settings, drainer_factory):
    from handlers.campaigns.transport import SmtpConfig, SmtpTransport

    s = seed(2)
    dead = SmtpTransport(SmtpConfig(host="127.0.0.1", port=free_port(), timeout=2))
    report = drainer_factory(transport=dead).drain()

    assert report.sent == 0 and report.retried == 2
    assert {r.state for r in rows(committed, s.campaign_id)} == {"retry"}
    assert all("connection failed" in r.last_error for r in rows(committed, s.campaign_id))


def test_without_an_smtp_server_mail_goes_to_the_local_maildir(committed, seed, settings, drainer_factory, tmp_path):
    import mailbox

    s = seed(3)
    box = tmp_path / "outbox-maildir"
    drainer_factory(transport=MaildirTransport(box)).drain()

    messages = list(mailbox.Maildir(box, create=False))
    assert sorted(m["To"].split("<")[1].rstrip(">") for m in messages) == sorted(s.emails)
    assert {r.state for r in rows(committed, s.campaign_id)} == {"sent"}


def test_a_rate_limit_spaces_the_sends(committed, smtp, seed, drainer_factory):
    recorder, _ = smtp
    seed(4, rate_per_second=5.0)
    drainer = drainer_factory()
    waits: list[float] = []

    def record_wait(timeout=None):  # noqa: ANN001, ANN202
        waits.append(timeout)
        return False  # "not stopped": carry on at once, so the test does not sleep

    drainer.stop.wait = record_wait  # type: ignore[method-assign]
    drainer.drain()

    assert len(recorder.received) == 4
    # One wait before each send after the first, each at most a few intervals of 1/5 s.
    assert len(waits) == 3 and all(0 < w <= 0.6 + 1e-6 for w in waits)


def test_the_next_messages_are_composed_while_the_server_answers(committed, smtp, seed, drainer_factory):
    recorder, _ = smtp
    s = seed(20)
    drainer = drainer_factory(policy=SendPolicy(claim_batch=8, compose_ahead=4))
    sending, during = [False], []
    send, compose = drainer.transport.send, drainer._compose

    def watched_send(raw, *, mail_from, rcpt):  # noqa: ANN001, ANN202
        sending[0] = True
        try:
            return send(raw, mail_from=mail_from, rcpt=rcpt)
        finally:
            sending[0] = False

    def watched_compose(info, claim):  # noqa: ANN001, ANN202
        during.append(sending[0])
        return compose(info, claim)

    drainer.transport.send = watched_send  # type: ignore[method-assign]
    drainer._compose = watched_compose  # type: ignore[method-assign]
    report = drainer.drain()

    assert report.sent == 20 and len(during) == 20
    assert during[0] is False  # nothing to wait on yet
    assert all(during[1:])  # every other one while an earlier message was on the wire
    assert sorted(r.rcpt for r in recorder.received) == sorted(s.emails)


def test_a_database_error_while_working_ahead_stops_the_run_and_the_next_one_sends_the_rest_once(
        committed, smtp, seed, drainer_factory):
    recorder, _ = smtp
    s = seed(12)
    drainer = drainer_factory(policy=SendPolicy(claim_batch=5, compose_ahead=8))
    claim, calls = drainer._claim, [0]

    def failing_second_claim(campaign_id, limit):  # noqa: ANN001, ANN202
        calls[0] += 1
        if calls[0] == 2:
            raise RuntimeError("database went away")
        return claim(campaign_id, limit)

    drainer._claim = failing_second_claim  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="database went away"):
        drainer.drain()
    assert 0 < len(recorder.received) <= 5

    drainer.drain()

    assert Counter(r.state for r in rows(committed, s.campaign_id)) == {"sent": 12}
    assert sorted(r.rcpt for r in recorder.received) == sorted(s.emails)
    assert all(n == 1 for n in Counter(recorder.message_ids()).values())
