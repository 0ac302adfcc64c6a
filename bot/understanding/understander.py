"""The understanding step: a message in, ordered actions out.

Agent messages are cut into clauses at "and", "then", commas and full stops; each clause gets an
intent from the rules in ``agent_rules``; clauses without one belong to the clause before them
(the note of a logged call, the title of a reminder), and a clause that only says when gives the
request after it its time ("tomorrow, call Rose"). Leads come from the gazetteer, pronouns
("him", "her", "them") from the last lead named before them in the message or, failing that, in
the conversation; verbs joined before one name share it ("emailed and called Rose"), and names
listed for one request share its kind ("met A and B at the open house"). Lead replies get one
intent from ``lead_replies``.
"""
from __future__ import annotations

import dataclasses
import logging
import re
from collections import OrderedDict
from datetime import datetime
from functools import lru_cache
from typing import Any, Mapping

from sqlalchemy import func, select

from crm.models import Lead

from bot.understanding import agent_rules as rules
from bot.understanding.analysis import Analysis, analyse
from bot.understanding.dates import DueParser, DueTime, date_order_for, zone
from bot.understanding.gazetteer import Gazetteer, LeadRow
from bot.understanding.lead_replies import PROPOSAL, classify_reply
from bot.understanding.lead_text import for_dates, named_zone, trim_reply
from bot.understanding.leads import LeadRef, resolve
from bot.understanding.lexicon import PRONOUNS
from bot.understanding.model import LEAD_ACTIONS, Action, Understanding
from bot.understanding.replies import parse_reply
from bot.understanding.spelling import Speller
from bot.understanding.text import clean, letters_share

log = logging.getLogger(__name__)

CLARIFY_BELOW = 0.55  # ask rather than act below this confidence (Rasa's fallback sits near 0.3-0.6)
CLOSE_MARGIN = 0.1  # two intents this close: ask which one was meant
PAST_MARKER = re.compile(r"\b(?:yesterday|earlier|ago|last (?:night|week|month|time)|this morning|just|already|went|was|were|done|had|did|finished|completed|stopped by|dropped (?:by|in)|popped (?:in|by)|came (?:in|by|over)|showed up|turned up)\b")
PRONOUN_WORDS = PRONOUNS - {"it"}
_REFERRING = re.compile(r"\b(?:this|that|the|same) (?:lead|client|guy|person|buyer|customer|prospect|one)\b")


# Apostrophe-less contractions spaCy splits but people mean whole ("dont" -> "do" "nt"), and the
# ones that are also words ("wed" is Wednesday, "id" an identifier): kept as one token, then
# mapped to the apostrophe form by the speller (lexicon.contraction).
@lru_cache(maxsize=1)
def load_nlp():
    """A blank English spaCy pipeline: the tokenizer and vocabulary, nothing to download."""
    import spacy

    nlp = spacy.blank("en")
    rules = nlp.tokenizer.rules
    nlp.tokenizer.rules = {
        k: v for k, v in rules.items() if "'" in k or "\u2019" in k or not k.isalpha() or len(v) < 2
    }
    return nlp


