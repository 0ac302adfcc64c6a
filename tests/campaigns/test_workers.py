"""Real `crmbot worker` processes sending to a real SMTP server: killed, restarted, side by side."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from crm.models import Campaign, OutboxMessage
from tests.campaigns.support import wait_until


def worker_env(tmp_path: Path, database_url: str, port: int) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url, "CRMBOT_DATA_DIR": str(tmp_path),
            "SMTP_URL": f"smtp://127.0.0.1:{port}", "CRMBOT_MAIL_DOMAINS": "crmbot.test",
            "CRMBOT_PUBLIC_URL": "https://crm.example.test", "CRMBOT_LOG_LEVEL": "WARNING"}


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "worker", "--no-migrate"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def states(committed, campaign_id: int) -> Counter:  # noqa: ANN001
    with committed() as s:
        return Counter(dict(s.execute(select(OutboxMessage.state, func.count())
                                      .where(OutboxMessage.campaign_id == campaign_id)
                                      .group_by(OutboxMessage.state)).all()))


def test_a_worker_killed_mid_campaign_and_restarted_sends_the_rest_and_nothing_twice(
        committed, smtp, seed, tmp_path, database_url):
    recorder, port = smtp
    s = seed(80)
    # The server holds the 31st transaction open at RCPT, so the kill lands while the worker
    # has sent 30 messages (not yet committed as sent: that happens in batches) and is waiting
    # on the server: outside the unavoidable window between a "250" and its record.
    recorder.hold_after = 30
    env = worker_env(tmp_path, database_url, port)
    first = start_worker(env)
    try:
        assert recorder.holding.wait(timeout=60), first.stderr.read() if first.poll() is not None else "no send"
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    recorder.release.set()
    assert len(recorder.received) == 30

    second = start_worker(env)
    try:
        wait_until(lambda: states(committed, s.campaign_id) == Counter({"sent": 80}), timeout=60)
    finally:
        stop(second)

    counts = Counter(recorder.message_ids())
    assert len(counts) == 80 and set(counts.values()) == {1}
    assert sorted(r.rcpt for r in recorder.received) == sorted(s.emails)
    with committed() as session:
        assert session.get(Campaign, s.campaign_id).state == "finished"
    assert not list((tmp_path / "outbox-journal").glob("*.journal"))


def test_two_workers_draining_the_same_campaign_send_each_email_once(committed, smtp, seed, tmp_path, database_url):
    recorder, port = smtp
    s = seed(600)
    # The server holds every transaction at RCPT until both workers have claimed rows and are
    # waiting on it (a worker claims at most 500 at once), then lets them race through the rest.
    recorder.hold_after = 0
    env = worker_env(tmp_path, database_url, port)
    workers = [start_worker(env), start_worker(env)]
    try:
        wait_until(lambda: len(recorder.rcpt_seen) >= 2, timeout=60)
        recorder.release.set()
        wait_until(lambda: states(committed, s.campaign_id) == Counter({"sent": 600}), timeout=60)
    finally:
        for w in workers:
            stop(w)

    counts = Counter(recorder.message_ids())
    assert len(counts) == 600 and set(counts.values()) == {1}
    with committed() as session:
        senders = Counter(session.scalars(select(OutboxMessage.claimed_by)
                                          .where(OutboxMessage.campaign_id == s.campaign_id)))
    assert len(senders) == 2 and sorted(senders.values()) == [100, 500]  # both workers took part
    assert all(w.returncode == 0 for w in workers)
