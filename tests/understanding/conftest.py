from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.understanding import Understander

TZ = "Europe/London"
# A Wednesday afternoon, as in the project's examples.
NOW = datetime(2026, 11, 18, 15, 30, tzinfo=ZoneInfo(TZ))


@pytest.fixture(scope="session")
def understander() -> Understander:
    return Understander()


@pytest.fixture
def book(session, make_agent, make_lead):  # noqa: ANN001, ANN201
    """Alex's leads (two Johns among them), and one of Sam's."""
    alex = make_agent("Alex Morgan", email="alex@agency.example")
    sam = make_agent("Sam Lee", email="sam@agency.example")
    leads = {
        "john_doe": make_lead("John Doe", owner=alex, email="john.doe@acme.example", company="Acme Ltd"),
        "john_smith": make_lead("John Smith", owner=alex, email="jsmith@globex.example", company="Globex Corporation"),
        "mary": make_lead("Mary Poppins", owner=alex, email="mary@cherrytree.example"),
        "zoe": make_lead("Zoë Laurent", owner=alex, email="zoe@maison.example", company="Maison Laurent"),
        "mark": make_lead("Mark Evans", owner=alex, email="mark.evans@evans.example"),
        "will": make_lead("Will Turner", owner=alex, email="will.turner@mail.example"),
        "peter": make_lead("Peter Parker", owner=sam, email="peter@dailybugle.example", company="Daily Bugle"),
    }
    return {"alex": alex, "sam": sam, **leads}


@pytest.fixture
def say(understander, session, book):  # noqa: ANN001, ANN201
    """Understand one agent message from Alex at NOW."""
    def run(text: str, *, context=None, now: datetime = NOW, speaker=None):  # noqa: ANN001, ANN202
        return understander.understand(text, channel="agent", speaker=speaker or book["alex"], now=now, tz=TZ,
                                       session=session, context=context)

    return run


def summary(u) -> list[tuple]:  # noqa: ANN001
    """(intent, lead, status or kind or due) per action, for compact assertions."""
    out = []
    for a in u.actions:
        f = a.fields
        extra = f.get("status") or f.get("kind") or (f["due"].strftime("%Y-%m-%d %H:%M") if f.get("due") else None)
        out.append((a.intent, "?" if f.get("ambiguous") else f.get("lead"), extra))
    return out