class Understander:
    """Built once (loads spaCy and the word list), reused for every message."""

    def __init__(self, *, llm=None, nlp=None) -> None:
        self.nlp = nlp or load_nlp()
        self.speller = Speller()
        self.llm = llm
        self._gazetteers: OrderedDict[Any, Gazetteer] = OrderedDict()
        self._by_rows: OrderedDict[Any, Gazetteer] = OrderedDict()
        self._parsers: dict[str, DueParser] = {}

    # -- lead names ---------------------------------------------------------------------------
    def gazetteer(self, session) -> Gazetteer | None:
        if session is None:
            return None
        count, max_id, max_updated = session.execute(
            select(func.count(Lead.id), func.max(Lead.id), func.max(Lead.updated_at))
        ).one()
        key = (id(session.get_bind()), count, max_id, str(max_updated))
        gaz = self._gazetteers.get(key)
        if gaz is None:
            rows = [
                LeadRow(r.id, r.name, r.email, r.company, r.owner_id)
                for r in session.execute(select(Lead.id, Lead.name, Lead.email, Lead.company, Lead.owner_id))
            ]
            # A status change moves updated_at but no name: reuse the gazetteer of the same rows.
            same = (id(session.get_bind()), tuple(rows))
            gaz = self._by_rows.get(same)
            if gaz is None:
                gaz = self._by_rows[same] = Gazetteer(self.nlp, rows)
                while len(self._by_rows) > 8:
                    self._by_rows.popitem(last=False)
            self._gazetteers[key] = gaz
            while len(self._gazetteers) > 8:
                self._gazetteers.popitem(last=False)
        return gaz

    def _parser(self, tz: str) -> DueParser:
        p = self._parsers.get(tz)
        if p is None:
            p = self._parsers[tz] = DueParser(date_order=date_order_for(tz))
        return p

    # -- entry point --------------------------------------------------------------------------
    def understand(self, text: str, *, channel: str, speaker=None, now: datetime, tz: str, session=None,
                   context: Mapping[str, Any] | Any | None = None) -> Understanding:
        """What ``text`` asks for. Never raises on odd input: the worst is an ``unknown``."""
        try:
            return self._understand(text, channel=channel, speaker=speaker, now=now, tz=tz, session=session,
                                    context=context)
        except (ValueError, OverflowError, RecursionError):
            log.exception("could not understand a message")
            return Understanding([Action("unknown", {}, 0.0, (0, 0))] if channel != "lead" else
                                 [Action("other", {}, 0.0, (0, 0))], clarify="low_confidence")

    def _understand(
        self,
        text: str,
        *,
        channel: str,
        speaker=None,
        now: datetime,
        tz: str,
        session=None,
        context: Mapping[str, Any] | Any | None = None,
    ) -> Understanding:
        zone_info = zone(tz)
        now = now.replace(tzinfo=zone_info) if now.tzinfo is None else now.astimezone(zone_info)
        cleaned, cut = clean(text if isinstance(text, str) else "")
        if channel == "lead":
            return self._lead(cleaned, now=now, tz=tz, session=session, context=context)
        if not cleaned or not any(c.isalnum() for c in cleaned):
            return Understanding([Action("unknown", {}, 0.0, (0, len(cleaned)))], clarify="empty")
        reply, choice = parse_reply(cleaned)
        if reply:
            return Understanding([], reply=reply, choice=choice)
        if letters_share(cleaned) < 0.5:
            return Understanding([Action("unknown", {}, 0.2, (0, len(cleaned)))], clarify="language")
        result = self._agent(cleaned, speaker=speaker, now=now, tz=tz, session=session, context=context)
        if cut and result.clarify is None:
            result.clarify = "too_long"
        if self.llm is not None and _unsure(result):
            from bot.understanding.llm import refine

            better = refine(
                self.llm, cleaned, result, understander=self, speaker=speaker, now=now, tz=tz, session=session
            )
            if better is not None:
                return better
        return result

    # -- lead replies -------------------------------------------------------------------------
    def _lead(self, text: str, *, now: datetime, tz: str, session, context) -> Understanding:
        intent, conf = classify_reply(text)
        fields: dict[str, Any] = {}
        ref = _context_lead(session, context)
        if ref is not None:
            fields.update(ref.as_fields())
        body = for_dates(trim_reply(text))  # the reply's own words, in English, for its time
        proposal = intent in ("question", "other", "interested") and bool(PROPOSAL.search(body.lower()))
        if (intent == "meeting_request" or proposal) and text:
            a = analyse(body, nlp=self.nlp, gazetteer=None, speller=self.speller)
            due = self._parser(tz).parse(a.norm_text(), now=now)
            spoken_zone = named_zone(body) if due is not None and due.grain == "minute" else None
            if spoken_zone is not None and spoken_zone != tz:  # "4pm Eastern" read in the file's zone
                when = due.when.replace(tzinfo=zone(spoken_zone)).astimezone(now.tzinfo)
                due = dataclasses.replace(due, when=when, past=when < now)
            if due is not None and proposal and not due.past:
                intent, conf = "meeting_request", 0.8  # a time put forward is a request to meet then
            if due is not None and intent == "meeting_request":
                _put_due(fields, due)
        clarify = "low_confidence" if conf < CLARIFY_BELOW else None
        return Understanding([Action(intent, fields, conf, (0, len(text)))], clarify=clarify)

    # -- agent commands -----------------------------------------------------------------------
    def _agent(self, text: str, *, speaker, now: datetime, tz: str, session, context) -> Understanding:
        gaz = self.gazetteer(session)
        a = analyse(text, nlp=self.nlp, gazetteer=gaz, speller=self.speller)
        refs = self._resolve_mentions(a, gaz, session=session, speaker=speaker)
        parser = self._parser(tz)

        # 1. clauses and their intents
        clauses: list[dict[str, Any]] = []
        said_when = False  # the message opens with only a time ("tomorrow, call Rose")
        for i, j in a.chunks():
            ntext = a.norm_text(i, j)
            due = parser.parse(ntext, now=now)
            has_lead = any(t.mention is not None for t in a.toks[i:j]) or _has_pronoun(ntext)
            ci = rules.classify(
                ntext,
                is_question=a.ends_with_question(i, j),
                has_lead=has_lead,
                has_future_due=(due is not None and not due.past) or (said_when and len(clauses) == 1),
                has_past_marker=bool(PAST_MARKER.search(ntext)),
            )
            if not clauses and ci.intent is None and due is not None and not due.past and _time_only(ntext, due):
                said_when = True
            clauses.append({"i": i, "j": j, "ci": ci, "k": len(clauses)})
        if len(clauses) > 1:
            # A bare name next to other clauses is what they are about, not a request to show it;
            # a clause whose intent is only inferred belongs to a clause before it.
            seen_intent = False
            for c in clauses:
                if (c["ci"].intent == "show_lead" and c["ci"].score <= 0.6) or (c["ci"].weak and seen_intent):
                    c["ci"] = rules.ClauseIntent(None, 0.0)
                seen_intent = seen_intent or c["ci"].intent is not None
            # A remark about a lead before a request ("grace wants the plan, send her the brochure")
            # is what the request is about.
            later = False
            for c in reversed(clauses):
                if c["ci"].remark and later:
                    c["ci"] = rules.ClauseIntent(None, 0.0)
                later = later or (c["ci"].intent is not None and not c["ci"].weak)
            # "log calls with A and B": a clause that is only another name repeats the request for it.
            for k in range(1, len(clauses)):
                c = clauses[k]
                ntext = a.norm_text(c["i"], c["j"])
                prev = clauses[k - 1]
                if c["ci"].intent is None and _names_only(ntext, parser, now) and prev["ci"].intent in LEAD_ACTIONS and prev["ci"].intent != "show_lead":
                    prev_has = [t.mention for t in a.toks[prev["i"]:prev["j"]] if t.mention is not None]
                    here = [t.mention for t in a.toks[c["i"]:c["j"]] if t.mention is not None]
                    if prev_has and here and refs.get(here[0]) and refs.get(prev_has[0]) and refs[here[0]].lead_id != refs[prev_has[0]].lead_id:
                        c["ci"] = rules.ClauseIntent(prev["ci"].intent, prev["ci"].score)
                        c["copy_of"] = k - 1
            # "zoe and kwame both qualified": names listed before a request share it.
            for k in range(len(clauses) - 2, -1, -1):
                c, nxt = clauses[k], clauses[k + 1]
                if c["ci"].intent is not None or not _LEADING_NAME.fullmatch(a.norm_text(c["i"], c["j"])):
                    continue
                if nxt["ci"].intent not in LEAD_ACTIONS or nxt["ci"].intent == "show_lead":
                    continue
                here = _first_ref(a, refs, c["i"], c["j"])
                there = _first_ref(a, refs, nxt["i"], nxt["j"])
                if here is not None and there is not None and here.lead_id != there.lead_id:
                    c["ci"] = rules.ClauseIntent(nxt["ci"].intent, nxt["ci"].score)
                    c["copy_of"] = nxt.get("copy_of", k + 1)
            # "had lunch with Raj, talked numbers": talk with no lead and no kind of its own goes on
            # describing the interaction before it.
            prev_intent = None
            for c in clauses:
                ntext = a.norm_text(c["i"], c["j"])
                if (c["ci"].intent == "log_interaction" and prev_intent == "log_interaction"
                        and not any(t.mention is not None for t in a.toks[c["i"]:c["j"]])
                        and not _has_pronoun(ntext) and rules.specific_kind(ntext) is None
                        and rules.GENERIC_TALK.search(ntext)):
                    c["ci"] = rules.ClauseIntent(None, 0.0)
                    continue
                if c["ci"].intent is not None:
                    prev_intent = c["ci"].intent
            # After "add a note ..." what follows is the note, unless it is a command of its own.
            in_note = False
            for c in clauses:
                ntext = a.norm_text(c["i"], c["j"])
                if in_note and c["ci"].intent is not None and c["ci"].score < 0.95:
                    c["ci"] = rules.ClauseIntent(None, 0.0)
                    continue
                if c["ci"].intent is not None:
                    in_note = c["ci"].intent == "log_interaction" and bool(rules.NOTE_START.match(ntext))
        groups = _group(clauses)

        # 2. actions, with their leads
        actions: list[Action] = []
        last_ref: LeadRef | None = _context_lead(session, context)
        mention_pos = [(t_i, t.mention) for t_i, t in enumerate(a.toks) if t.mention is not None]
        shared = _shared_objects(a, refs, groups)
        for n, g in enumerate(groups):
            i, j, ci = g["i"], g["j"], g["ci"]
            ntext = a.norm_text(i, j)
            explicit = next((refs[m] for p, m in mention_pos if i <= p < j and refs.get(m) is not None), None)
            before = [refs[m] for p, m in mention_pos if p < i and refs.get(m) is not None]
            prior = before[-1] if before else last_ref
            ref = explicit
            if ref is None and n in shared and not _has_pronoun(ntext):
                ref = shared[n]  # "emailed and called Rose": Rose was emailed too
            if ref is None and (_has_pronoun(ntext) or ci.intent in LEAD_ACTIONS):
                ref = prior
            fields: dict[str, Any] = {}
            if ref is not None:
                fields.update(ref.as_fields())
            elif ci.intent in LEAD_ACTIONS:
                fields.update({"lead_id": None, "lead": None, "ambiguous": False})
            intent = ci.intent or "unknown"
            if g.get("copy_of") is not None:
                src = clauses[g["copy_of"]]
                ntext = ntext + " " + a.norm_text(src["i"], src["j"])  # the fields of the request it repeats
            head = a.norm_text(g["hi"], g["hj"])  # the clause that gave the intent, before its continuation
            if intent == "update_status":
                st = rules.find_status(head) or rules.find_status(ntext)
                fields["status"] = st[0] if st else None
            elif intent == "log_interaction":
                fields["kind"] = rules.find_kind(_shared_request(a, clauses, g) or head) or rules.find_kind(ntext)
                fields["note"] = _note(a, i, j)
            elif intent == "schedule_follow_up":
                due = parser.parse(ntext, now=now)
                if due is None:
                    # "follow up with A and B next week": the time said for B is A's too.
                    for other in clauses:
                        if other.get("copy_of") == g.get("k"):
                            due = parser.parse(a.norm_text(other["i"], other["j"]), now=now)
                            if due is not None:
                                break
                if due is not None:
                    _put_due(fields, due)
                fields["title"] = _title(a, i, j)
            span = a.span(i, j)
            conf = ci.score
            act = Action(intent, fields, round(conf, 3), span)
            if ci.second and ci.second[1] >= ci.score - CLOSE_MARGIN and ci.second[0] != intent:
                act.fields["alternative"] = ci.second[0]
            actions.append(act)
            if explicit is not None:
                last_ref = explicit
        actions = _merge(actions)
        for act in actions:
            if act.intent == "log_interaction" and not act.fields.get("kind"):
                act.fields["kind"] = "note"
        if not actions:
            actions = [Action("unknown", {}, 0.3, (0, len(text)))]
        return Understanding(actions, clarify=_clarify(actions))

    def _resolve_mentions(self, a: Analysis, gaz: Gazetteer | None, *, session, speaker) -> dict[int, LeadRef | None]:
        out: dict[int, LeadRef | None] = {}
        by_key: dict[str, LeadRef | None] = {}
        if gaz is None:
            return out
        for k, m in enumerate(a.mentions):
            if m.key not in by_key:
                entry = gaz.entries.get(m.key)
                by_key[m.key] = resolve(session, entry, actor=speaker) if entry else None
            out[k] = by_key[m.key]
        return out


