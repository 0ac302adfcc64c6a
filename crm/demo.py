"""Realistic demo data: a small property sales team, its leads and their history.

Deterministic (a seeded generator) and relative to "now", so the demo always has follow-ups due
today and overdue, and loading it twice changes nothing.
"""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.models import Agent, FollowUp, Interaction, Lead

AGENTS = [
    ("Alex Morgan", "alex@agency.example", "agent", "Europe/London"),
    ("Sam Lee", "sam@agency.example", "agent", "Europe/London"),
    ("Priya Shah", "priya@agency.example", "agent", "Asia/Dubai"),
    ("Dana Whitfield", "dana@agency.example", "admin", "Europe/London"),
]

PROJECTS = {
    "Harbour View": ("1BR", "2BR", "3BR", "Penthouse"),
    "Beachgate": ("Studio", "1BR", "2BR", "3BR"),
    "Maple Heights": ("2BR", "3BR", "Townhouse"),
    "Riverside Lofts": ("Studio", "1BR", "Loft"),
    "Cedar Park": ("3BR", "4BR", "Villa"),
}

# Names chosen to exercise lookup: shared first names, accents, apostrophes, similar surnames.
LEADS = [
    ("John Doe", "Acme Ltd"), ("John Smith", "Smith & Partners"), ("Mary Poppins", None),
    ("Zoë O'Brien", "Brightwave"), ("José Álvarez", "Iberia Holdings"), ("Chen Wei", "Lotus Trading"),
    ("Fatima Khan", None), ("Oliver Twist", "Dickens Media"), ("Emma Watson", "Hermione Films"),
    ("Liam Neeson", None), ("Sofia Rossi", "Rossi Design"), ("Lucas Martin", "Martin Logistics"),
    ("Amelia Clarke", None), ("Noah Williams", "Williams Dental"), ("Isla Brown", None),
    ("Mohammed Al Farsi", "Gulf Ventures"), ("Hannah Schmidt", "Schmidt GmbH"), ("Ethan Hunt", "IMF Consulting"),
    ("Grace Hopper", "Cobol Systems"), ("Ava Thompson", None), ("Jack Taylor", "Taylor Builders"),
    ("Mia Anderson", None), ("Leo Dubois", "Dubois Vins"), ("Chloe Nguyen", "Saigon Foods"),
    ("Henry Ford", "Ford Motors Ltd"), ("Ella Fitzgerald", None), ("Arjun Patel", "Patel Pharma"),
    ("Yuki Tanaka", "Tanaka Robotics"), ("Ruby Walker", None), ("Samuel Green", "Green Energy"),
    ("Olivia Johnson", None), ("Daniel Kim", "Kim & Co"), ("Layla Hassan", None), ("Max Müller", "Müller AG"),
    ("Freya Wilson", "Nordic Sails"), ("George Evans", None), ("Aisha Bello", "Lagos Capital"),
    ("Thomas Wright", "Wright Architects"), ("Charlotte King", None), ("Ivan Petrov", "Volga Imports"),
    ("Sara Lindqvist", "Fjord Tech"), ("Benjamin Scott", None), ("Nora Jensen", "Jensen Shipping"),
    ("Omar Haddad", "Cedar Foods"), ("Lily Evans", None), ("Harry Potter", "Hogwarts Supplies"),
    ("Victoria Adams", "Adams Retail"), ("Ryan Murphy", None), ("Elena Popescu", "Danube Logistics"),
    ("Jon Doherty", "Doherty Legal"),
]

STATUS_WEIGHTS = [("new", 8), ("contacted", 12), ("qualified", 9), ("negotiating", 8),
                  ("closed_won", 4), ("closed_lost", 4), ("follow_up", 5)]
SOURCES = ("website", "referral", "portal", "walk-in", "event", "campaign")
SUMMARIES = {
    "call": ["Discussed budget and timing", "Wants a sea view", "Asked about payment plans",
             "Interested in a second viewing", "Comparing with another development"],
    "meeting": ["Met at the sales office", "Coffee to go through the brochure", "Reviewed floor plans together"],
    "viewing": ["Viewed the show apartment", "Toured the amenities", "Second viewing with partner"],
    "email": ["Sent the brochure", "Sent the price list", "Replied to questions about service charges"],
    "note": ["Prefers WhatsApp", "Relocating in spring", "Mortgage pre-approved"],
}
FOLLOW_UPS = ["Send the contract", "Call back about financing", "Send floor plans", "Arrange a viewing",
              "Share the payment plan", "Check in after the viewing"]


@dataclass
class DemoReport:
    agents: int
    leads: int
    interactions: int
    follow_ups: int
    already_loaded: bool = False


def _slug(name: str) -> str:
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return ".".join(p.lower().strip("'") .replace("'", "") for p in ascii_name.split())


def load_demo(session: Session, *, now: datetime | None = None, seed: int = 7) -> DemoReport:
    """Add the demo team and leads unless they are already there. The caller commits."""
    now = now or datetime.now(timezone.utc)
    if session.scalar(select(func.count()).select_from(Agent).where(Agent.email == AGENTS[0][1])):
        return DemoReport(0, 0, 0, 0, already_loaded=True)
    rng = random.Random(seed)
    agents = [Agent(name=n, email=e, role=r, timezone=tz) for n, e, r, tz in AGENTS]
    session.add_all(agents)
    session.flush()
    sellers = agents[:3]
    statuses = [s for s, w in STATUS_WEIGHTS for _ in range(w)]
    n_inter = n_fu = 0
    for i, (name, company) in enumerate(LEADS):
        project = rng.choice(list(PROJECTS))
        low = rng.choice([400, 550, 700, 900, 1200, 1600, 2500]) * 1000
        created = now - timedelta(days=rng.randint(5, 120), hours=rng.randint(0, 12))
        status = "negotiating" if name == "John Doe" else ("contacted" if i < 3 else rng.choice(statuses))
        lead = Lead(
            name=name,
            email=f"{_slug(name)}@{(company or 'mail').split()[0].lower().strip('&')}.example",
            phone=f"+44 7700 9{rng.randint(10000, 99999)}",
            company=company,
            project=project,
            unit_type=rng.choice(PROJECTS[project]),
            budget_min=low,
            budget_max=int(low * rng.choice([1.2, 1.3, 1.5])),
            status=status,
            owner=sellers[0] if i < 4 else sellers[i % 3],
            source=rng.choice(SOURCES),
            created_at=created,
            token=secrets.token_urlsafe(16),
        )
        session.add(lead)
        session.flush()
        last = None
        for _ in range(0 if status == "new" else rng.randint(1, 4)):
            kind = rng.choice(list(SUMMARIES))
            at = created + timedelta(days=rng.randint(1, max(1, (now - created).days - 1)), hours=rng.randint(8, 17))
            at = min(at, now - timedelta(hours=1))
            session.add(Interaction(lead=lead, agent=lead.owner, kind=kind, summary=rng.choice(SUMMARIES[kind]),
                                    occurred_at=at, channel="console"))
            last = max(last, at) if last else at
            n_inter += 1
        lead.last_contacted_at = last
        if status not in ("closed_won", "closed_lost", "new") and rng.random() < 0.6:
            due = now + timedelta(days=rng.randint(-3, 7), hours=rng.randint(-4, 4))
            session.add(FollowUp(lead=lead, agent=lead.owner, title=rng.choice(FOLLOW_UPS), due_at=due))
            n_fu += 1
    session.flush()
    return DemoReport(len(agents), len(LEADS), n_inter, n_fu)
