"""The IMAP poller against a real Dovecot: every message read once, across restarts of either side."""
from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.channels.imap_in import Backoff, ImapPoller
from bot.settings import Settings
from crm.models import Agent, ImapState, InboundMessage, Interaction, Lead
from tests.email_in.dovecot import PASSWORD, USER, Dovecot
from tests.email_in.support import free_port, inbox_service, understander, wait_for


@pytest.fixture
def dovecot():  # noqa: ANN201
    server = Dovecot(free_port())
    server.start()
    yield server
    server.cleanup()


def _settings(server: Dovecot, **kw) -> Settings:  # noqa: ANN003
    return replace(Settings(), imap_host="127.0.0.1", imap_port=server.port, imap_ssl=False, imap_user=USER,
                   imap_password=PASSWORD, imap_poll_seconds=1, mail_domains=("crmbot.local",), **kw)


def _poller(server: Dovecot, committed: sessionmaker, **kw) -> ImapPoller:  # noqa: ANN003
    return ImapPoller(_settings(server, **kw), inbox_service(committed), backoff=Backoff(first=0.2, most=1.0))


def _lead(committed: sessionmaker) -> str:
    with committed.begin() as s:
        owner = Agent(name="Alex Morgan", email="alex@agency.example")
        s.add_all([owner, Lead(name="John Doe", email="john.doe@acme.example", owner=owner, token="TokJohn_000001")])
    return "john.doe@acme.example"


def _reply(n: int, sender: str = "john.doe@acme.example") -> bytes:
    return (f"From: John Doe <{sender}>\r\nTo: crmbot@crmbot.local\r\nSubject: Re: Harbour View ({n})\r\n"
            f"Message-ID: <reply-{n}@acme.example>\r\nDate: Wed, 18 Nov 2026 15:{n % 60:02d}:00 +0000\r\n\r\n"
            f"Thanks, noted ({n}).\r\n").encode()


def _count(committed: sessionmaker, *where) -> int:  # noqa: ANN002
    with committed() as s:
        return s.scalar(select(func.count()).select_from(InboundMessage).where(*where)) or 0


def _server_flags(server: Dovecot, folder: str = "INBOX") -> dict[int, tuple]:
    c = server.client()
    try:
        c.select_folder(folder, readonly=True)
        uids = c.search(["ALL"])
        return {uid: data[b"FLAGS"] for uid, data in c.fetch(uids, ["FLAGS"]).items()} if uids else {}
    finally:
        c.logout()


def test_the_poller_reads_what_arrives_in_the_mailbox_and_flags_it_seen(dovecot, committed):
    _lead(committed)
    dovecot.append([_reply(1), _reply(2)])
    poller = _poller(dovecot, committed)
    poller.start()
    try:
        wait_for(lambda: _count(committed, InboundMessage.state == "processed") == 2, what="two replies")
        dovecot.append([_reply(3)])  # arrives while the poller idles
        wait_for(lambda: _count(committed, InboundMessage.state == "processed") == 3, what="the third reply")
        wait_for(lambda: all(b"\\Seen" in f for f in _server_flags(dovecot).values()), what="the \\Seen flags")
    finally:
        poller.stop()
    with committed() as s:
        assert {m.source for m in s.scalars(select(InboundMessage))} == {"imap"}
        assert s.scalar(select(func.count()).select_from(Interaction)) == 3


class PausingAt:
    """The real understander, holding the poller at its n-th message until the test lets it go."""

    def __init__(self, n: int) -> None:
        self.n, self.calls = n, 0
        self.reached, self.go = threading.Event(), threading.Event()

    def understand(self, *args, **kw):  # noqa: ANN002, ANN003, ANN201
        self.calls += 1
        if self.calls == self.n:
            self.reached.set()
            self.go.wait(30)
        return understander().understand(*args, **kw)