# -- helpers ------------------------------------------------------------------------------------
# A lead named on its own, or after the verb of the request that follows ("move A and B to won").
_LEADING_NAME = re.compile(rules.POLITE + r"(?:(?:move|mark|set|put|update|change|switch|flag|close|bump|log|remind me about|follow up with)\s+)?@lead")
_PLACE_TAIL = re.compile(r"(?:at|in|over|during|about|re|regarding|for|round|around|through) (?:the |a |an |our |his |her |their |my )?[a-z0-9'-]+(?: [a-z0-9'-]+){0,2}\s*[.!]*")
_FILLER = re.compile(r"\b(?:too|also|as well|both|on|at|for|by)\b")


def _names_only(ntext: str, parser: DueParser, now: datetime) -> bool:
    """A clause that is only a lead (and perhaps when): "@lead", "@lead next week"."""
    if ntext == "@lead":
        return True
    if not ntext.startswith("@lead ") or "@lead" in ntext[6:]:
        return False
    rest = ntext[6:]
    if _PLACE_TAIL.fullmatch(rest):
        return True  # "met A and B at the expo": where or what about, no request of its own
    due = parser.parse(rest, now=now)
    if due is None:
        return False
    left = rest[: due.span[0]] + " " + rest[due.span[1]:]
    return not _FILLER.sub(" ", left).strip(" ,.!")


