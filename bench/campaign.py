"""Send a campaign to N generated leads through a local aiosmtpd sink and print emails per second.

The campaign path does everything a worker does per email: claim rows in batches, render the
template in the sandbox, build the MIME message, send it over one reused SMTP connection,
journal the acceptance, and record outcomes in batches. The baseline, in the same run, against
the same sink: a bare smtplib loop over one connection sending the same emails, pre-rendered.
The ratio campaign/baseline is the cost of rendering and bookkeeping (target at least 0.8).

The two alternate in rounds (a slice of the baseline, then as many campaign emails), in one
process against one sink, so a busy machine slows both alike; the ratio of the totals and the
median of the per-round ratios are reported.

Memory: the whole campaign is also sent by a fresh process for each audience size; that
process's peak RSS and the peak of the Python heap while sending (tracemalloc) are reported. Flat
figures across sizes show that nothing grows with the audience.

    .venv/bin/python bench/campaign.py [--leads 10000] [--memory-sizes 2000,10000] [--database-url URL]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROJECTS = [("Harbour View", "2BR"), ("Beachgate", "Studio"), ("Maple Heights", "3BR"), ("Cedar Park", "Villa")]


# -- the SMTP sink (its own process, so it does not share our CPU time or GIL) -----------------


def run_sink(port: int) -> None:
    from aiosmtpd.controller import Controller

    class Count:
        n = 0

        async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201
            Count.n += 1
            return "250 2.0.0 OK"

    controller = Controller(Count(), hostname="127.0.0.1", port=port, ready_timeout=30)
    controller.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()  # until the parent closes our stdin
    finally:
        controller.stop()
        print(Count.n, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- setup ----------------------------------------------------------------------------------------


def prepare(url: str, leads: int) -> int:
    """A fresh schema with one agent, ``leads`` leads and a started campaign; returns its id."""
    from sqlalchemy import insert

    from bot.settings import Settings
    from crm.db import session_factory
    from crm.models import Agent, Campaign, Lead
    from fresh_db import fresh_engine
    from crm.types import utcnow
    from handlers.campaigns import outbox, service
    from handlers.campaigns.compose import Composer
    from handlers.campaigns.render import Renderer

    engine = fresh_engine(url)
    sessions = session_factory(engine)
    with sessions.begin() as s:
        agent = Agent(name="Alex Morgan", email="alex@agency.example")
        s.add(agent)
        s.flush()
        agent_id = agent.id
    now = utcnow()
    with engine.begin() as conn:
        batch = []
        for i in range(leads):
            project, unit = PROJECTS[i % len(PROJECTS)]
            low = 400_000 + (i % 40) * 50_000
            batch.append({"name": f"Lead{i} Bench", "email": f"lead{i}@bench.example", "status": "new",
                          "project": project, "unit_type": unit, "budget_min": low, "budget_max": int(low * 1.3),
                          "owner_id": agent_id, "token": secrets.token_urlsafe(16), "email_bouncing": False,
                          "created_at": now, "updated_at": now})
            if len(batch) == 2000:
                conn.execute(insert(Lead), batch)
                batch = []
        if batch:
            conn.execute(insert(Lead), batch)
    settings = Settings(mail_domains=("crmbot.bench",), public_url="https://crm.example")
    with sessions.begin() as s:
        view = service.create_campaign(s, name="Bench launch", sender="Alex Morgan <alex@agency.example>",
                                       audience={}, composer=Composer(settings=settings, renderer=Renderer()),
                                       template="new_launch", actor=None)
        campaign = s.get(Campaign, view.id)
        outbox.start(s, campaign, domain="crmbot.bench", now=utcnow())
        campaign.state, campaign.started_at = "running", utcnow()
    engine.dispose()
    return view.id


# -- the measured runs (each in a fresh process) ---------------------------------------------------


def measure_campaign(url: str, port: int, data_dir: Path) -> dict:
    from bot.settings import Settings
    from crm.db import make_engine, session_factory
    from handlers.campaigns.compose import Composer
    from handlers.campaigns.drain import Drainer
    from handlers.campaigns.render import Renderer
    from handlers.campaigns.transport import transport_from_settings

    settings = Settings(data_dir=data_dir, database_url=url, smtp_url=f"smtp://127.0.0.1:{port}",
                        mail_domains=("crmbot.bench",), public_url="https://crm.example")
    engine = make_engine(url)
    drainer = Drainer(sessions=session_factory(engine), transport=transport_from_settings(settings),
                      composer=Composer(settings=settings, renderer=Renderer()),
                      journal_dir=data_dir / "outbox-journal")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    report = drainer.drain()
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    drainer.close()
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"sent": report.sent, "rss_before_kb": rss_before, "rss_peak_kb": rss_peak,
            "traced_peak_kb": traced_peak // 1024}


def prerender(url: str) -> list[tuple[str, str, bytes]]:
    """The campaign's emails as bytes, rendered the same way, for the baseline to send."""
    from sqlalchemy import select

    from bot.settings import Settings
    from crm.db import make_engine, session_factory
    from crm.models import Campaign, Lead, OutboxMessage
    from handlers.campaigns.compose import Composer
    from handlers.campaigns.outbox import lead_fields
    from handlers.campaigns.render import Renderer

    settings = Settings(mail_domains=("crmbot.bench",), public_url="https://crm.example")
    composer = Composer(settings=settings, renderer=Renderer())
    engine = make_engine(url)
    out = []
    with session_factory(engine)() as s:
        info = composer.info(s.scalars(select(Campaign)).one())
        for row, lead in s.execute(select(OutboxMessage, Lead).join(Lead, Lead.id == OutboxMessage.lead_id)
                                   .order_by(OutboxMessage.id)):
            email = composer.compose(info, lead=lead_fields(lead), agent=None, lead_token=lead.token,
                                     to_address=lead.email, message_id=row.message_id).email
            out.append((email.mail_from, email.rcpt, email.raw))
    engine.dispose()
    return out


