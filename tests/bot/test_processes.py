"""The two long-running processes start, answer, and stop cleanly on SIGTERM."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, timeout: float = 60) -> bytes:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"process exited early: {proc.stderr.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                return resp.read()
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


@pytest.fixture
def env(tmp_path, database_url):
    return {**os.environ, "CRMBOT_DATA_DIR": str(tmp_path), "DATABASE_URL": database_url,
            "CRMBOT_HTTP_PORT": str(free_port()), "CRMBOT_SMTP_IN_PORT": str(free_port())}


def test_serve_answers_health_and_stops_on_sigterm(env, engine):
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        body = wait_for(f"http://127.0.0.1:{env['CRMBOT_HTTP_PORT']}/healthz", proc)
        assert json.loads(body) == {"ok": True}
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert "web stopped" in proc.stderr.read()
    finally:
        proc.kill()


def test_worker_starts_its_scheduler_and_stops_on_sigterm(env, engine):
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "worker"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            lines.append(line)
            if "scheduler started" in line or not line:
                break
        assert any("scheduler started" in line for line in lines), lines
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert "worker stopped" in proc.stderr.read()
    finally:
        proc.kill()
