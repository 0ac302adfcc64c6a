"""Outbox bookkeeping: one row per lead, disjoint claims, and recovery from dead workers."""
from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update

from crm.db import is_postgres
from crm.models import OutboxMessage
from handlers.campaigns import outbox
from handlers.campaigns.drain import SendPolicy
from handlers.campaigns.journal import AcceptJournal


def by_state(committed, campaign_id):  # noqa: ANN001, ANN201
    with committed() as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.campaign_id == campaign_id)).all()
    return Counter(r.state for r in rows), {r.id: r for r in rows}


def test_starting_a_campaign_creates_exactly_one_row_per_lead(committed, seed):
    s = seed(12)
    from tests.campaigns.support import start_campaign

    assert start_campaign(committed, s.campaign_id) == 0  # already there: nothing added
    counts, rows = by_state(committed, s.campaign_id)
    assert counts == {"pending": 12}
    assert sorted(r.lead_id for r in rows.values()) == sorted(s.lead_ids)
    assert len({r.message_id for r in rows.values()}) == 12


def test_two_workers_claiming_at_once_get_disjoint_rows(committed, seed, engine):
    s = seed(10)
    now = datetime.now(timezone.utc)
    first = committed()
    first.begin()
    a = outbox.claim(first, worker="worker-a", campaign_id=s.campaign_id, limit=6, now=now)
    if not is_postgres(engine):
        first.commit()  # SQLite has one writer at a time: the second claim waits for this one
    with committed.begin() as second:
        # On PostgreSQL the first transaction is still open: FOR UPDATE SKIP LOCKED passes its rows by.
        b = outbox.claim(second, worker="worker-b", campaign_id=s.campaign_id, limit=6, now=now)
    if is_postgres(engine):
        first.commit()
    first.close()
    assert len(a) == 6 and len(b) == 4
    assert not {c.id for c in a} & {c.id for c in b}
    counts, rows = by_state(committed, s.campaign_id)
    assert counts == {"sending": 10}
    assert Counter(r.claimed_by for r in rows.values()) == {"worker-a": 6, "worker-b": 4}


def test_a_dead_workers_journal_marks_its_accepted_rows_sent_and_frees_the_rest(committed, seed, settings,
                                                                                   drainer_factory, smtp):
    recorder, _ = smtp
    s = seed(10)
    journal_dir = settings.data_dir / "outbox-journal"
    with committed.begin() as session:
        claims = outbox.claim(session, worker="host-1-dead", campaign_id=s.campaign_id, limit=10,
                              now=datetime.now(timezone.utc))
    accepted = [c.id for c in claims[:4]]
    # A real process writes its journal and dies without committing; the last write is cut short.
    script = ("import os, sys; from pathlib import Path; from handlers.campaigns.journal import AcceptJournal\n"
              "j = AcceptJournal(Path(sys.argv[1]), 'host-1-dead')\n"
              "[j.record(int(i)) for i in sys.argv[2:]]\n"
              "os.write(j._fd, b'99')\n"
              "os._exit(9)\n")
    subprocess.run([sys.executable, "-c", script, str(journal_dir), *map(str, accepted)], check=False)

    drainer = drainer_factory()
    recovered = drainer.recover()

    assert recovered == 10
    counts, rows = by_state(committed, s.campaign_id)
    assert counts == {"sent": 4, "retry": 6}
    assert {i for i, r in rows.items() if r.state == "sent"} == set(accepted)
    assert not (journal_dir / "host-1-dead.journal").exists()

    drainer.drain()
    counts, rows = by_state(committed, s.campaign_id)
    assert counts == {"sent": 10}
    sent_now = {r.rcpt for r in recorder.received}
    assert sent_now == {c.to_address for c in claims[4:]}  # the four accepted ones were not sent again


def test_a_live_workers_claims_are_left_alone(committed, seed, settings, drainer_factory):
    s = seed(3)
    journal_dir = settings.data_dir / "outbox-journal"
    alive = AcceptJournal(journal_dir, "host-2-alive")
    try:
        with committed.begin() as session:
            outbox.claim(session, worker="host-2-alive", campaign_id=s.campaign_id, limit=3,
                         now=datetime.now(timezone.utc))
            session.execute(update(OutboxMessage).where(OutboxMessage.claimed_by == "host-2-alive")
                            .values(claimed_at=datetime.now(timezone.utc) - timedelta(hours=3)))
        drainer_factory(policy=SendPolicy(stale_after_s=60)).recover()
        counts, _ = by_state(committed, s.campaign_id)
        assert counts == {"sending": 3}
    finally:
        alive.close()


def test_claims_of_a_worker_elsewhere_are_released_only_after_they_go_stale(committed, seed, drainer_factory):
    s = seed(4)
    now = datetime.now(timezone.utc)
    with committed.begin() as session:
        outbox.claim(session, worker="other-host-1", campaign_id=s.campaign_id, limit=2, now=now)
        outbox.claim(session, worker="other-host-2", campaign_id=s.campaign_id, limit=2, now=now)
        session.execute(update(OutboxMessage).where(OutboxMessage.claimed_by == "other-host-2")
                        .values(claimed_at=now - timedelta(minutes=20)))
    drainer_factory(policy=SendPolicy(stale_after_s=900)).recover()

    _, rows = by_state(committed, s.campaign_id)
    assert {r.claimed_by: r.state for r in rows.values()} == {"other-host-1": "sending", "other-host-2": "retry"}
    assert all(r.last_error.startswith("claim expired") for r in rows.values() if r.state == "retry")


def test_a_clean_shutdown_gives_back_what_it_did_not_send(committed, seed, drainer_factory, settings):
    s = seed(5)
    drainer = drainer_factory()
    with committed.begin() as session:
        outbox.claim(session, worker=drainer.worker_id, campaign_id=s.campaign_id, limit=5,
                     now=datetime.now(timezone.utc))
    drainer.close()

    counts, rows = by_state(committed, s.campaign_id)
    assert counts == {"pending": 5}
    assert all(r.attempts == 0 and r.claimed_by is None for r in rows.values())
    assert not list((settings.data_dir / "outbox-journal").glob("*.journal"))