def test_a_dovecot_restart_in_the_middle_loses_nothing_and_duplicates_nothing(dovecot, committed):
    _lead(committed)
    dovecot.append([_reply(n) for n in range(1, 11)])
    pausing = PausingAt(3)
    poller = ImapPoller(_settings(dovecot), inbox_service(committed, make_understander=lambda: pausing),
                        backoff=Backoff(first=0.2, most=1.0))
    poller.start()
    try:
        assert pausing.reached.wait(30), "the poller never reached the third message"
        dovecot.restart()  # the poller is in the middle of the folder, its connection now dead
        pausing.go.set()
        dovecot.append([_reply(n) for n in range(11, 16)])
        wait_for(lambda: _count(committed, InboundMessage.state == "processed") == 15, timeout=60,
                 what="all fifteen replies after the restart")
        wait_for(lambda: all(b"\\Seen" in f for f in _server_flags(dovecot).values()), what="every message flagged")
    finally:
        poller.stop()
    assert poller.sessions_opened >= 2  # it reconnected
    with committed() as s:
        ids = list(s.scalars(select(InboundMessage.message_id)))
        assert sorted(ids) == sorted(f"<reply-{n}@acme.example>" for n in range(1, 16))
        assert s.scalar(select(func.count()).select_from(Interaction)) == 15
        assert s.scalar(select(ImapState.last_uid)) == 15


def test_a_new_poller_resumes_after_the_last_uid_it_handled(dovecot, committed):
    _lead(committed)
    dovecot.append([_reply(1), _reply(2)])
    first = _poller(dovecot, committed)
    first.start()
    wait_for(lambda: _count(committed, InboundMessage.state == "processed") == 2, what="the first two")
    first.stop()
    # Someone marks an old message unread in their mail client; it was handled already.
    c = dovecot.client()
    c.select_folder("INBOX")
    c.remove_flags([1], [b"\\Seen"])
    c.logout()
    dovecot.append([_reply(3)])

    second = _poller(dovecot, committed)
    second.start()
    try:
        wait_for(lambda: _count(committed, InboundMessage.state == "processed") == 3, what="the new one")
        wait_for(lambda: b"\\Seen" in _server_flags(dovecot)[3], what="the new one flagged")
    finally:
        second.stop()
    assert b"\\Seen" not in _server_flags(dovecot)[1]  # not read again, so not flagged again
    assert _count(committed) == 3


def test_a_changed_uidvalidity_means_reading_the_unseen_mail_again(dovecot, committed):
    _lead(committed)
    with committed.begin() as s:
        s.add(ImapState(account=f"{USER}@127.0.0.1:{dovecot.port}", folder="INBOX", uidvalidity=1, last_uid=500))
    dovecot.append([_reply(1)])
    poller = _poller(dovecot, committed)
    poller.start()
    try:
        wait_for(lambda: _count(committed, InboundMessage.state == "processed") == 1, what="the unseen reply")
    finally:
        poller.stop()
    with committed() as s:
        state = s.scalar(select(ImapState))
        assert state.uidvalidity != 1 and state.last_uid == 1


def test_handled_mail_is_moved_to_the_done_folder_when_one_is_set(dovecot, committed):
    _lead(committed)
    dovecot.append([_reply(1), _reply(2)])
    poller = _poller(dovecot, committed, imap_done_folder="Handled")
    poller.start()
    try:
        wait_for(lambda: _count(committed, InboundMessage.state == "processed") == 2, what="both replies")
        wait_for(lambda: len(_server_flags(dovecot, "Handled")) == 2, what="the move")
    finally:
        poller.stop()
    assert _server_flags(dovecot, "INBOX") == {}


def test_without_idle_the_poller_polls(committed):
    server = Dovecot(free_port(), capabilities="IMAP4rev1 LITERAL+ SASL-IR UIDPLUS")
    server.start()
    try:
        _lead(committed)
        poller = _poller(server, committed)
        poller.start()
        try:
            wait_for(poller.connected.is_set, what="the connection")
            server.append([_reply(1)])
            wait_for(lambda: _count(committed, InboundMessage.state == "processed") == 1, what="a polled reply")
        finally:
            poller.stop()
    finally:
        server.cleanup()


def test_the_poller_retries_until_the_server_is_there(committed):
    server = Dovecot(free_port())
    try:
        _lead(committed)
        poller = _poller(server, committed)
        poller.start()
        try:
            wait_for(lambda: poller.failures >= 2, what="failed connection attempts")
            server.start()
            server.append([_reply(1)])
            wait_for(lambda: _count(committed, InboundMessage.state == "processed") == 1, what="the reply")
        finally:
            poller.stop()
    finally:
        server.cleanup()


def test_the_worker_runs_the_poller_only_when_an_imap_host_is_set(engine):
    from bot.channels.imap_in import component
    from bot.context import AppContext

    assert component(AppContext(Settings(), _engine=engine)) is None
    poller = component(AppContext(replace(Settings(), imap_host="imap.example.com", imap_user="leads"), _engine=engine))
    assert isinstance(poller, ImapPoller) and poller.account == "leads@imap.example.com:993"
