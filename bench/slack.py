"""Slack under load: N signed slash commands, C at a time, over real HTTP to `crmbot serve`.

`crmbot serve` runs as a subprocess with its Web API pointed at a local fake Slack server (in
this process), which records when each plan message arrives. Every command asks for a status
change of a different lead ("move <lead> to negotiating") in a channel of its own; a share of
them is sent again as Slack retries (same trigger_id, X-Slack-Retry-Num). Then every plan's
Confirm button is pressed twice at once. Printed:

- ack latency p50/p95/p99/max for the commands (target p99 < 100 ms: Slack wants 3 s), and as
  a baseline the same burst of url_verification requests (signature check and Bolt, no work),
- time from sending a command until its plan is posted (p50/p95),
- exactly-once: plans made, plans executed, status audit rows, messages updated, leads changed.

    .venv/bin/python bench/slack.py [--commands 200] [--concurrency 50] [--retries 0.2] [--database-url URL]
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from crm.db import make_engine, session_factory
from crm.models import Agent, AuditEntry, Lead, Plan
from fresh_db import fresh_engine

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-signing-secret"
FIRST = ["Olivia", "Noah", "Amara", "Mateo", "Yuki", "Priya", "Lars", "Chiara", "Kwame", "Ines", "Tomasz", "Leila",
         "Rafael", "Saoirse", "Dmitri", "Hana", "Emeka", "Freya", "Joaquin", "Mei"]
LAST = ["Abernathy", "Bergstrom", "Castellano", "Dunmore", "Eriksen", "Fairweather", "Galloway", "Hargreaves",
        "Ishikawa", "Jablonski", "Kowalczyk", "Lindqvist", "Montgomery", "Nakamura", "Okonkwo", "Pemberton"]


class FakeSlack:
    """Slack's Web API on localhost: records each call with the time it arrived."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, str, dict[str, Any]]] = []
        self.lock = threading.Lock()
        self.ts = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                self._answer()

            def do_GET(self) -> None:  # noqa: N802
                self._answer()

            def _answer(self) -> None:
                at = time.perf_counter()
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                params: dict[str, Any] = {}
                if raw and "json" in (self.headers.get("content-type") or ""):
                    params = json.loads(raw)
                method = urllib.parse.urlsplit(self.path).path.strip("/").removeprefix("api/")
                with fake.lock:
                    fake.calls.append((at, method, params))
                    fake.ts += 1
                    ts = f"1700000000.{fake.ts:06d}"
                body: dict[str, Any] = {"ok": True}
                if method == "auth.test":
                    body.update(user_id="U0BOT", bot_id="B0BOT", team_id="T0BENCH")
                elif method == "chat.postMessage":
                    body.update(channel=params.get("channel"), ts=ts)
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def of(self, method: str) -> list[tuple[float, dict[str, Any]]]:
        with self.lock:
            return [(at, p) for at, m, p in self.calls if m == method]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def signed(body: str, content_type: str, *, retry: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    headers = {"content-type": content_type, "x-slack-request-timestamp": ts, "x-slack-signature": sig}
    if retry:
        headers.update({"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"})
    return headers


def command(i: int, text: str, user: str) -> str:
    return urllib.parse.urlencode({
        "token": "unused", "team_id": "T0BENCH", "team_domain": "bench", "channel_id": f"C{i:05d}",
        "channel_name": f"deal-{i}", "user_id": user, "user_name": user.lower(), "command": "/crm", "text": text,
        "api_app_id": "A0BENCH", "response_url": "http://127.0.0.1:9/unused", "trigger_id": f"{i}.bench.trigger",
    })


def press_body(call: dict[str, Any], user: str, n: int) -> str:
    blocks = call["blocks"]
    confirm = next(e for b in blocks if b["type"] == "actions" for e in b["elements"] if e.get("style") == "primary")
    payload = {
        "type": "block_actions", "user": {"id": user}, "api_app_id": "A0BENCH", "team": {"id": "T0BENCH"},
        "container": {"type": "message", "message_ts": f"m.{n}", "channel_id": call["channel"], "is_ephemeral": False},
        "channel": {"id": call["channel"]}, "trigger_id": f"{n}.press", "response_url": "http://127.0.0.1:9/unused",
        "message": {"ts": f"m.{n}", "blocks": blocks},
        "actions": [{"action_id": confirm["action_id"], "block_id": "b", "value": confirm["value"], "type": "button",
                     "text": confirm["text"], "action_ts": "1"}],
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def seed(url: str, *, leads: int, agents: int) -> list[tuple[str, str]]:
    """Agents linked to Slack users, each owning some leads; returns (lead name, owner's Slack id)."""
    engine = fresh_engine(url)
    out = []
    with session_factory(engine).begin() as s:
        team = [Agent(name=f"Agent {a}", email=f"agent{a}@bench.example", slack_user_id=f"U{a:05d}") for a in range(agents)]
        s.add_all(team)
        s.flush()
        names = [f"{f} {last}" for last in LAST for f in FIRST]
        for i in range(leads):
            owner = team[i % agents]
            s.add(Lead(name=names[i], email=f"lead{i}@bench.example", status="contacted", owner_id=owner.id))
            out.append((names[i], owner.slack_user_id))
    engine.dispose()
    return out


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))]