def _shared_request(a: Analysis, clauses: list[dict[str, Any]], g: dict[str, Any]) -> str | None:
    """The words of a request said once for several leads ("met A and B at the open house"), each
    lead's own part included, so that every lead gets the same kind; None when not shared."""
    root = g.get("copy_of")
    if root is None:
        root = g["k"]
    copies = [c for c in clauses if c.get("copy_of") == root]
    if not copies:
        return None
    parts = [clauses[root], *copies]
    return " ".join(a.norm_text(c["i"], c["j"]) for c in sorted(parts, key=lambda c: c["k"]))


_JOINERS = frozenset({"and", ",", "&", "+", "then", "/", "or"})


def _shared_objects(a: Analysis, refs: dict[int, LeadRef | None], groups: list[dict[str, Any]]) -> dict[int, LeadRef]:
    """Verbs joined by "and" before one object ("emailed and called Rose", "called, texted and
    emailed her") all act on it: the lead of the group each bare verb shares, by group index."""
    out: dict[int, LeadRef] = {}
    for n in range(len(groups) - 2, -1, -1):
        g, nxt = groups[n], groups[n + 1]
        if g["ci"].intent not in LEAD_ACTIONS or nxt["ci"].intent not in LEAD_ACTIONS:
            continue
        if not rules.BARE_CONTACT_VERB.fullmatch(a.norm_text(g["i"], g["j"])):
            continue
        between = [t.norm for t in a.toks[g["j"]:nxt["i"]]]
        if not between or any(w not in _JOINERS for w in between):
            continue
        ref = out.get(n + 1) or _first_ref(a, refs, nxt["i"], nxt["j"])
        if ref is not None:
            out[n] = ref
    return out


