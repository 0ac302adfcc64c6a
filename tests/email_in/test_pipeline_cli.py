"""`crmbot inbox`: feed, list, show, retry and turn unknown senders into leads from the command line."""
from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from bot.cli import main
from crm.models import Agent, InboundMessage, Lead
from tests.email_in.support import fixture


@pytest.fixture
def cli(committed, database_url, monkeypatch, tmp_path, capsys):  # noqa: ANN001, ANN201
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CRMBOT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CRMBOT_LOG_LEVEL", "WARNING")

    def run(*args: str) -> tuple[int, str]:
        code = main(list(args))
        return code, capsys.readouterr().out

    return run


def _only_id(committed) -> int:  # noqa: ANN001
    with committed() as s:
        [inbound_id] = s.scalars(select(InboundMessage.id)).all()
        return inbound_id


def test_a_message_fed_by_hand_is_stored_handled_and_listed(cli, committed, tmp_path):
    path = tmp_path / "unknown.eml"
    path.write_bytes(fixture("unknown_sender.eml"))

    assert cli("inbox", "add", str(path)) == (0, f"{_only_id(committed)}: unmatched (unmatched)\n")
    assert cli("inbox", "add", str(path))[1].endswith("already in the inbox (same Message-ID); nothing done.\n")
    code, out = cli("inbox", "list", "--unmatched")
    assert code == 0 and "sam.stranger@unknown.example" in out and "Flats in Harbour View?" in out
    code, out = cli("inbox", "show", str(_only_id(committed)))
    assert "State:       unmatched" in out and "two-bedroom flats left?" in out


def test_failures_are_listed_with_their_reason_and_retried(cli, committed, tmp_path):
    path = tmp_path / "garbage.bin"
    path.write_bytes(random.Random(3).randbytes(2000))

    assert cli("inbox", "add", str(path))[0] == 1
    code, out = cli("inbox", "list", "--failed")
    assert "parsing failed: no email headers" in out
    assert cli("inbox", "retry", "--all") == (1, f"{_only_id(committed)}: failed (unreadable)\n")
    with committed() as s:
        assert s.scalar(select(InboundMessage.attempts)) == 2


def test_an_admin_makes_an_unknown_sender_a_lead_from_the_command_line(cli, committed, tmp_path):
    with committed.begin() as s:
        s.add_all([Agent(name="Ada Admin", email="ada@agency.example", role="admin"),
                   Agent(name="Alex Morgan", email="alex@agency.example")])
    path = tmp_path / "unknown.eml"
    path.write_bytes(fixture("unknown_sender.eml"))
    cli("inbox", "add", str(path))

    code, out = cli("inbox", "create-lead", str(_only_id(committed)), "--as", "ada@agency.example", "--owner", "alex@agency.example")

    assert code == 0 and out.startswith("Created lead Sam Stranger <sam.stranger@unknown.example>")
    with committed() as s:
        lead = s.scalar(select(Lead))
        assert s.get(Agent, lead.owner_id).email == "alex@agency.example"
        assert s.scalar(select(InboundMessage.state)) == "processed"


def test_retrying_a_processed_message_is_refused_in_one_line(cli, committed, tmp_path, capsys):
    path = tmp_path / "unknown.eml"
    path.write_bytes(fixture("unknown_sender.eml"))
    cli("inbox", "add", str(path))
    with committed.begin() as s:
        s.scalar(select(InboundMessage)).state = "processed"

    assert main(["inbox", "retry", str(_only_id(committed))]) == 2
    assert "only failed, unmatched or unprocessed messages are retried" in capsys.readouterr().err
