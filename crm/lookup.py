"""Find leads by what people call them: full name, first or last name, email or company.

Matching ignores case and accents and forgives small typos. Every candidate comes back with a
score, so a caller can act on a clear winner or ask "which one?" when several fit.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import Agent, Lead

EXACT = 1.0
PART = 0.9  # a whole first name, last name or company
FUZZY_FLOOR = 0.82  # below this a typo-tolerant match is too weak to offer


@dataclass(frozen=True)
class LeadCandidate:
    lead_id: int
    name: str
    email: str | None
    company: str | None
    owner_id: int | None
    score: float
    matched_on: str  # email | name | first_name | last_name | company | fuzzy_name | fuzzy_company


def normalise(text: str) -> str:
    """Lowercase, strip accents and punctuation, collapse spaces: 'Zoë  O'Brien' -> 'zoe obrien'."""
    decomposed = unicodedata.normalize("NFKD", text)
    no_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    kept = "".join(c if c.isalnum() or c.isspace() or c in "@.-_+" else "" for c in no_marks.casefold())
    return " ".join(kept.split())


def _score_one(q: str, name: str, email: str | None, company: str | None) -> tuple[float, str]:
    if email and q == email.casefold():
        return EXACT, "email"
    n = normalise(name)
    if q == n:
        return EXACT, "name"
    parts = n.split()
    if parts and q == parts[0]:
        return PART, "first_name"
    if len(parts) > 1 and q == parts[-1]:
        return PART, "last_name"
    c = normalise(company) if company else ""
    if c and (q == c or q == _strip_company_suffix(c)):
        return PART, "company"
    best = (0.0, "")
    ratio = fuzz.ratio(q, n) / 100
    if ratio >= FUZZY_FLOOR:
        best = (min(ratio * 0.95, 0.95), "fuzzy_name")
    if len(q) >= 3 and parts:
        # A single misspelt first or last name ("jon", "smiht").
        for i, p in enumerate(parts):
            r = fuzz.ratio(q, p) / 100
            if r >= FUZZY_FLOOR and r * 0.85 > best[0]:
                best = (r * 0.85, "fuzzy_first_name" if i == 0 else "fuzzy_last_name")
    if c:
        r = max(fuzz.ratio(q, c), fuzz.ratio(q, _strip_company_suffix(c))) / 100
        if r >= FUZZY_FLOOR and r * 0.85 > best[0]:
            best = (r * 0.85, "fuzzy_company")
    return best


_COMPANY_SUFFIXES = ("ltd", "limited", "llc", "inc", "plc", "gmbh", "co", "corp", "sa", "bv", "ag")


def _strip_company_suffix(c: str) -> str:
    words = c.split()
    while len(words) > 1 and words[-1].strip(".") in _COMPANY_SUFFIXES:
        words.pop()
    return " ".join(words)


def scoped_leads_query(actor: Agent | None):
    """Leads an actor may see: their own, or all for an admin (or for the system)."""
    stmt = select(Lead.id, Lead.name, Lead.email, Lead.company, Lead.owner_id)
    if actor is not None and not actor.is_admin:
        stmt = stmt.where(Lead.owner_id == actor.id)
    return stmt


def find_leads(
    session: Session, query: str, *, actor: Agent | None = None, limit: int = 5
) -> list[LeadCandidate]:
    """All leads that fit ``query``, best first. Empty when nothing fits."""
    q = normalise(query or "")
    if not q:
        return []
    if "@" in q:
        q = q.strip(".")
    found: list[LeadCandidate] = []
    for row in session.execute(scoped_leads_query(actor)):
        score, how = _score_one(q, row.name, row.email, row.company)
        if score > 0:
            found.append(LeadCandidate(row.id, row.name, row.email, row.company, row.owner_id, round(score, 3), how))
    found.sort(key=lambda c: (-c.score, c.name))
    return found[:limit]


def clear_winner(candidates: list[LeadCandidate], *, margin: float = 0.05) -> LeadCandidate | None:
    """The one candidate that stands out, or None when the choice is the user's to make."""
    if not candidates:
        return None
    if len(candidates) == 1 or candidates[0].score - candidates[1].score > margin:
        return candidates[0]
    return None