def wait_until(check, timeout: float) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def fire(base: str, bodies: list[tuple[int, str, dict[str, str]]], concurrency: int,
         sent_at: dict[int, float]) -> list[tuple[int, int, float]]:
    """Send every request, ``concurrency`` at a time, each sender on its own keep-alive connection.

    Connections are opened before the clock starts and the senders start together, so the
    figures are the server's, not the time this process takes to start 50 threads.
    """
    parsed = urllib.parse.urlsplit(base)
    todo: queue.Queue[tuple[int, str, dict[str, str]]] = queue.Queue()
    for item in bodies:
        todo.put(item)
    out: list[tuple[int, int, float]] = []
    lock = threading.Lock()
    ready = threading.Barrier(concurrency)

    def sender() -> None:
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        conn.connect()
        ready.wait()
        while True:
            try:
                i, body, headers = todo.get_nowait()
            except queue.Empty:
                conn.close()
                return
            start = time.perf_counter()
            with lock:
                sent_at.setdefault(i, start)
            conn.request("POST", "/slack/events", body=body.encode(), headers=headers)
            resp = conn.getresponse()
            resp.read()
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                out.append((i, resp.status, elapsed))

    threads = [threading.Thread(target=sender) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--commands", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--retries", type=float, default=0.2, help="share of commands sent again as Slack retries")
    ap.add_argument("--agents", type=int, default=50)
    ap.add_argument("--database-url", help="PostgreSQL URL (its tables are dropped); default a temp SQLite file")
    args = ap.parse_args()
    n = args.commands
    if n + 1 > len(FIRST) * len(LAST):
        ap.error(f"at most {len(FIRST) * len(LAST) - 1} commands")

    tmp = Path(tempfile.mkdtemp(prefix="crmbot-bench-slack-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    leads = seed(url, leads=n + 1, agents=args.agents)
    fake = FakeSlack()
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "CRMBOT_DATA_DIR": str(tmp), "CRMBOT_HTTP_PORT": str(port),
           "CRMBOT_SMTP_IN_ENABLED": "false", "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET,
           "SLACK_API_URL": fake.url, "CRMBOT_LOG_LEVEL": "WARNING"}
    env.pop("SLACK_APP_TOKEN", None)
    log = open(tmp / "serve.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve"], cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.perf_counter()

        def healthy() -> bool:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as r:
                    return r.status == 200
            except OSError:
                return False

        if not wait_until(healthy, 120):
            print(f"crmbot serve did not start; see {tmp / 'serve.log'}")
            return 1
        print(f"crmbot serve up in {time.perf_counter() - started:.1f}s ({'PostgreSQL' if args.database_url else 'SQLite'})")
        form = "application/x-www-form-urlencoded"

        # Warm-up: the first message loads the language models; it is not counted.
        name, user = leads[n]
        warm_body = command(n, f"move {name} to negotiating", user)
        fire(base, [(n, warm_body, signed(warm_body, form))], 1, {})
        if not wait_until(lambda: len(fake.of("chat.postMessage")) >= 1, 60):
            print(f"warm-up plan never posted; see {tmp / 'serve.log'}")
            return 1
        warm = len(fake.of("chat.postMessage"))

        # Baseline: the same burst of url_verification requests, which Bolt answers itself after
        # checking the signature: the cost of HTTP, signing and Bolt, with no work behind it.
        checks = []
        for i in range(n):
            body = json.dumps({"token": "unused", "challenge": f"challenge-{i}", "type": "url_verification"})
            checks.append((i, body, signed(body, "application/json")))
        base_ms = [ms for _, _, ms in fire(base, checks, args.concurrency, {})]

        bodies: list[tuple[int, str, dict[str, str]]] = []
        for i in range(n):
            name, user = leads[i]
            body = command(i, f"move {name} to negotiating", user)
            bodies.append((i, body, signed(body, form)))
        retried = list(range(0, n, max(1, round(1 / args.retries)))) if args.retries > 0 else []
        # Each retry goes out in the same burst as its original, as Slack's would after a slow ack.
        for i in retried:
            bodies.append((i, bodies[i][1], signed(bodies[i][1], form, retry=1)))
        sent_at: dict[int, float] = {}
        t0 = time.perf_counter()

        acks = fire(base, bodies, args.concurrency, sent_at)
        burst = time.perf_counter() - t0
        all_posted = wait_until(lambda: len(fake.of("chat.postMessage")) >= warm + n, 300)
        posted = fake.of("chat.postMessage")[warm:]
        drained = time.perf_counter() - t0

        by_channel = {p["channel"]: (at, p) for at, p in posted}
        to_plan = [(by_channel[f"C{i:05d}"][0] - sent_at[i]) * 1000 for i in range(n) if f"C{i:05d}" in by_channel]
        plans_posted = sum(1 for _, p in posted if any(b["type"] == "actions" for b in p.get("blocks") or []))

        # Confirm every plan, each pressed twice at once (a double click).
        presses: list[tuple[int, str, dict[str, str]]] = []
        for i in range(n):
            item = by_channel.get(f"C{i:05d}")
            if item is None or not any(b["type"] == "actions" for b in item[1].get("blocks") or []):
                continue
            body = press_body(item[1], leads[i][1], i)
            presses += [(i, body, signed(body, form)), (i, body, signed(body, form))]
        press_sent: dict[int, float] = {}

        press_acks = fire(base, presses, args.concurrency, press_sent)
        wait_until(lambda: len(fake.of("chat.update")) >= plans_posted, 300)
        time.sleep(1.0)  # let any duplicate that slipped through show itself before counting

        engine = make_engine(url)
        with session_factory(engine)() as s:
            plans = s.scalar(select(func.count()).select_from(Plan)) - 1
            executed = s.scalar(select(func.count()).select_from(Plan).where(Plan.status == "executed"))
            audits = s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.field == "status"))
            moved = s.scalar(select(func.count()).select_from(Lead).where(Lead.status == "negotiating"))
        engine.dispose()

        ack_ms = [ms for _, status, ms in acks]
        press_ms = [ms for _, status, ms in press_acks]
        bad = [status for _, status, _ in acks + press_acks if status != 200]
        updates = len(fake.of("chat.update"))
        print(f"\n{n} slash commands (+{len(retried)} retries), {args.concurrency} at a time, "
              f"{args.agents} agents; burst sent in {burst:.2f}s, all plans posted after {drained:.2f}s"
              f"{'' if all_posted else ' (NOT ALL POSTED)'}")
        print(f"  ack latency      p50 {pct(ack_ms, 50):6.1f} ms   p95 {pct(ack_ms, 95):6.1f} ms   "
              f"p99 {pct(ack_ms, 99):6.1f} ms   max {max(ack_ms):6.1f} ms   (target p99 < 100 ms: "
              f"{'met' if pct(ack_ms, 99) < 100 else 'MISSED'})")
        print(f"  baseline ack     p50 {pct(base_ms, 50):6.1f} ms   p95 {pct(base_ms, 95):6.1f} ms   "
              f"p99 {pct(base_ms, 99):6.1f} ms   max {max(base_ms):6.1f} ms   (url_verification: no work behind it)")
        print(f"  plan posted      p50 {pct(to_plan, 50):6.0f} ms   p95 {pct(to_plan, 95):6.0f} ms   "
              f"max {max(to_plan) if to_plan else float('nan'):6.0f} ms   ({plans_posted}/{n} plans, "
              f"{len(posted) - plans_posted} other replies)")
        print(f"  confirm ack      p50 {pct(press_ms, 50):6.1f} ms   p99 {pct(press_ms, 99):6.1f} ms   "
              f"({len(presses)} presses)")
        once = plans == n and executed == plans_posted and audits == plans_posted and updates == plans_posted \
            and moved == plans_posted and len(posted) == n
        print(f"  exactly once     plans made {plans}/{n}, messages posted {len(posted)}, executed {executed}, "
              f"status audit rows {audits}, messages updated {updates}, leads moved {moved} -> "
              f"{'OK' if once else 'DUPLICATES OR LOSSES'}")
        if bad:
            print(f"  non-200 answers: {len(bad)} ({sorted(set(bad))})")
        ok = once and not bad
        if not ok:
            print(f"  server log: {tmp / 'serve.log'}")
        return 0 if ok else 1
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        fake.server.shutdown()


def run() -> int:
    tmp_before = set(Path(tempfile.gettempdir()).glob("crmbot-bench-slack-*"))
    code = main()
    if code == 0:  # keep the database and the server log of a failed run for a look
        for path in set(Path(tempfile.gettempdir()).glob("crmbot-bench-slack-*")) - tmp_before:
            shutil.rmtree(path, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(run())
