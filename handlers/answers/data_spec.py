"""Questions over CRM data, parsed offline into a ``QuerySpec``: what to look at (leads,
follow-ups or interactions), what to report (a list, a count, a sum, an average, a group-by,
the top N, one field of one lead) and the filters (status, project, owner, unit type,
source, budget, dates, contact recency, follow-ups due).

The parser reads keywords and the CRM's own names; it never builds SQL. ``data_query``
compiles the spec with SQLAlchemy. Words the parser could not place are kept in
``unknown_words``, so a caller may hand such a question to the text-to-SQL path instead.

Budgets: a lead's "budget" is its upper bound (``budget_max``, or ``budget_min`` when only
that is known), for filters ("over 1m"), orderings ("top 5 by budget") and totals alike;
"minimum budget" and "maximum budget" pick a bound explicitly.

A pipeline is the leads still in play (not closed won or lost): its size is how many there
are, its value their budgets added up ("which agent has the biggest pipeline [by value]").

Whose leads: "my leads", "do I have" and the like are the asker's own, for an admin too (an
admin otherwise sees every lead); "our", "all", "the team's" are every lead the asker may see.

Contact recency: "not contacted" with no time means never; ranked ("the five leads I haven't
spoken to for longest") it is an ordering by last contact, oldest first and never-contacted
leads before all others.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from handlers.answers.text import MONEY_RE, NUMBER_WORD_RE, number_value, parse_money
from handlers.answers.timeframe import Period, find_periods, unit_delta
from handlers.answers.vocabulary import Mention, Vocabulary

Entity = Literal["leads", "follow_ups", "interactions"]
Measure = Literal["list", "count", "sum", "avg", "max", "min", "median", "share", "group", "field", "top",
                  "not_allowed"]

CLOSED = ("closed_won", "closed_lost")
NEGATION = r"n't\b|\bnot\b|\bnever\b|\bno\b|\bnobody\b|\bno one\b|\bnone\b"


@dataclass
class QuerySpec:
    entity: Entity = "leads"
    measure: Measure = "list"
    target: str = "budget"  # the number summed/averaged/ordered: budget | budget_min | budget_max
    field: str | None = None  # for measure=field
    group_by: str | None = None  # status | project | owner | unit_type | source | kind
    pick_top_group: bool = False  # "which project has the most leads": the answer is the group
    top_group_desc: bool = True
    order: tuple[str, bool] | None = None  # (column, descending) for measure=top
    limit: int | None = None
    pick_one: bool = False  # "which lead has the highest budget": the answer is a name
    statuses: tuple[str, ...] = ()
    exclude_statuses: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()
    unit_types: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    owner_ids: tuple[int, ...] = ()
    owner_label: str | None = None
    lead_ids: tuple[int, ...] = ()
    lead_labels: tuple[str, ...] = ()
    budget_field: str = "budget"
    budget_low: float | None = None
    budget_low_inclusive: bool = True
    budget_high: float | None = None
    budget_high_inclusive: bool = True
    created: Period | None = None
    updated: Period | None = None
    contacted: Period | None = None
    last_contact_in: Period | None = None  # "last contacted in October": the latest contact falls there
    last_contact_before: datetime | None = None  # "last contacted more than 3 weeks ago"
    not_contacted_since: datetime | None = None
    not_contacted_label: str = ""
    never_contacted: bool = False
    due: Period | None = None
    overdue: bool = False
    follow_up_statuses: tuple[str, ...] = ("open",)
    occurred: Period | None = None
    interaction_kinds: tuple[str, ...] = ()
    without_interaction_kinds: tuple[str, ...] = ()
    without_interaction_since: datetime | None = None
    without_follow_up: bool = False
    with_follow_up: bool = False
    unassigned: bool = False  # leads with no owner (only an admin sees any)
    min_interactions: int | None = None  # "called more than once": leads with at least this many
    counted_kinds: tuple[str, ...] = ()  # ...of these kinds (else any contact)
    counted_period: Period | None = None  # ...in this period
    mentioned_kinds: tuple[str, ...] = ()  # every interaction kind the question names
    contact_only: bool = False  # interactions that reached the lead: notes are not contact
    distinct_leads: bool = False
    asked_for_everyone: bool = False  # "all leads", "the team's": only admins see past their own
    pipeline: bool = False  # "biggest pipeline": open leads only (not closed won or lost)
    mine: bool = False  # "my leads", "do I have": the asker's own leads, even for an admin
    unknown_words: tuple[str, ...] = ()
    recognised: int = 0  # how many parts of the question were understood

    @property
    def confident(self) -> bool:
        return not self.unknown_words and self.recognised > 0


# --- vocabulary --------------------------------------------------------------------------------

STATUS_PATTERNS: list[tuple[str, str]] = [
    ("closed_won", r"\bclosed[ _-]?won\b|\bwon\b|\bwin(?:s|ning)?\b|\bconverted\b|\bsold\b|\bsigned\b"),
    ("closed_lost", r"\bclosed[ _-]?lost\b|\blost\b|\blose\b|\bdead\b|\bdropped out\b|\bfell through\b|\blosses\b"),
    ("negotiating", r"\bnegotiat\w*|\bin negotiations?\b|\bhot(?:test)?\b|\boffers? stage\b"),
    ("qualified", r"\bqualified\b|\bqualifying\b"),
    ("follow_up", r"\bfollow[ _-]?up (?:status|stage)\b|\b(?:in|at|status|stage|marked(?: as)?|set to|moved to|status of|"
                  r"as) (?:the )?follow[ _-]?ups?\b(?! (?:due|for|with|today|tomorrow|this|next|overdue))|\bfollow_up\b"),
    ("contacted", r"\b(?:status|stage|in|at|marked(?: as)?|set to|moved to|as|are|is|still) contacted\b"
                  r"(?! (?:in|since|for|within|over|this|last|yesterday|today|recently|lately))|\bcontacted (?:status|stage)\b|^contacted leads\b"),
    ("new", r"\bnew\b"),
]

INTERACTION_KIND_WORDS = {
    "call": r"\bcalls?\b|\bcalled\b|\bphoned?\b|\bphone calls?\b|\brang\b|\bring\b",
    "meeting": r"\bmeetings?\b|\bmet\b|\bmeet\b",
    "viewing": r"\bviewings?\b|\bviewed\b|\bshowed\b|\bshow ?rounds?\b|\bshowings?\b|\btours?\b|\btoured\b|\bsite visits?\b"
               r"|(?:\b(?:i|we|you)|@A) +(?:view|show)\b",
    "email": r"\bemails?\b|\bemailed\b|\be-?mailed\b|\bmailed\b|\bwrote to\b",
    "note": r"\bnotes?\b",
}
# Seeing someone (with a person as subject) is meeting them or showing them round.
IN_PERSON = (r"\b(?:did|do|have|had|has|haven't|hasn't|didn't)\s+(?:i|we|you|@A\s*)\s*(?:see|seen)\b"
             r"|(?:\b(?:i|we|you)|@A)\s+(?:saw|have seen|'ve seen|had seen|haven't seen|didn't see)\b")

GROUP_WORDS = {
    "status": r"status(?:es)?|stages?|pipeline stages?",
    "project": r"projects?|developments?|buildings?|schemes?|sites?",
    "owner": r"owners?|agents?|reps?|sales ?(?:people|persons?|reps?)|team members?|colleagues?|person",
    "unit_type": r"unit types?|units?|types?|property types?|bedrooms?|bedroom counts?|home types?",
    "source": r"sources?|lead sources?|channels?|origins?",
    "kind": r"kinds?|interaction types?|activity types?",
}

FIELD_PATTERNS: list[tuple[str, str]] = [
    ("owner", r"\bwho (?:owns|has|handles|manages|looks after|is (?:looking after|handling|responsible for|managing))\b"
              r"|\bowner\b|\bowns?\b|\bowned\b|\bassigned\b|\bwhose\b|\bagent (?:for|on|of)\b|\b(?:rep|agent) is\b"
              r"|\bwho(?:'s| is) @L(?:'s)?\s+(?:agent|rep|salesperson)\b|^who(?:'s| is)\b.*\b(?:agent|rep|owner|salesperson)\b"
              r"|\b(?:agent|rep|salesperson) (?:for|on|of|handling|looking after)\b"),
    ("budget_min", r"\b(?:min(?:imum)?|lowest|bottom) budget\b|\bbudget min(?:imum)?\b|\bbudget_min\b"),
    ("budget_max", r"\b(?:max(?:imum)?|highest|top) budget\b|\bbudget max(?:imum)?\b|\bbudget_max\b"),
    ("budget", r"\bbudgets?\b|\bafford\b|\bspend\b|\bprice range\b|\bhow much (?:can|could|does|is|will)\b"),
    ("last_interaction", r"\bwhat did (?:i|we) (?:log|note|write|record|discuss|talk about|say)\b|\bwhat did @L\s+(?:say|want|ask|tell)\b|\blast (?:note|interaction|conversation|activity)\b"
                         r"|\bwhat happened (?:with|on|at)\b|\blatest (?:note|interaction|activity|update)\b|\bwhat was (?:said|discussed)\b"),
    ("last_contacted", r"\blast (?:contact(?:ed)?|spoke|spoken|talked|heard|touch(?:ed)?|reached|in touch|call(?:ed)?|"
                       r"emailed|email|met|meeting|interaction|spoke to|conversation)\b|\bwhen did (?:i|we|you)\b"
                       r"|\blast time\b|\bmost recent(?:ly)? (?:contact|call|email|meeting)\b|\bhow long (?:since|has it been)\b"
                       r"|\b(?:been|was|were|is|got) (?:contacted|called|emailed|reached|spoken to)\b|\bdid (?:i|we) (?:contact|call|email|speak|talk|meet|reach)\b"
                       r"|\bwhen was @L\s+(?:last )?(?:contacted|called|emailed|seen)\b"),
    ("email", r"\be-?mail address\b|\bwhat(?:'s| is) @L(?:'s)?\s+e-?mail\b|\be-?mail (?:of|for)\b|@L'?s?\s+e-?mail\b"),
    ("phone", r"\bphone(?: number)?\b|\bmobile\b|\bnumber for\b|\bcontact details\b|\btelephone\b|\bcell\b"),
    ("company", r"\bcompany\b|\bemployer\b|\bfirm\b|\bwho does @L\s+work for\b|\bwhere does @L\s+work\b|\bbusiness\b"),
    ("project", r"\bproject\b|\bdevelopment\b|\bwhich building\b|\binterested in\b|\blooking at\b|\bwhat (?:property|scheme)\b"),
    ("unit_type", r"\bunit(?: type)?\b|\bbedrooms?\b|\bwhat (?:size|type|kind) of (?:home|unit|apartment|flat|property)\b"
                  r"|\blooking for\b|\bhow many beds\b"),
    ("source", r"\bsource\b|\bcome from\b|\bcame from\b|\bfind us\b|\bhear about us\b|\bchannel\b|\bwhere did @L\s+come\b"),
    ("created", r"\bwhen (?:was|did) @L\s+(?:added|created|come in|enquire|sign up|join|first)\b|\bcreated\b|\badded\b"
                r"|\bhow long has @L\s+been\b|\bsince when\b"),
    ("next_follow_up", r"\bnext follow[- ]?up\b|\bwhen (?:should|do|must|will) (?:i|we) (?:follow up|call|chase|contact|ring)\b"
                       r"|\bnext (?:call|step|task|action)\b|\b(?:anything|something|what(?:'s| is)?) (?:scheduled|planned|booked|lined up|"
                       r"coming up|due|open)\b|\bscheduled (?:with|for)\b|\bfollow[- ]?ups? (?:with|for|on) @L\b|@L'?s?\s+follow[- ]?ups?\b"
                       r"|\btasks? (?:for|with|on) @L\b|\bwhat(?:'s| is) next (?:for|with|on)\b"),
    ("status", r"\bstatus\b|\bstage\b|\bwhere (?:is|are) @L\b|\bwhat state\b|\bhow is @L\s+doing\b|\bpipeline\b|\bstanding\b"),
    ("notes", r"\bnotes? (?:on|for|about)\b"),
]

_STOP = frozenset("""
a an the of to in on at for from by with about into over under than then and or but if so as is are was were be been
being am do does did doing have has had having i me my mine we us our you your he him his she her it its they them
their there here this that these those what which who whom whose when where why how any some all each every no not
nor only own same too very can could should would will shall may might must just also still yet ever even please
tell show give list get find see look let know want need like right now currently current at moment today anything
something someone anyone everyone everybody people person one ones thing things got getting much many lot lots
kindly quick quickly exactly approximately roughly around about up out across among between within without again
there's what's who's how's where's when's i've i'm i'd we've we're it's that's let's don't doesn't didn't haven't
hasn't isn't aren't wasn't weren't won't can't couldn't shouldn't wouldn't n't s d ll ve re m do
""".split())

# Words the parser understands beyond its patterns (so they are not "unknown").
_KNOWN = frozenset("""
lead leads client clients customer customers buyer buyers prospect prospects contact contacts enquiry enquiries deal deals
record records opportunities opportunity account accounts portfolio book pipeline funnel
count number total sum combined overall aggregate average avg mean typical median highest lowest largest biggest
smallest maximum minimum max min top bottom most least best worst richest cheapest expensive value worth
status statuses stage stages state open active live ongoing closed close closing won lost new qualified negotiating
follow followup followups follow-up follow-ups due overdue late missed pending outstanding upcoming scheduled
task tasks reminder reminders todo todos to-do agenda plate schedule calendar diary
call calls called calling phone phoned meeting meetings met meet viewing viewings viewed email emails emailed note notes
interaction interactions activity activities logged log spoke spoken speak talk talked contacted contact reached touch
heard chase chased chasing ring rang
budget budgets afford spend price range million k m grand
project projects development developments building buildings unit units type types bedroom bedrooms bed beds
source sources channel channels owner owners owned owns own assigned agent agents rep reps team colleague colleagues
week weeks month months year years day days quarter today yesterday tomorrow since last past next this recent recently
lately ago before after between until by created added came come arrived received joined signed enquired entered
made make booked gave
group grouped breakdown broken split per each by distribution spread
name names email address phone mobile company employer firm where when who which whom whose
interested looking want wants wanting looking
never not nothing none haven't hasn't yet any
hot warm cold hottest
add adding create creating send sent sending completed complete coming come time work works working buy buying
willing through via sorted ordered ranked sort order rank median percentage percent proportion share ratio rate
conversion long been ups follow-up followups got give show tell
more less over under above below least most
do i my me mine
in on at for of from
supposed meant planning going due needs need chasing scheduled miss missed forgot forgotten slipped unassigned
assigned allocated owner owners ownerless seen saw see view tour toured showing showings again once twice thrice
multiple several repeated times while ages lately recently weekend morning afternoon evening anybody somebody
nobody none without with what's whats happening happened doing gone longest contacting speaking talking
""".split())


# --- parsing -----------------------------------------------------------------------------------

def parse_data_question(question: str, text: str, *, vocab: Vocabulary, now: datetime,
                        asker_id: int | None = None, mentions: list[Mention] | None = None) -> QuerySpec:
    """``text`` is ``normalise_question(question)``; ``now`` is aware, in the asker's zone;
    ``mentions`` are ``vocab.find(text, question)`` when the caller has them already."""
    if mentions is None:
        mentions = vocab.find(text, question)
    leads, agents = _people(text, mentions, asker_id)
    masked = _mask(text, [m for m in mentions if m.kind not in ("lead", "agent")] + leads + agents)
    spec = QuerySpec()
    used: list[tuple[int, int]] = [m.span for m in mentions]
    recognised = 0

    for m in mentions:
        if m.kind == "project":
            spec.projects += tuple(v for v in m.values if v not in spec.projects)
        elif m.kind == "unit_type":
            spec.unit_types += tuple(v for v in m.values if v not in spec.unit_types)
        elif m.kind == "source":
            spec.sources += tuple(v for v in m.values if v not in spec.sources)
    for m in leads:
        spec.lead_ids += tuple(i for i in m.ids if i not in spec.lead_ids)
        spec.lead_labels += (m.label,)
    # Named owners filter the leads (an admin asking about their own book names themselves too;
    # for an agent, naming themselves changes nothing, their scope is theirs already).
    if agents:
        spec.owner_ids = tuple(dict.fromkeys(i for a in agents for i in a.ids))
        spec.owner_label = " or ".join(dict.fromkeys(a.label for a in agents))
    recognised += len(mentions)

    spec.entity = _entity(masked, leads)
    prefer = "future" if spec.entity == "follow_ups" else "past"
    periods = find_periods(masked, now=now, prefer=prefer)
    used += [p.span for p in periods]
    recognised += len(periods)

    # Amounts of money and top-N numbers, after dates so "1 oct" is not a budget.
    period_free = _blank(masked, [p.span for p in periods])
    recognised += _budget(period_free, spec, used)
    recognised += _statuses(period_free, spec, used, periods)
    recognised += _kinds(period_free, spec, used)
    recognised += _measure(period_free, spec, used, leads)
    recognised += _time_filters(masked, period_free, spec, periods, now, used)
    recognised += _repeated(period_free, spec, used)

    if spec.entity == "follow_ups":
        if re.search(r"\b(?:done|completed|finished|closed)\b", period_free):
            spec.follow_up_statuses = ("done",)
        elif re.search(r"\bcancell?ed\b", period_free):
            spec.follow_up_statuses = ("cancelled",)
        elif re.search(r"\ball (?:my )?follow[- ]?ups\b|\bany status\b", period_free):
            spec.follow_up_statuses = ()
    if re.search(r"\b(?:all|every|everyone's|team's|company's|whole team|entire team|our)\b (?:leads|clients|deals|follow)", period_free) \
            or re.search(r"\b(?:across|for|does|do|has|have) the (?:whole |entire )?(?:team|company|agency|office)\b"
                         r"|\bteam(?:'s)? leads\b|\beveryone's\b|\bteam[- ]wide\b", period_free):
        used += [m.span() for m in re.finditer(r"\b(?:whole|entire|team|company|agency|office|everyone|wide)\b", period_free)]
        spec.asked_for_everyone = True
    if not spec.asked_for_everyone and not spec.owner_ids and re.search(MINE_RE, period_free):
        spec.mine = True
    unassigned = re.search(r"\bunassigned\b|(?:\bnot|n't) (?:yet )?(?:been )?(?:assigned|allocated)\b(?! to)|\bno (?:owner|agent)\b|\bwithout (?:an? )?(?:owner|agent)\b"
                           r"|\b(?:don't|doesn't|do not|does not|don't yet) have (?:an? )?(?:owner|agent)\b|\b(?:nobody|no one) owns\b"
                           r"|\bownerless\b|\bnot owned\b|\bnobody(?:'s| is) (?:looking after|handling)\b", period_free)
    if unassigned and spec.entity == "leads" and spec.measure != "field":
        spec.unassigned = True
        used.append(unassigned.span())
        recognised += 1
    if spec.entity == "interactions" and not spec.interaction_kinds and re.search(
            r"\b(?:spoke|spoken|speak|talk(?:ed)?|contact(?:ed)?|reach(?:ed)?|heard|chat(?:ted)?|in touch)\b", period_free):
        spec.contact_only = True

    if spec.owner_ids and spec.group_by == "owner":
        spec.owner_ids, spec.owner_label = (), None
    spec.unknown_words = _unknown(period_free, used)
    spec.recognised = recognised
    return spec


def _people(text: str, mentions: list[Mention], asker_id: int | None) -> tuple[list[Mention], list[Mention]]:
    """Split person mentions into leads and agents; a word naming both is an agent only
    where ownership is talked about ("Sam's leads", "owned by Sam", "assigned to Sam")."""
    leads: list[Mention] = []
    agents: list[Mention] = []
    spans_with_lead = {m.span for m in mentions if m.kind == "lead"}
    for m in mentions:
        owner_context = _owner_context(text, m.span)
        if m.kind == "agent":
            if m.span in spans_with_lead and not owner_context:
                continue
            agents.append(m)  # an agent named alone is the owner asked about ("how many leads does Sam have")
        elif m.kind == "lead":
            if any(a.span == m.span for a in mentions if a.kind == "agent") and owner_context:
                continue
            leads.append(m)
    return leads, agents


def _owner_context(text: str, span: tuple[int, int]) -> bool:
    before = text[max(0, span[0] - 30):span[0]]
    after = text[span[1]:span[1] + 30]
    word = text[span[0]:span[1]]
    if re.search(r"(?:owned by|assigned to|belonging to|handled by|managed by|agent|rep|for agent|by agent)\s*$", before):
        return True
    if (word.endswith("'s") or after.startswith("'s")) and re.match(
            r"(?:'s)?\s+(?:\w+\s+){0,2}(?:leads|clients|deals|pipeline|follow[- ]?ups|buyers|prospects|book|tasks)\b", after):
        return True
    if re.match(r"\s+(?:has|have|got|owns|is handling|handles|manages)\b", after) and re.search(
            r"\b(?:how many|which|what|list|show|count)\b", before + " " + after):
        return True
    if re.search(r"\b(?:does|do|did|has)\s*$", before) and re.match(r"\s+(?:have|own|handle|manage|got)\b", after):
        return True
    return False


def _mask(text: str, mentions: list[Mention]) -> str:
    """Names replaced by placeholders of the same length, so spans stay valid."""
    out = text
    done: set[tuple[int, int]] = set()
    for m in sorted(mentions, key=lambda m: m.span[0], reverse=True):
        s, e = m.span
        if m.span in done:
            continue
        done.add(m.span)
        # Capitals never occur in the normalised text, so no keyword pattern can match these.
        token = {"lead": "@L", "agent": "@A", "project": "@P", "unit_type": "@U", "source": "@S"}[m.kind]
        tail = "'s" if out[s:e].endswith("'s") else ""
        piece = token + tail if len(token + tail) <= e - s else token[: e - s]
        out = out[:s] + piece.ljust(e - s) + out[e:]
    return out


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    out = list(text)
    for s, e in spans:
        for i in range(s, min(e, len(out))):
            out[i] = " "
    return "".join(out)


# The asker's own book, said in the first person. An admin sees every lead, so for an admin
# these words narrow the answer to the leads they own; "our", "all" and "the team's" do not.
MINE_RE = (r"\b(?:my|mine)\b(?:\s+[\w@'-]+){0,3}?\s+(?:leads?|prospects?|pipeline|deals?|enquir(?:y|ies)|inquir(?:y|ies)|contacts"
           r"|clients|customers|buyers|accounts|opportunit(?:y|ies)|book|portfolio|follow[- ]?ups?|followups?|tasks?|reminders?"
           r"|to-?dos?|agenda|diary|calendar|schedule)\b|\bof mine\b|\bon my (?:books?|plate|list)\b"
           r"|\b(?:do|did) i (?:have|own|hold|look after|handle|manage)\b|\bi(?:'ve| have)? (?:got|own|hold)\b|\bi have\b"
           r"|\bhave i got\b|\bmy (?:own|newest|latest|oldest|biggest|hottest|top)\b")

_FOLLOW_UP_NOUN = r"\bfollow[ -]?ups?\b|\bfollowups?\b|\btasks?\b|\breminders?\b|\bto-?dos?\b|\bagenda\b|\bon my plate\b" \
                  r"|\bto do list\b|\bdiary\b|\bcalendar\b|\bschedule\b|\boutstanding\b|\bpending\b|\bnext steps?\b"


def _entity(text: str, leads: list[Mention]) -> Entity:
    follow_status = re.search(STATUS_PATTERNS[4][1], text)
    if re.search(r"\boverdue\b|\bdue\b|\bmissed (?:follow|task|call)", text) and not re.search(r"\boverdue leads?\b", text):
        return "follow_ups"
    if re.search(_FOLLOW_UP_NOUN, text) and not follow_status and not re.search(
            r"\b(?:no|without|any|a|have|has|with) (?:a |any |an )?(?:open |scheduled |upcoming )?follow[- ]?ups?\b.*\bleads?\b"
            r"|\bleads?\b.*\b(?:no|without|with|have|has|had) (?:a |any |an )?(?:open |scheduled |upcoming )?follow[- ]?ups?\b", text):
        return "follow_ups"
    if re.search(r"\b(?:should|must|need to|have to|got to|gotta|ought to|supposed to|meant to|due to|planning to|going to) "
                 r"(?:i |we )?(?:call|contact|ring|email|chase|phone|"
                 r"follow up|see|meet|do)\b|\bwhat do i have (?:on|to do|today|tomorrow|this|next)\b|\bwhat(?:'s| is) (?:on|up) "
                 r"(?:for |today|tomorrow|next|this)|\b(?:needs?|due for|ready for) (?:a )?(?:chas\w*|call(?:ing)?|follow(?:ing)?[- ]?up)\b"
                 r"|\bto chase\b", text):
        return "follow_ups"
    negated = re.search(NEGATION, text)
    interaction_noun = re.search(r"\b(?:interactions?|activit(?:y|ies)|calls|meetings|viewings|emails|notes|touchpoints?)\b"
                                 r"|\b(?:call|meeting|viewing|email|note|interaction)s? (?:did|have|has|were|was|i|we|logged|made|booked)\b"
                                 r"|\b(?:log|logged|made|had|booked|held|did|do|have|has|sent|send) (?:\w+ )?(?:calls?|meetings?|viewings?|emails?|notes?)\b"
                                 r"|\bwhat (?:did|have|has) (?:i|we|you|@A\s*)\s?(?:do|done|get up to|been up to|been doing)\b", text)
    interaction_verb = re.search(r"(?:\b(?:i|we|you)|@A) +(?:have |had |'ve )?(?:met|called|emailed|phoned|rang|viewed|showed|spoke to|talked to|met with)\b"
                                 r"|\bdid (?:i|we|you|@A) +(?:meet|call|email|phone|ring|show|view|tour)\b"
                                 r"|\b(?:met|called|emailed|phoned) (?:with )?(?:@L|last|this|yesterday|today|on)\b|" + IN_PERSON, text)
    if (interaction_noun or interaction_verb) and not negated:
        if leads and re.search(r"\blast (?:call|meeting|email|viewing)\b|\bwhen did\b", text):
            return "leads"
        if re.search(r"\bno (?:calls|meetings|viewings|emails)\b|\bwithout\b", text):
            return "leads"
        return "interactions"
    return "leads"


def _statuses(text: str, spec: QuerySpec, used: list[tuple[int, int]], periods: list[Period]) -> int:
    found: list[str] = []
    t = text
    # "follow up" as a status must not be taken for follow-up tasks, and vice versa.
    for status, pattern in STATUS_PATTERNS:
        if status == "new":
            continue
        if status == "closed_won" and re.search(r"\bwon'?t\b", t):
            t = re.sub(r"\bwon'?t\b", "     ", t)
        for m in re.finditer(pattern, t):
            if status == "closed_lost" and re.search(r"\blost (?:touch|contact)\b", t[m.start():m.end() + 9]):
                continue
            if status == "closed_won" and spec.entity != "leads" and m.group(0) in ("signed",):
                continue
            found.append(status)
            used.append(m.span())
            t = t[:m.start()] + " " * (m.end() - m.start()) + t[m.end():]
    # "closed" alone: closed deals are won; closed leads are either.
    m = re.search(r"\bclos(?:ed|e|ing)\b", t)
    if m and not re.search(r"\bclose to\b|\bclosest\b", t):
        used.append(m.span())
        if re.search(r"\bdeals?\b|\bdid (?:i|we) clos|\b(?:i|we) (?:have )?closed\b|\bsales\b", t):
            found.append("closed_won")
        else:
            found += list(CLOSED)
    # "new": the status, unless it means newly created ("new leads this week", "new leads came in").
    for m in re.finditer(r"\bnew\b", t):
        created_words = re.search(r"\b(?:came in|come in|got|get|arrived|received|added|created|joined|signed up|enquir\w+|"
                                  r"brought in|generated|acquired|picked up)\b", t)
        if (periods or created_words) and not re.search(r"\b(?:status|stage|still|marked|in) new\b|\bnew (?:status|stage)\b", t):
            used.append(m.span())
            continue
        found.append("new")
        used.append(m.span())
    negate = re.search(r"\b(?:not|except|excluding|other than|apart from|isn't|aren't|but not)\b", t)
    if re.search(r"\b(?:open|active|live|ongoing|in play|current|still in (?:the )?pipeline|in progress)\b (?:leads?|deals?|clients?|pipeline|ones)\b"
                 r"|\bleads? (?:that are |which are )?(?:still )?(?:open|active|live)\b|\bnot closed\b|\bunclosed\b", text) or (
            spec.entity == "leads" and re.search(r"\b(?:that|which|who) (?:are|is) (?:still )?(?:open|active|live|in play)\b"
                                                 r"|\bstill (?:open|active|live|in play)\b", text)):
        spec.exclude_statuses = CLOSED
        used += [m.span() for m in re.finditer(r"\b(?:open|active|live|ongoing|unclosed|still)\b", text)]
        found = [s for s in found if s not in CLOSED]
        return 1 + len(found)
    found = list(dict.fromkeys(found))
    if not found:
        return 0
    # "Not contacted" negates the status only when that status was asked about; otherwise it is
    # about contact ("qualified leads I have not contacted").
    negated = [m.group("s") for m in re.finditer(
        r"\b(?:not|except|excluding|other than|apart from|isn't|aren't|but not)\b\s+(?:in\s+|yet\s+)?(?:\w+\s+)?"
        r"(?P<s>negotiat|qualif|contact|won|lost|closed|new|follow)", text) if negate]
    if any(s != "contact" or "contacted" in found for s in negated):
        spec.exclude_statuses = tuple(found)
    else:
        spec.statuses = tuple(found)
    return len(found)


def _kinds(text: str, spec: QuerySpec, used: list[tuple[int, int]]) -> int:
    kinds = []
    for kind, pattern in INTERACTION_KIND_WORDS.items():
        if kind == "email" and re.search(r"\be-?mail address\b", text):
            continue
        for m in re.finditer(pattern, text):
            if kind == "call" and re.search(r"\b(?:should|must|need to|have to|to) (?:i |we )?call\b", text[:m.end()]):
                continue
            kinds.append(kind)
            used.append(m.span())
    for m in re.finditer(IN_PERSON, text):
        kinds += ["meeting", "viewing"]
        used.append(m.span())
    kinds = list(dict.fromkeys(kinds))
    if not kinds:
        return 0
    spec.mentioned_kinds = tuple(kinds)
    negated = re.search(NEGATION + r"|\bwithout\b|\byet to\b", text)
    if spec.entity == "leads" and negated:
        spec.without_interaction_kinds = tuple(kinds)
    elif spec.entity == "interactions":
        spec.interaction_kinds = tuple(kinds)
    return len(kinds)


_N = NUMBER_WORD_RE
_MONEY = r"(?:[£$€]|usd |gbp |eur |aed )?\d[\d,]*(?:\.\d+)?(?:\s?(?:million|thousand|grand|mil|mn|mm|bn|k|m)(?![a-z]))?"


def _budget(text: str, spec: QuerySpec, used: list[tuple[int, int]]) -> int:
    # "Minimum/maximum budget" name a bound; "lowest/highest budget" rank leads by their budget.
    if re.search(r"\bmin(?:imum)? budget\b|\bbudget_min\b|\bbudget min\b", text):
        spec.budget_field = "budget_min"
    elif re.search(r"\bmax(?:imum)? budget\b(?! (?:of|for)?\s*@L)|\bbudget_max\b|\bbudget max\b", text) \
            and not re.search(r"\b(?:which|who|whose)\b", text):
        spec.budget_field = "budget_max"
    n = 0
    between = re.search(rf"\b(?:between|from) (?P<a>{_MONEY}) (?:and|to|-) (?P<b>{_MONEY})|(?P<a2>{_MONEY}) ?(?:-|to) ?(?P<b2>{_MONEY})", text)
    if between:
        a_txt = between.group("a") or between.group("a2")
        b_txt = between.group("b") or between.group("b2")
        b = _amount(b_txt)
        a = _amount(a_txt, borrow_from=b_txt)
        if a is not None and b is not None and (a >= 1000 or b >= 1000 or re.search(r"budget|[£$€]", text)):
            spec.budget_low, spec.budget_high = min(a, b), max(a, b)
            used.append(between.span())
            return 1
    for m in re.finditer(rf"(?P<op>over|above|more than|greater than|at least|exceeding|upwards of|north of|>=|>|minimum of|min|"
                         rf"starting at|from|under|below|less than|at most|up to|no more than|lower than|cheaper than|south of|"
                         rf"<=|<|max|maximum of)\s+(?:a budget of |budget of |budgets of |of )?(?P<amt>{_MONEY})"
                         rf"|(?P<amt2>{_MONEY})\s*(?P<op2>\+|or more|and (?:above|up|over)|plus|or (?:less|under|below)|and (?:under|below))",
                         text):
        amt_text = m.group("amt") or m.group("amt2")
        value = _amount(amt_text, money_context=bool(re.search(r"budget|spend|afford|[£$€]|price", text)))
        if value is None:
            continue
        op = (m.group("op") or m.group("op2") or "").strip()
        if op in ("over", "above", "more than", "greater than", "exceeding", "north of", ">"):
            spec.budget_low, spec.budget_low_inclusive = value, False
        elif op in ("at least", "upwards of", ">=", "minimum of", "min", "starting at", "from", "+", "or more",
                    "and above", "and up", "and over", "plus"):
            spec.budget_low, spec.budget_low_inclusive = value, True
        elif op in ("under", "below", "less than", "lower than", "cheaper than", "south of", "<", "or under",
                    "or below", "and under", "and below"):
            spec.budget_high, spec.budget_high_inclusive = value, False
        else:
            spec.budget_high, spec.budget_high_inclusive = value, True
        used.append(m.span())
        n += 1
    return n


def _amount(txt: str, *, borrow_from: str | None = None, money_context: bool = True) -> float | None:
    txt = txt.strip()
    m = MONEY_RE.fullmatch(txt) or MONEY_RE.search(txt)
    if not m:
        return None
    value = parse_money(m)
    if value is None and borrow_from:
        b = MONEY_RE.search(borrow_from.strip())
        if b and b.group("suf"):
            value = float(m.group("num").replace(",", "")) * (parse_money(b) or 0) / float(b.group("num").replace(",", ""))
    if value is None and money_context:
        num = float(m.group("num").replace(",", ""))
        value = num if num >= 100 else None
    return value


NEXT_CONTACT_TIMING = (r"\bhow (?:soon|quickly|fast|promptly|early)\b|\bby when\b|\bby what (?:date|day|time)\b|\bwhat time\b"
                       r"|\bwhen(?:'s| is| are|'m| am)?\s+(?:do|should|must|will|shall|am|are|have|is|need|ought|can|@L)\b|\bwhen'?s\b")
NEXT_CONTACT_WHAT = (r"\b(?:call|ring|phone|chase|contact|e-?mail|follow(?:ing)?[- ]?up|get back|got to get back|reach|reply|respond"
                     r"|speak|talk|meet|see|text|message|whatsapp|due|next)\b")
_COUNT_RE = r"\bhow many\b|\bnumber of\b|\bcount\b|\bhow much (?:leads|deals)\b|\btally\b|\bhow many\b"
_TOP_RE = (rf"\b(?:top|bottom) (?P<n>{_N})\b|\b(?P<n2>{_N}) (?:biggest|largest|highest|richest|best|top|most valuable|newest|latest|"
           rf"most recent|oldest|smallest|lowest)\b|\b(?:top|first|last|most recent|newest|latest|oldest|biggest|largest|"
           rf"highest|lowest|smallest|richest) (?P<n3>{_N}) (?:leads|clients|deals|buyers|prospects)\b")


def _measure(text: str, spec: QuerySpec, used: list[tuple[int, int]], leads: list[Mention]) -> int:
    """What to report (count, sum, group, top N, one field…); returns 1 when something was recognised."""
    budgetish = re.search(r"\bbudgets?\b|\bvalue\b|\bworth\b|\bspend\b|\bmoney\b|\bafford\b", text)
    which = re.search(r"\b(?:which|who|whose|what lead|name the|name of)\b", text)

    # One lead's field: "what's John's budget", "who owns Mary", "when did I last speak to Aisha".
    if leads:
        # "How soon do I need to call Mary back?": when the next contact is due is her next follow-up.
        timing = re.search(NEXT_CONTACT_TIMING, text)
        if timing and re.search(NEXT_CONTACT_WHAT, text[timing.end():]) and not re.search(r"\b(?:did|was|were|ago)\b", text):
            spec.entity, spec.measure, spec.field = "follow_ups", "field", "next_follow_up"
            used.append(timing.span())
            used += [m.span() for m in re.finditer(NEXT_CONTACT_WHAT + r"|\bback\b", text)]
            return 1
        for fname, pattern in FIELD_PATTERNS:
            m = re.search(pattern, text)
            if m:
                if fname in ("budget_min", "budget_max", "budget") and spec.budget_low is not None:
                    continue
                if fname == "last_contacted" and spec.without_interaction_kinds:
                    continue
                if fname == "project" and spec.projects:
                    continue
                if fname == "unit_type" and spec.unit_types:
                    continue
                if fname == "next_follow_up":
                    spec.entity = "follow_ups"
                    spec.measure = "field"
                    spec.field = "next_follow_up"
                    used.append(m.span())
                    return 1
                if spec.entity == "follow_ups" and fname not in ("status", "owner"):
                    break
                spec.measure = "field"
                spec.field = fname
                used.append(m.span())
                if fname == "last_contacted" and spec.entity == "interactions":
                    spec.entity = "leads"
                kind_words = re.search(r"\blast (call|meeting|email|viewing)\b|\bwhen did (?:i|we) (?:last )?(call|meet|email|view|see|show)\b", text)
                if fname == "last_contacted" and kind_words:
                    word = kind_words.group(1) or kind_words.group(2)
                    spec.interaction_kinds = ({"call": "call", "meet": "meeting", "meeting": "meeting", "email": "email",
                                               "view": "viewing", "viewing": "viewing", "see": "meeting",
                                               "show": "viewing"}[word],)
                return 1
        if spec.entity == "leads" and not re.search(_COUNT_RE, text):
            spec.measure = "field"
            spec.field = "summary"
            return 0

    # Group-by: "by status", "per project", "for each agent", "breakdown", "pipeline".
    group_words = "|".join(f"(?P<{k}>{v})" for k, v in GROUP_WORDS.items())
    m = re.search(rf"\b(?:by|per|for each|for every|each|in each|across|grouped by|group by|split by|broken down by|"
                  rf"breakdown by|broken down by|breakdown of|split of)\s+(?:the |their |lead |each )?(?:{group_words})\b", text)
    top_group = re.search(rf"\b(?:which|what)\s+(?:{group_words})\b.*\b(?:most|fewest|least|highest|lowest|biggest|largest|more|"
                          rf"best|top|smallest)\b|\bwho (?:has|owns|holds|handles|manages|runs) the (?:most|fewest|least|biggest|largest|smallest)\b(?!\s+budgets?\b)"
                          rf"|\bwho(?:'s| is) got the (?:most|biggest|largest)\b", text)
    if m or top_group:
        match = m or top_group
        key = next((k for k in GROUP_WORDS if match.group(k)), None) or "owner"
        spec.group_by = key
        if top_group and not m:
            spec.pick_top_group = True
            spec.top_group_desc = not re.search(r"\b(?:fewest|least|lowest|smallest)\b", text)
        used.append(match.span())
        spec.measure = "group"
        pipeline = re.search(r"\bpipelines?\b", text)
        if pipeline and not spec.statuses and not spec.exclude_statuses:
            # A pipeline is the leads still in play: its size is how many, its value their budgets.
            spec.pipeline = True
            spec.exclude_statuses = CLOSED
            used.append(pipeline.span())
        by_value = re.search(r"\bvalu(?:e|able)\b|\bworth\b|\bbudgets?\b", text) if spec.pipeline else None
        if by_value and not re.search(r"\b(?:average|avg|mean|typical)\b", text):
            spec.target = "sum:budget"
            used.append(by_value.span())
        else:
            _aggregate(text, spec, used, budgetish)
        return 1
    if re.search(r"\bmedian\b", text):
        spec.measure = "median"
        spec.target = "median:" + spec.budget_field
        used += [m.span() for m in re.finditer(r"\bmedian\b|\bbudgets?\b", text)]
        return 1
    share = re.search(r"\b(?:what|which) (?:percentage|percent|proportion|share|fraction|part)\b|\b(?:percentage|proportion|share|ratio)"
                      r" of\b|\bhow many percent\b|\b(?:conversion|win|close|closing|success) rate\b|%", text)
    if share:
        spec.measure = "share"
        if re.search(r"\b(?:conversion|win|close|closing|success) rate\b", text) and not spec.statuses:
            spec.statuses = ("closed_won",)
        used += [m.span() for m in re.finditer(r"\b(?:percentage|percent|proportion|share|fraction|ratio|conversion|win|close|"
                                                r"closing|success|rate)\b|%", text)]
        return 1
    if re.search(r"\bpipeline\b", text) and _aggregate(text, spec, used, budgetish or re.search(r"\bvalue|worth\b", text)):
        if not spec.statuses and not spec.exclude_statuses:
            spec.pipeline = True
            spec.exclude_statuses = CLOSED  # a pipeline's value is that of the leads still open
        return 1
    m = re.search(r"\b(?:sorted|ordered|ranked|sort|order|rank|arranged)\s+(?:them\s+)?by\s+(?:their\s+|the\s+)?(?P<what>\w+(?:\s\w+)?)", text)
    if m:
        what = text[m.start("what"):]
        if "budget" in what:
            spec.order = ("budget", not re.search(r"\b(?:asc|ascending|lowest first|smallest first)\b", text))
        elif re.search(r"\bcontact|\bspoke|\bcall", what):
            spec.order = ("last_contacted_at", True)
        else:
            spec.order = ("created_at", not re.search(r"\b(?:oldest|asc|ascending)\b", text))
        spec.measure = "top"
        spec.limit = None
        used.append(m.span())
        return 1
    if re.search(r"\bin (?:the |my |our )?pipeline\b", text) and not spec.statuses and not spec.exclude_statuses:
        spec.exclude_statuses = CLOSED
    if re.search(r"\bpipeline\b|\bbreakdown\b|\bfunnel\b|\bhow (?:are|is) (?:my |our )?(?:leads|pipeline|deals) (?:doing|looking|split)\b",
                 text) and not spec.statuses and not (re.search(_COUNT_RE, text) and re.search(r"\bin (?:the |my |our )?pipeline\b", text)):
        spec.group_by = "status"
        spec.measure = "group"
        used += [m.span() for m in re.finditer(r"\bpipeline\b|\bbreakdown\b|\bfunnel\b", text)]
        _aggregate(text, spec, used, budgetish)
        return 1

    verb = (r"(?:contact(?:ed)?|call(?:ed)?|phone(?:d)?|r[ia]ng|speak to|spoke to|spoken to|talk(?:ed)? to|email(?:ed)?|"
            r"meet|met|see|saw|reach(?:ed)?|view(?:ed)?|show(?:ed)? round)")
    last_contact = re.search(rf"\b(?:who|whom|which lead|which client|which buyer) did (?:i|we|@A\s*)\s?(?:last |most recently )?{verb}"
                             rf"(?: last| most recently)?\b|\b(?:contacted|spoke to|talked to|called|emailed) (?:most recently|last)\b"
                             rf"|\b(?:the )?(?:last|latest|most recent) (?:lead|client|buyer|person|one|prospect|customer) "
                             rf"(?:(?:that|who|whom) )?(?:i|we|@A\s*)\s?(?:have |'ve )?{verb}\b", text)
    if last_contact and not re.search(r"\blast\b|\bmost recently\b|\blatest\b|\bmost recent\b", last_contact.group(0)):
        last_contact = None
    if last_contact and spec.entity in ("leads", "interactions"):
        used.append(last_contact.span())
        kinds = spec.interaction_kinds or spec.without_interaction_kinds
        if spec.entity == "interactions" and kinds:
            # "Who was the last lead we called?": the latest call, not the latest contact of any kind.
            spec.measure, spec.order, spec.limit, spec.pick_one = "top", ("occurred_at", True), 1, True
            return 1
        spec.entity = "leads"
        spec.interaction_kinds = spec.without_interaction_kinds = ()
        spec.measure, spec.order, spec.limit, spec.pick_one = "top", ("last_contacted_at", True), 1, True
        return 1
    # Top N by budget, or by recency.
    m = re.search(_TOP_RE, text)
    superlative = re.search(r"\b(?P<w>biggest|largest|highest|richest|most valuable|top|wealthiest|best|"
                            r"smallest|lowest|cheapest|poorest|newest|latest|most recent(?:ly)?|oldest|earliest|"
                            r"longest|most|least|bottom)\b", text)
    if not m and superlative:
        # "Which 2 leads have the smallest budgets?": the number sits before the noun.
        m = re.search(r"(?:^(?:show me |list |give me |find |get me )?|\b(?:which|what|the|my|our) )"
                      r"(?P<n>\d+|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty) "
                      r"(?:(?:new|qualified|negotiating|open|active|hot|cold|closed|won|lost|contacted) )?"
                      r"(?:leads|clients|deals|buyers|prospects|customers|people|ones)\b", text)
    if m:
        groups = m.groupdict()
        spec.limit = number_value(groups.get("n") or groups.get("n2") or groups.get("n3"), default=5)
        spec.measure = "top"
        spec.order = _order_for(text, superlative.group("w") if superlative else "top")
        used.append(m.span())
        if superlative:
            used.append(superlative.span())
        return 1
    if superlative and spec.entity == "leads":
        word = superlative.group("w")
        order = _order_for(text, word)
        # "What's the highest budget…", and a superlative budget asked about with no person
        # ("highest budget I've got for Costa Azul?"): the amount, not who holds it.
        value_question = (re.search(r"\bwhat(?:'s| is| was)? (?:the |my |our )?(?:highest|lowest|biggest|largest|smallest|"
                                    r"maximum|minimum|max|min|top)\b|\bhow (?:high|big|large|low)\b", text)
                          or (re.search(r"\b(?:highest|lowest|biggest|largest|smallest|maximum|minimum|max|min|top)\s+budgets?\b", text)
                              and not re.search(r"\b(?:leads?|clients?|buyers?|deals?|prospects?|customers?|ones?|person|people)\s+"
                                                r"(?:with|who|that|having)\b", text))) and not which
        if value_question and budgetish:
            spec.measure = "max" if order[1] else "min"
            spec.target = order[0] if order[0].startswith("budget") else "budget"
            used.append(superlative.span())
            _count_words(text, used)
            return 1
        if word not in ("most", "least") or re.search(r"\bmost recent|\bleast recent", text):
            plural = re.search(r"\b(?:leads|clients|buyers|ones|deals|prospects)\b", text) and not re.search(
                r"\b(?:which|what) (?:lead|client|buyer|one|deal)\b|\bwho(?:'s| is| has)\b", text)
            spec.measure = "top"
            spec.order = order
            spec.limit = None if plural and not which else 1
            spec.pick_one = spec.limit == 1
            if plural and spec.limit is None:
                spec.limit = 5
            used.append(superlative.span())
            return 1

    # Aggregates.
    if _aggregate(text, spec, used, budgetish):
        return 1
    if re.search(_COUNT_RE, text):
        spec.measure = "count"
        _count_words(text, used)
        if spec.entity != "leads" and re.search(r"\b(?:leads|clients|people|buyers|who|prospects|customers)\b", text):
            spec.distinct_leads = True
        return 1
    if spec.entity == "interactions":
        spec.distinct_leads = bool(re.search(r"\b(?:who|whom|everyone|everybody|which leads|which clients|people|leads|clients)\b", text))
    spec.measure = "list"
    return 0


_TIMES_WORDS = {"once": 1, "twice": 2, "thrice": 3}
_INTERACTION_NOUNS = r"(?:times|calls|meetings|viewings|emails|interactions|contacts|touchpoints|visits|call|meeting|viewing|email|interaction|visit)"


def _repeated(text: str, spec: QuerySpec, used: list[tuple[int, int]]) -> int:
    """"Called more than once", "at least 3 calls", "multiple viewings": leads with that many."""
    m = re.search(rf"\b(?P<op>more than|over|at least|>=|>) (?:(?P<w>once|twice|thrice)\b|(?P<n>{_N}) {_INTERACTION_NOUNS}\b)"
                  rf"|\b(?P<many>multiple|several|repeated|repeat) (?:calls|meetings|viewings|emails|interactions|visits|times)\b"
                  rf"|\b(?P<again>again|a second time)\b(?=.*\b(?:called|met|viewed|emailed|seen|visited)\b)", text)
    if not m or m.group("again") or spec.measure == "field":
        return 0
    if m.group("many"):
        least = 2
    else:
        n = _TIMES_WORDS.get(m.group("w") or "", 0) or number_value(m.group("n"))
        least = n + 1 if m.group("op") in ("more than", "over", ">") else n
    spec.min_interactions = least
    spec.counted_kinds = tuple(k for k in spec.mentioned_kinds if k != "note") or spec.interaction_kinds
    spec.counted_period = spec.occurred or spec.contacted
    spec.entity, spec.occurred, spec.contacted = "leads", None, None
    spec.interaction_kinds = spec.without_interaction_kinds = ()
    spec.distinct_leads = False
    if spec.measure not in ("count",):
        spec.measure = "list"
    used.append(m.span())
    return 1


def _count_words(text: str, used: list[tuple[int, int]]) -> None:
    used += [m.span() for m in re.finditer(_COUNT_RE, text)]


def _aggregate(text: str, spec: QuerySpec, used: list[tuple[int, int]], budgetish: re.Match[str] | None) -> bool:
    target = spec.budget_field if spec.budget_field != "budget" else "budget"
    if re.search(r"\b(?:average|avg|mean|typical)\b", text):
        if spec.measure != "group":
            spec.measure = "avg"
        spec.target = "avg:" + target
        used += [m.span() for m in re.finditer(r"\b(?:average|avg|mean|typical)\b", text)]
        return True
    total = re.search(r"\b(?:total|sum|combined|aggregate|overall|cumulative|altogether|add up|added up|worth|value)\b", text)
    how_much = re.search(r"\bhow much\b", text)
    if (spec.budget_low is not None or spec.budget_high is not None) and not how_much and not re.search(
            r"\b(?:total|sum|combined|aggregate|overall|cumulative|altogether|add up|added up)\b", text) and re.search(
            r"\b(?:worth|valued at|value of)\s+(?:over|above|more than|under|below|less than|at least|at most|up to)\b", text):
        return False  # "deals worth over 900k" filters them; it adds nothing up
    if (total or how_much) and (budgetish or re.search(r"\bpipeline (?:value|worth)\b|\bworth\b|\bvalue\b", text)):
        if re.search(r"\btotal (?:number|count)\b|\bhow many\b", text):
            return False
        if spec.measure != "group":
            spec.measure = "sum"
        spec.target = "sum:" + target
        used += [m.span() for m in re.finditer(r"\b(?:total|sum|combined|aggregate|overall|cumulative|altogether|how much|worth|value)\b", text)]
        return True
    if spec.measure == "group":
        spec.target = "count"
    return False


_CONTACT_WORDS = (r"\b(?:contact|contacted|contacting|spoke|spoken|speak|speaking|talked|talk|talking|called|calling|heard"
                  r"|touch|reached|emailed|emailing|phoned|phoning|rang|chased|chasing|been in touch|got in touch)\b")


def _order_for(text: str, word: str) -> tuple[str, bool]:
    if re.search(r"\b(?:newest|latest|most recent|recently (?:added|created)|youngest)\b", word + " " + text) \
            and not re.search(_CONTACT_WORDS, text):
        return "created_at", True
    if re.search(r"\b(?:oldest|earliest)\b", word):
        return "created_at", False
    if re.search(_CONTACT_WORDS, text):
        longest = re.search(r"\blongest\b|\bleast recent", text)
        return "last_contacted_at", not longest
    desc = word not in ("smallest", "lowest", "cheapest", "poorest", "least", "bottom")
    field = "budget_min" if re.search(r"\bmin(?:imum)? budget\b", text) else "budget"
    return field, desc


def _time_filters(masked: str, text: str, spec: QuerySpec, periods: list[Period], now: datetime,
                  used: list[tuple[int, int]]) -> int:
    """Attach each period to the date it is about, and read contact recency and overdue."""
    n = 0
    # Not contacted in N days / for two weeks / since X; never contacted.
    neg = re.search(rf"\b(?:not|n't|never|no one|nobody|haven't|hasn't|gone|without|no contact|no)\b[\w' ]{{0,30}}?"
                    rf"\b(?:contact(?:ed)?|spoken|spoke|talk(?:ed)?|reached|touch(?:ed)?|heard|chased|followed up|"
                    rf"been in touch|got in touch|interact(?:ed|ions?)|engaged|call(?:ed)?|email(?:ed)?|met|meet|activity|activities|contact)\b"
                    rf"(?:[\w' ]{{0,20}}?\b(?:in|for|over|within) (?:the (?:last|past) )?(?:more than |over |at least )?(?P<n>{_N})?\s?"
                    rf"(?P<u>days?|weeks?|wks?|fortnights?|months?|years?)\b)?", masked)
    idle = re.search(rf"\b(?:stale|idle|quiet|dormant|cold|untouched|neglected|inactive)\b(?:[\w ]{{0,20}}?\b(?:for|in|over) "
                     rf"(?:more than |over )?(?P<n>{_N})?\s?(?P<u>days?|weeks?|months?)\b)?", masked)
    kinds_specific = bool(spec.without_interaction_kinds)
    match = neg or idle
    # "Five leads I haven't spoken to for longest": a ranking by last contact, oldest first (the
    # never-contacted before all others), not a filter to the never-contacted.
    longest_first = spec.measure == "top" and spec.order == ("last_contacted_at", False)
    if match and longest_first and not match.group("u") and not kinds_specific:
        used.append(match.span())
        n += 1
        match = None
    if match and spec.entity == "leads" and spec.measure != "field":
        used.append(match.span())
        duration = match.group("u")
        if duration:
            spec.not_contacted_since = now - unit_delta(number_value(match.group("n")), duration)
            spec.not_contacted_label = match.group(0)
            n += 1
            periods = [p for p in periods if not (match.start() <= p.span[0] < match.end() + 2)]
        else:
            since = next((p for p in periods if p.start and not p.end and p.span[0] >= match.start() - 5), None) \
                or next((p for p in periods if p.span[0] >= match.start()), None)
            if since is not None:
                spec.not_contacted_since = since.start if since.end is None or since.start else since.end
                if since.start is None and since.end is not None:
                    spec.not_contacted_since = since.end
                elif since.end is not None and since.end <= now and not re.match(r"since|after|from", since.label):
                    # "haven't called this week" -> nothing since the start of this week.
                    spec.not_contacted_since = since.start
                spec.not_contacted_label = match.group(0) + " " + since.label
                periods = [p for p in periods if p is not since]
                n += 1
            elif re.search(r"\b(?:never|not yet|yet|n't [\w ]*yet|no one|nobody|at all)\b", masked) or kinds_specific:
                spec.never_contacted = not kinds_specific
                n += 1
            elif idle or re.search(r"\b(?:in|for) (?:a (?:long |good )?while|ages|some time|a bit|a long time)\b|\blately\b"
                                   r"|\brecently\b", masked):
                # "Stale", "in a while", "lately": a month without contact.
                spec.not_contacted_since = now - unit_delta(30, "days")
                spec.not_contacted_label = "in 30 days"
                n += 1
            else:  # "who haven't I spoken to" with no time: never
                spec.never_contacted = True
                n += 1
        if kinds_specific:
            spec.without_interaction_since = spec.not_contacted_since
            spec.not_contacted_since = None
            spec.never_contacted = False

    if re.search(r"\boverdue\b|\blate\b|\bmiss(?:ed)?\b|\bpast due\b|\bbehind\b|\bshould have\b|\bslipped\b|\bforgot\w*\b", text) and spec.entity == "follow_ups":
        spec.overdue = True
        used += [m.span() for m in re.finditer(r"\boverdue\b|\blate\b|\bmiss(?:ed)?\b|\bpast due\b|\bbehind\b|\bslipped\b"
                                                r"|\bforgot\w*\b", text)]
        n += 1
    chase = re.search(r"\b(?:needs?|due for|ready for|waiting for|to be) (?:a )?(?:chas\w*|call(?:ing|ed)?|follow(?:ing|ed)?[- ]?up|ring)\b"
                      r"|\bto chase\b", text)
    if spec.entity == "follow_ups" and chase and not periods and not spec.overdue:
        # "Who needs chasing?": what is due by the end of today, overdue included.
        end_of_today = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=now.tzinfo)
        spec.due = Period(None, end_of_today, "by today", chase.span())
        used.append(chase.span())
        n += 1
    elif spec.entity == "follow_ups" and re.search(r"\bupcoming\b|\bcoming up\b|\bfuture\b|\bscheduled\b|\bplanned\b|\bnext\b", text) \
            and not periods and spec.field != "next_follow_up":
        spec.due = Period(now, None, "upcoming", (0, 0))
        n += 1
    if spec.entity == "leads" and re.search(r"\b(?:no|without|any|missing)\b (?:a |an |any )?(?:open |scheduled |upcoming |next )?"
                                            r"(?:follow[- ]?ups?|tasks?|next steps?|reminders?)\b|\bnothing scheduled\b", text) \
            and not spec.statuses == ("follow_up",):
        if re.search(r"\b(?:no|without|missing)\b", text) or re.search(r"\bdon'?t have\b|\bdoesn'?t have\b", text):
            spec.without_follow_up = True
        else:
            spec.with_follow_up = True
        n += 1
    elif spec.entity == "leads" and re.search(r"\b(?:with|have|has|had) (?:a |an |any )?(?:open |scheduled |upcoming )?follow[- ]?ups?\b", text) \
            and not spec.statuses == ("follow_up",):
        spec.with_follow_up = True
        n += 1

    for p in periods:
        before = masked[max(0, p.span[0] - 60):p.span[0]]
        around = masked[max(0, p.span[0] - 60):p.span[1] + 40]
        if spec.entity == "follow_ups":
            spec.due = p
        elif spec.entity == "interactions":
            spec.occurred = p
        elif spec.measure == "field":
            continue
        elif spec.entity == "leads" and re.search(r"\blast\b[\w ]{0,12}\b(?:contact(?:ed)?|spoke|spoken|talked|called|emailed|heard|touched|reached)\b"
                                                  r"|\b(?:contacted|spoken to|heard from|called|emailed) last\b", before):
            if p.start is None and p.end is not None:
                spec.last_contact_before = p.end
            else:
                spec.last_contact_in = p
        elif re.search(r"\b(?:contact(?:ed)?|speak|spoke|spoken|talk(?:ed)?|chat(?:ted)?|reach(?:ed)?|touch(?:ed)?|heard|chased|followed up|"
                       r"been in touch|got in touch|interact(?:ed)?|engaged|called|emailed|met|phoned|rang|last (?:contact|call))\b",
                       before + " " + around[len(before):]):
            spec.contacted = p
        elif spec.statuses and set(spec.statuses) <= set(CLOSED) and not re.search(
                r"\b(?:created|added|came in|come in|got|arrived|received|joined|enquired|new)\b", around):
            spec.updated = p
        else:
            spec.created = p
        n += 1
    return n


def _unknown(text: str, used: list[tuple[int, int]]) -> tuple[str, ...]:
    blanked = _blank(text, used)
    words = re.findall(r"[a-z][a-z'-]*", blanked)
    unknown = []
    for w in words:
        base = w[:-2] if w.endswith("'s") else w
        if base in _STOP or base in _KNOWN or base.startswith("@") or len(base) <= 2:
            continue
        if base.rstrip("s") in _KNOWN or base.rstrip("es") in _KNOWN or base.rstrip("ed") in _KNOWN:
            continue
        unknown.append(base)
    return tuple(dict.fromkeys(unknown))