_WHEN_FILLER = re.compile(r"\b(?:any ?time|whenever|sometime|some time|at|on|by|for|from|around|about|ideally|maybe|latest|the latest|at the latest|please|pls|ok|okay|so)\b")


def _time_only(ntext: str, due: DueTime) -> bool:
    """A clause that says when and nothing else ("tomorrow", "any time after 2 on Friday")."""
    left = ntext[: due.span[0]] + " " + ntext[due.span[1]:]
    return not _WHEN_FILLER.sub(" ", left).strip(" ,.!-:")


def _first_ref(a: Analysis, refs: dict[int, LeadRef | None], i: int, j: int) -> LeadRef | None:
    for t in a.toks[i:j]:
        if t.mention is not None and refs.get(t.mention) is not None:
            return refs[t.mention]
    return None


def _has_pronoun(ntext: str) -> bool:
    return any(w in PRONOUN_WORDS for w in ntext.split()) or bool(_REFERRING.search(ntext))


def _group(clauses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Clauses without an intent join the clause before them (or after, when first)."""
    groups: list[dict[str, Any]] = []
    pending: dict[str, Any] | None = None
    for c in clauses:
        if c["ci"].intent is None:
            if groups:
                groups[-1]["j"] = c["j"]
            elif pending is None:
                pending = dict(c)
            else:
                pending["j"] = c["j"]
            continue
        g = dict(c, hi=c["i"], hj=c["j"])
        if pending is not None:
            g["i"] = pending["i"]
            pending = None
        groups.append(g)
    if pending is not None and not groups:
        groups.append(dict(pending, hi=pending["i"], hj=pending["j"]))
    return groups


def _compatible(a: Action, b: Action) -> bool:
    if a.intent != b.intent:
        return False
    la, lb = a.fields.get("lead_id"), b.fields.get("lead_id")
    if la is not None and lb is not None and la != lb:
        return False
    if a.fields.get("ambiguous") != b.fields.get("ambiguous") and lb is not None:
        return False
    for k in ("status", "kind"):
        va, vb = a.fields.get(k), b.fields.get(k)
        if va and vb and va != vb:
            return False
    if a.fields.get("due") is not None and b.fields.get("due") is not None and a.fields["due"] != b.fields["due"]:
        return False
    return a.intent in ("update_status", "log_interaction", "schedule_follow_up", "show_lead", "unknown", "help")


def _merge(actions: list[Action]) -> list[Action]:
    """Adjacent clauses that say the same thing twice ("signed! mark him won") become one action."""
    out: list[Action] = []
    for act in actions:
        if out and _compatible(out[-1], act):
            prev = out[-1]
            for k, v in act.fields.items():
                if prev.fields.get(k) in (None, "", False) and v not in (None, ""):
                    prev.fields[k] = v
            prev.span = (prev.span[0], act.span[1])
            prev.confidence = max(prev.confidence, act.confidence)
            continue
        out.append(act)
    return out


def _put_due(fields: dict[str, Any], due: DueTime) -> None:
    fields["due"] = due.when
    fields["due_grain"] = due.grain
    if due.past:
        fields["due_past"] = True
    if due.rolled:
        fields["due_rolled"] = True


_TITLE_LEAD = re.compile(
    r"^(?:(?:please|pls|can you|could you|hey|ok|also|and|then)\s+)*(?:remind me (?:to |about |that )?|set (?:a |up a )?(?:reminder|follow-?up|task) (?:to |for |about |with )?|reminder:?\s*(?:to )?|ping me (?:about |to )?|nudge me (?:about |to )?|schedule (?:a )?|book (?:a |an )?|arrange (?:a |an )?|follow[- ]?up:?\s*)",
    re.I,
)


def _title(a: Analysis, i: int, j: int) -> str:
    raw = a.text[a.span(i, j)[0] : a.span(i, j)[1]]
    t = _TITLE_LEAD.sub("", raw).strip(" ,.;:-")
    return (t[:1].upper() + t[1:]) if t else "Follow up"


def _note(a: Analysis, i: int, j: int) -> str:
    raw = a.text[a.span(i, j)[0] : a.span(i, j)[1]]
    if ":" in raw:
        after = raw.split(":", 1)[1].strip()
        if after:
            return after
    m = re.search(r"\bthat\b\s+(.*)", raw, re.I)
    if m and m.group(1).strip():
        return m.group(1).strip()
    return raw.strip()


def _context_lead(session, context) -> LeadRef | None:
    if context is None or session is None:
        return None
    if isinstance(context, Mapping):
        lead_id = context.get("last_lead_id") or context.get("lead_id")
    else:
        lead_id = getattr(context, "last_lead_id", None) or getattr(context, "lead_id", None)
    if not lead_id:
        return None
    lead = session.get(Lead, lead_id)
    if lead is None:
        return None
    return LeadRef(lead.id, lead.name)


def _clarify(actions: list[Action]) -> str | None:
    for act in actions:
        f = act.fields
        if f.get("ambiguous"):
            return "ambiguous_lead"
        if act.intent in LEAD_ACTIONS and f.get("lead_id") is None:
            return "missing_lead"
        if f.get("alternative"):
            return "close_intents"
        if f.get("due_past"):
            return "due_in_past"
        if act.intent == "unknown" or act.confidence < CLARIFY_BELOW:
            return "low_confidence"
    return None


def _unsure(u: Understanding) -> bool:
    return u.clarify in ("low_confidence", "close_intents") or any(a.intent == "unknown" for a in u.actions)
