"""`crmbot campaign …` end to end on the real database and a real SMTP server."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.cli import main
from crm.models import Campaign


@pytest.fixture
def cli(monkeypatch, settings, committed, smtp):  # noqa: ANN001, ANN201
    _, port = smtp
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CRMBOT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SMTP_URL", f"smtp://127.0.0.1:{port}")
    monkeypatch.setenv("CRMBOT_MAIL_DOMAINS", "crmbot.test")
    monkeypatch.setenv("CRMBOT_PUBLIC_URL", "https://crm.example.test")

    def run(*args: str) -> int:
        return main(["campaign", *args])

    # The CLI points the root logger at this test's captured stderr; put it back afterwards.
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield run
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def team(seed):  # noqa: ANN001, ANN201
    leads = [{"name": "John Doe", "project": "Harbour View"}, {"name": "Mary Poppins", "project": "Beachgate"},
             {"name": "Zoë O'Brien", "project": "Harbour View", "unit_type": "3BR"}]
    return seed(0, leads=leads, start=False, name="Seed campaign")


def agent_email(committed, team) -> str:  # noqa: ANN001
    from crm.models import Agent

    with committed() as s:
        return s.get(Agent, team.agent_id).email


def test_an_agent_creates_previews_tests_and_schedules_a_campaign(cli, capsys, committed, team, smtp):
    recorder, _ = smtp
    alex = agent_email(committed, team)

    assert cli("create", "Harbour launch", "--template", "new_launch", "--project", "harbour view",
               "--by", alex) == 0
    out = capsys.readouterr().out
    assert 'Campaign "Harbour launch" created as a draft' in out
    assert "Audience now: 2 leads" in out

    assert cli("preview", "Harbour launch", "--lead", "Zoë") == 0
    out = capsys.readouterr().out
    assert "Subject: Harbour View: new 3BR released, Zoë" in out
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in out
    assert f"From: Alex Morgan <{alex}>" in out
    assert "Hello Zoë," in out

    assert cli("test", "Harbour launch", "--to", alex) == 0
    assert "Test email sent to" in capsys.readouterr().out
    (sent,) = recorder.received
    msg = sent.parsed()
    assert sent.rcpt == alex and msg["X-Crmbot-Test"] == "yes"
    assert "/unsubscribe/test" in msg["List-Unsubscribe"]  # a throwaway token: opts nobody out

    tomorrow = (datetime.now(ZoneInfo("Europe/London")) + timedelta(days=1)).strftime("%Y-%m-%d 09:30")
    assert cli("schedule", "Harbour launch", "--at", tomorrow) == 0
    out = capsys.readouterr().out
    assert "is scheduled: once, next start " + tomorrow.replace(" ", "T") in out
    with committed() as s:
        c = s.scalars(select(Campaign).where(Campaign.name == "Harbour launch")).one()
        assert c.state == "scheduled" and c.timezone == "Europe/London"
        assert c.audience["owner_ids"] == [team.agent_id]

    assert cli("list") == 0
    out = capsys.readouterr().out
    assert "Harbour launch" in out and "scheduled" in out

    assert cli("pause", "Harbour launch") == 0
    assert "paused" in capsys.readouterr().out
    assert cli("resume", "Harbour launch") == 0
    assert "resumed (scheduled" in capsys.readouterr().out
    assert cli("cancel", "harbour LAUNCH") == 0
    assert "cancelled" in capsys.readouterr().out


def test_stats_print_and_draw_the_funnel(cli, capsys, committed, seed, drainer_factory, tmp_path):
    seed(3, name="Stats campaign")
    drainer_factory().drain()
    chart = tmp_path / "funnel.png"

    assert cli("stats", "Stats campaign", "--chart", str(chart)) == 0
    out = capsys.readouterr().out
    assert "sent          3" in out and f"Funnel chart: {chart}" in out
    assert chart.read_bytes()[:4] == b"\x89PNG"

    assert cli("stats", "Stats campaign", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sent"] == 3 and data["audience"] == 3 and data["chart"] is None


def test_an_unsafe_template_file_is_refused_with_a_clear_message(cli, capsys, team, tmp_path):
    evil = tmp_path / "evil.j2"
    evil.write_text("{% block subject %}Hi{% endblock %}\n{% block text %}{{ ''.__class__.__mro__ }}{% endblock %}")

    assert cli("create", "Evil", "--template-file", str(evil)) == 2
    err = capsys.readouterr().err
    assert "evil.j2: line 2: `__class__` is a Python internal" in err
    assert "Traceback" not in err


def test_mistakes_are_explained(cli, capsys, team):
    assert cli("preview", "No such campaign", "--lead", "John") == 1
    assert "no campaign named 'No such campaign'" in capsys.readouterr().err

    assert cli("create", "Bad status", "--template", "new_launch", "--status", "won") == 2
    assert "unknown status 'won'" in capsys.readouterr().err

    assert cli("create", "Later", "--template", "new_launch") == 0
    capsys.readouterr()
    assert cli("schedule", "Later", "--at", "2001-01-01 09:00") == 2
    assert "that time has passed" in capsys.readouterr().err
    assert cli("schedule", "Later", "--cron", "every monday") == 2
    assert "five fields" in capsys.readouterr().err

    assert cli("create", "Later", "--template", "new_launch") == 2
    assert "already exists" in capsys.readouterr().err


def test_an_agent_cannot_touch_another_agents_campaign(cli, capsys, committed, team):
    from crm.models import Agent

    with committed.begin() as s:
        s.add(Agent(name="Sam Lee", email="sam.cli@agency.example"))
    alex = agent_email(committed, team)
    assert cli("create", "Alex only", "--template", "new_launch", "--by", alex) == 0
    capsys.readouterr()

    assert cli("pause", "Alex only", "--by", "sam.cli@agency.example") == 1
    assert "belongs to another agent" in capsys.readouterr().err
