"""Turn a mention found by the gazetteer into the lead it names, with crm.lookup.find_leads.

Leads are looked up in the speaker's own book first (an admin sees all). When nothing there
fits, the whole CRM is searched so that the bot can say whose lead it is rather than "not found";
such a result is flagged ``owned_by_other``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from crm.lookup import LeadCandidate, clear_winner, find_leads

from bot.understanding.gazetteer import Entry


@dataclass
class LeadRef:
    lead_id: int | None
    name: str | None
    ambiguous: bool = False
    candidates: list[LeadCandidate] = field(default_factory=list)
    owned_by_other: bool = False

    def as_fields(self) -> dict:
        out: dict = {"lead_id": self.lead_id, "lead": self.name, "ambiguous": self.ambiguous}
        if self.candidates:
            out["candidates"] = list(self.candidates)
        if self.owned_by_other:
            out["owned_by_other"] = True
        return out


def _lookup(session, entry: Entry, actor) -> list[LeadCandidate]:
    found: dict[int, LeadCandidate] = {}
    for q in sorted(entry.queries):
        for c in find_leads(session, q, actor=actor, limit=20):
            if c.lead_id in entry.lead_ids and (c.lead_id not in found or c.score > found[c.lead_id].score):
                found[c.lead_id] = c
    return sorted(found.values(), key=lambda c: (-c.score, c.name))


def resolve(session, entry: Entry, *, actor) -> LeadRef | None:
    cands = _lookup(session, entry, actor)
    other = False
    if not cands and actor is not None:
        cands = _lookup(session, entry, None)
        other = bool(cands)
    if not cands:
        return None
    win = clear_winner(cands) if len(cands) > 1 else cands[0]
    if win is not None:
        return LeadRef(win.lead_id, win.name, candidates=[win], owned_by_other=other)
    return LeadRef(None, None, ambiguous=True, candidates=cands, owned_by_other=other)