def baseline(emails: list[tuple[str, str, bytes]], conn: smtplib.SMTP) -> float:
    start = time.perf_counter()
    for mail_from, rcpt, raw in emails:
        conn.sendmail(mail_from, [rcpt], raw)
    return time.perf_counter() - start


def process_cpu(pid: int) -> float:
    """CPU seconds used so far by another process (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_ratio(url: str, port: int, data_dir: Path, rounds: int, compose_ahead: int, sink_pid: int) -> dict:
    """Alternate baseline and campaign slices; returns totals and per-round ratios."""
    from bot.settings import Settings
    from crm.db import make_engine, session_factory
    from handlers.campaigns.compose import Composer
    from handlers.campaigns.drain import Drainer, SendPolicy
    from handlers.campaigns.render import Renderer
    from handlers.campaigns.transport import transport_from_settings

    emails = prerender(url)
    settings = Settings(data_dir=data_dir, database_url=url, smtp_url=f"smtp://127.0.0.1:{port}",
                        mail_domains=("crmbot.bench",), public_url="https://crm.example")
    engine = make_engine(url)
    drainer = Drainer(sessions=session_factory(engine), transport=transport_from_settings(settings),
                      composer=Composer(settings=settings, renderer=Renderer()),
                      journal_dir=data_dir / "outbox-journal", policy=SendPolicy(compose_ahead=compose_ahead))
    conn = smtplib.SMTP("127.0.0.1", port)
    size = len(emails) // rounds
    base_s = camp_s = base_cpu = camp_cpu = base_sink = camp_sink = 0.0
    sent = 0
    ratios = []
    for r in range(rounds):
        chunk = emails[r * size:(r + 1) * size]
        cpu, sink = time.process_time(), process_cpu(sink_pid)
        b = baseline(chunk, conn)
        base_cpu += time.process_time() - cpu
        base_sink += process_cpu(sink_pid) - sink
        cpu, sink, start = time.process_time(), process_cpu(sink_pid), time.perf_counter()
        report = drainer.drain(limit=len(chunk))
        c = time.perf_counter() - start
        camp_cpu += time.process_time() - cpu
        camp_sink += process_cpu(sink_pid) - sink
        base_s, camp_s, sent = base_s + b, camp_s + c, sent + report.sent
        ratios.append((report.sent / c) / (len(chunk) / b))
    conn.quit()
    drainer.close()
    ratios.sort()
    # CPU time of the sending process (all its threads) per email: what the campaign path adds,
    # whatever else the machine is doing.
    return {"baseline": {"sent": size * rounds, "seconds": base_s, "per_second": size * rounds / base_s,
                         "cpu_us": 1e6 * base_cpu / (size * rounds), "sink_cpu_us": 1e6 * base_sink / (size * rounds)},
            "campaign": {"sent": sent, "seconds": camp_s, "per_second": sent / camp_s, "cpu_us": 1e6 * camp_cpu / sent,
                         "sink_cpu_us": 1e6 * camp_sink / sent},
            "ratios": ratios, "median_ratio": ratios[len(ratios) // 2], "load": os.getloadavg()[0]}


def child(args: argparse.Namespace) -> None:
    if args.role == "campaign":
        result = measure_campaign(args.url, args.port, Path(args.data_dir))
    else:
        result = measure_ratio(args.url, args.port, Path(args.data_dir), args.rounds, args.compose_ahead,
                               args.sink_pid)
    print(json.dumps(result))


def run_child(role: str, url: str, port: int, data_dir: Path, rounds: int = 1, compose_ahead: int = 8,
              sink_pid: int = 0) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", role, "--url", url, "--port", str(port),
                          "--data-dir", str(data_dir), "--rounds", str(rounds), "--compose-ahead", str(compose_ahead),
                          "--sink-pid", str(sink_pid)],
                         check=True, capture_output=True, text=True,
                         env={**os.environ, "CRMBOT_LOG_LEVEL": "WARNING"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--leads", type=int, default=10_000)
    ap.add_argument("--memory-sizes", default="2000,10000", help="audience sizes whose peak memory is compared")
    ap.add_argument("--database-url", help="PostgreSQL URL (its tables are dropped); default a temp SQLite file")
    ap.add_argument("--sink", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--child", dest="role", help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--data-dir", help=argparse.SUPPRESS)
    ap.add_argument("--sink-pid", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--rounds", type=int, default=10, help="alternating baseline/campaign rounds")
    ap.add_argument("--compose-ahead", type=int, default=8,
                    help="messages claimed and rendered ahead while the SMTP server answers (0: none)")
    args = ap.parse_args()
    if args.sink:
        run_sink(args.sink)
        return
    if args.role:
        child(args)
        return

    port = free_port()
    sink = subprocess.Popen([sys.executable, __file__, "--sink", str(port)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert sink.stdout is not None and sink.stdout.readline().strip() == "ready"
    sizes = sorted(int(x) for x in args.memory_sizes.split(",") if x.strip())
    memory = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = args.database_url or f"sqlite:///{Path(tmp) / 'bench-ratio.sqlite3'}"
            prepare(url, args.leads)
            ratio = run_child("ratio", url, port, Path(tmp) / "data-ratio", args.rounds, args.compose_ahead, sink.pid)
            for n in sizes:
                url = args.database_url or f"sqlite:///{Path(tmp) / f'bench-{n}.sqlite3'}"
                prepare(url, n)
                memory[n] = run_child("campaign", url, port, Path(tmp) / f"data-{n}")
    finally:
        assert sink.stdin is not None
        sink.stdin.close()
        received = int(sink.stdout.read().strip() or 0)
        sink.wait()

    c, b = ratio["campaign"], ratio["baseline"]
    print(f"campaign of {args.leads} leads ({'PostgreSQL' if args.database_url else 'SQLite'}), local aiosmtpd sink, "
          f"{args.rounds} alternating rounds")
    print(f"  campaign (render + bookkeeping + send): {c['per_second']:7.0f} emails/s  ({c['sent']} in {c['seconds']:.2f} s)")
    print(f"  baseline (pre-rendered, bare smtplib):  {b['per_second']:7.0f} emails/s  ({b['sent']} in {b['seconds']:.2f} s)")
    print(f"  ratio of totals: {c['per_second'] / b['per_second']:.2f}; median per round: {ratio['median_ratio']:.2f} "
          f"(range {ratio['ratios'][0]:.2f}-{ratio['ratios'][-1]:.2f}); target >= 0.80")
    print(f"  CPU per email, sending process: campaign {c['cpu_us']:.0f} us, baseline {b['cpu_us']:.0f} us; "
          f"SMTP sink: {c['sink_cpu_us']:.0f} us, {b['sink_cpu_us']:.0f} us "
          f"(machine load average {ratio['load']:.1f} on {os.cpu_count()} CPUs)")
    print("  memory: the whole campaign sent by a fresh process, by audience size:")
    for n in sizes:
        m = memory[n]
        print(f"    {n:>6} leads: {m['sent']:>6} sent, peak RSS {m['rss_peak_kb'] / 1024:6.1f} MB "
              f"(after start-up {m['rss_before_kb'] / 1024:6.1f} MB), peak Python heap while sending "
              f"{m['traced_peak_kb'] / 1024:5.1f} MB")
    print(f"  the sink received {received} messages in all")


if __name__ == "__main__":
    main()
