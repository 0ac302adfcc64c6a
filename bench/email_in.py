"""Leads' replies through real SMTP into the database, understood and turned into proposals.

Starts the inbound SMTP server (the same component `crmbot serve` runs) on a free port over a
fresh database, creates agents and leads with a campaign email each, then sends every lead a
reply from C concurrent SMTP clients (persistent connections). The reply texts are a mix of
not interested / meeting request / interested / unsubscribe / other / question, each threaded by
In-Reply-To. Reported:

- replies per second, from the first DATA to the last notification written;
- latency from the end of DATA (measured from just before the client sends DATA, so it also
  counts the 354 round trip and the store) to the notification (proposal, lead-reply notice)
  for the owner, p50/p95/max;
- lost: replies sent with a 250 but without a processed row, an interaction and a
  notification. It must be 0.

By default the server process (SMTP, store and processing threads) is pinned to one CPU core and
the clients run in a separate process on the other cores (on a one-core machine they share it). Questions are answered without a document store here (the answerer is measured by
bench/documents.py); the rest of the pipeline is the one that runs in production.

    .venv/bin/python bench/email_in.py [--replies 2000] [--clients 20] [--rate R] [--all-cores]
                                       [--database-url URL]

Unpaced (the default) measures throughput: the queue grows while the clients outrun the server,
so latency then mostly measures the backlog. ``--rate`` paces the clients below capacity to
measure latency as a lead's reply would see it.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import smtplib
import sys
import tempfile
import threading
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from bot.channels.smtp_in import SmtpIn  # noqa: E402
from bot.settings import Settings  # noqa: E402
from crm.db import make_engine, session_factory  # noqa: E402
from crm.models import Agent, InboundMessage, Interaction, Lead, Notification, OutboxMessage  # noqa: E402
from fresh_db import fresh_engine  # noqa: E402
from handlers.email_in.service import InboxService  # noqa: E402
from handlers.email_in.threading import make_message_id, reply_address  # noqa: E402

DOMAIN = "crmbot.local"
TEXTS = [
    "Thanks, but we are not interested any more. We bought a place elsewhere.",
    "Could we meet on Friday at 3pm to see the flat?",
    "This sounds great, we are very interested! Please send the brochure.",
    "Please unsubscribe me from this list.",
    "Thanks for the update, I have forwarded it to my wife.",
    "Does Harbour View have a gym for residents?",
]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup(url: str, n: int) -> list[tuple[str, str, str, str]]:
    """Agents, leads and a sent campaign email per lead: (lead email, token, outbox msg id, name)."""
    engine = fresh_engine(url)
    out = []
    with session_factory(engine).begin() as s:
        agents = [Agent(name=f"Agent {i}", email=f"agent{i}@agency.example", timezone="Europe/London")
                  for i in range(10)]
        s.add_all(agents)
        s.flush()
        for i in range(n):
            token = f"benchTok{i:06d}xyz"
            lead = Lead(name=f"Lead Number{i}", email=f"lead{i}@bench.example", owner_id=agents[i % 10].id,
                        status="contacted", token=token)
            s.add(lead)
            s.flush()
            msgid = make_message_id(DOMAIN, token)
            s.add(OutboxMessage(lead_id=lead.id, to_address=lead.email, message_id=msgid, subject="Harbour View",
                                state="sent", sent_at=datetime.now(timezone.utc)))
            out.append((lead.email, token, msgid, lead.name))
    engine.dispose()
    return out


def reply(i: int, email: str, token: str, msgid: str, name: str) -> bytes:
    return (f"From: {name} <{email}>\r\nTo: {reply_address(DOMAIN, token)}\r\nSubject: Re: Harbour View\r\n"
            f"Message-ID: <bench-{i}@bench.example>\r\nIn-Reply-To: {msgid}\r\nReferences: {msgid}\r\n"
            f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime())}\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{TEXTS[i % len(TEXTS)]}\r\n\r\n"
            f"On Tue, 17 Nov 2026 at 09:12, Agent <crmbot@{DOMAIN}> wrote:\r\n> Harbour View has flats left.\r\n"
            ).encode()


def client(port: int, jobs: list[tuple[int, bytes, str, str]], sent: dict[int, float], errors: list[str],
           interval: float = 0.0) -> None:
    smtp = smtplib.SMTP("127.0.0.1", port, timeout=120)
    smtp.ehlo()
    next_at = time.time() + random.uniform(0, interval)
    try:
        for i, raw, sender, rcpt in jobs:
            if interval:
                time.sleep(max(0.0, next_at - time.time()))
                next_at += interval
            smtp.mail(sender)
            smtp.rcpt(rcpt)
            t = time.time()
            code, _ = smtp.data(raw)
            if code == 250:
                sent[i] = t
            else:
                errors.append(f"{i}: {code}")
    finally:
        smtp.quit()


def run_clients(port: int, jobs: list[tuple[int, bytes, str, str]], clients: int, core: set[int] | None,
                rate: float, out: "multiprocessing.Queue") -> None:
    """The load: ``clients`` SMTP connections in threads, in a process of its own."""
    if core and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, core)
    sent: dict[int, float] = {}
    errors: list[str] = []
    interval = clients / rate if rate else 0.0
    threads = [threading.Thread(target=client, args=(port, jobs[k::clients], sent, errors, interval))
               for k in range(clients)]
    start = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((start, time.time(), sent, errors))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--replies", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--rate", type=float, default=0.0,
                    help="send at this many replies/s in total (default: as fast as the clients can)")
    ap.add_argument("--all-cores", action="store_true", help="do not pin the process to one CPU core")
    ap.add_argument("--database-url", help="PostgreSQL URL (its tables are dropped); default a temp SQLite file")
    args = ap.parse_args()
    client_cores: set[int] | None = None
    if not args.all_cores and hasattr(os, "sched_setaffinity"):
        cores = sorted(os.sched_getaffinity(0))
        # The server gets one core; the SMTP clients run in another process on the others.
        client_cores = set(cores[1:]) or None
        os.sched_setaffinity(0, {cores[0]})
    tmp = Path(tempfile.mkdtemp(prefix="crmbot-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    leads = setup(url, args.replies)

    engine = make_engine(url)
    sessions = session_factory(engine)
    settings = replace(Settings(), smtp_in_port=free_port(), mail_domains=(DOMAIN,), mail_from=f"crmbot@{DOMAIN}",
                       data_dir=tmp)
    service = InboxService.from_context(type("Ctx", (), {"settings": settings, "sessions": sessions})())
    service.make_answerer = None
    service.deps()  # load the understanding model before the clock starts
    server = SmtpIn(settings, service)
    server.start()

    jobs = [(i, reply(i, *lead), lead[0], reply_address(DOMAIN, lead[1])) for i, lead in enumerate(leads)]
    results: multiprocessing.Queue = multiprocessing.Queue()
    loader = multiprocessing.Process(target=run_clients, args=(settings.smtp_in_port, jobs, args.clients,
                                                               client_cores, args.rate, results))
    cpu_start = time.process_time()
    loader.start()
    start, done, sent, errors = results.get()
    loader.join()
    accepted_s = done - start
    deadline = time.time() + 600
    while time.time() < deadline:
        with sessions() as s:
            waiting = s.scalar(select(func.count()).select_from(InboundMessage)
                               .where(InboundMessage.state == "received"))
            total = s.scalar(select(func.count()).select_from(InboundMessage))
        if total >= len(sent) and not waiting:
            break
        time.sleep(0.1)
    cpu = time.process_time() - cpu_start  # every thread of this (the server's) process
    server.stop()

    with sessions() as s:
        by_msgid = {m: (i, st) for m, i, st in s.execute(select(InboundMessage.message_id, InboundMessage.id,
                                                                InboundMessage.state))}
        first_note = dict(s.execute(select(Notification.inbound_id, func.min(Notification.created_at))
                                    .group_by(Notification.inbound_id)).all())
        logged = set(s.scalars(select(Interaction.inbound_id)))
        classes = dict(s.execute(select(InboundMessage.classification, func.count())
                                 .group_by(InboundMessage.classification)).all())
    latencies, lost = [], []
    for i, t in sent.items():
        row = by_msgid.get(f"<bench-{i}@bench.example>")
        if row is None or row[1] != "processed" or row[0] not in logged or row[0] not in first_note:
            lost.append(i)
            continue
        latencies.append(first_note[row[0]].timestamp() - t)
    end = max((first_note[v[0]].timestamp() for v in by_msgid.values() if v[0] in first_note), default=start)
    elapsed = max(end - start, 1e-9)
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")  # noqa: E731
    print(f"database: {engine.dialect.name}; server cores: {'all' if args.all_cores else 1}; "
          f"clients: {args.clients} (in {'another process' if client_cores else 'the same core'})")
    print(f"replies sent: {len(jobs)}, accepted (250): {len(sent)}, refused: {len(errors)}")
    print(f"SMTP accept rate: {len(sent) / accepted_s:.0f}/s")
    print(f"end to end: {len(latencies)} replies in {elapsed:.2f} s = {len(latencies) / elapsed:.0f} replies/s "
          "(SMTP in, stored, threaded, understood, logged, proposal/notice written)")
    print(f"server CPU time: {cpu:.2f} s = {len(latencies) / max(cpu, 1e-9):.0f} replies per CPU-second "
          "(the rate one dedicated core sustains, whatever else runs on the machine)")
    print(f"latency end of DATA -> notification: p50 {p(0.5):.0f} ms, p95 {p(0.95):.0f} ms, max {p(1.0):.0f} ms")
    print(f"classified: {dict(sorted(classes.items(), key=lambda kv: str(kv[0])))}")
    print(f"lost: {len(lost)}")
    engine.dispose()
    return 1 if lost or errors else 0


if __name__ == "__main__":
    sys.exit(main())
