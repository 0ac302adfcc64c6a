"""Route a question to the CRM's data or to the team's documents, offline, by rules.

Each side collects evidence with a weight, and the heavier side wins:

- data: a lead's name, the asker's leads/deals/pipeline, follow-ups and tasks, statuses,
  owners, budgets, who was contacted when, counts over leads, time windows ("this week");
- documents: a project or document named without any of the above, property words
  (amenities, prices, payment plans, handover, fees, pets, policies), questions of advice
  ("how should I handle…", "what do I say when…") and of procedure ("how quickly must we call
  portal leads?") that the playbook answers, and words the data parser cannot place but the
  documents hold ("CPCV", "escrow").

A tie goes to the data when a lead is named, else to the documents: the document answerer
says plainly when nothing answers, while a data answer to a non-data question would mislead.

"How soon / how quickly / when" with one lead named ("how soon do I need to call Mary back?")
asks about that lead's next follow-up, which is CRM data; with no lead named ("how quickly must
we call Bayut leads?") it asks about procedure, which the playbook holds. A lead counts as named
by a whole name, a company, a surname, or a first name that belongs to one of the asker's own
leads (any lead for an admin): a first name alone that fits only someone else's lead is too weak.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Collection, Literal, Sequence

from handlers.answers.vocabulary import Mention

Route = Literal["data", "documents"]

_LEAD_NOUN = r"(?:leads?|prospects?|pipeline|deals?|enquiries|contacts?|clients?|customers?|buyers?|accounts?|opportunit(?:y|ies))"
# After "my"/"our": one client is someone a question is about ("can my client bring a dog?"),
# several are the asker's book ("my clients in Miradouro"). Leads and deals are the CRM's either way.
_OWN_NOUN = r"(?:leads?|prospects|pipeline|deals?|enquiries|inquiries|contacts|clients|customers|buyers|accounts|opportunities|book)"

DATA_RULES: list[tuple[float, str]] = [
    (3.0, rf"\b(?:my|our|mine|i've got|i have|i own|the team's|team|everyone's|his|her|their)\b(?:\s+\w+){{0,3}}?\s+{_OWN_NOUN}\b"
          r"|\b(?:on|in) (?:my|our|the team's) (?:books?|crm|system|database)\b"),
    (3.5, r"\b(?:leads?|prospects?|deals?(?! with)|pipeline|enquiries|inquiries)\b"),
    (2.5, r"\b(?:conversion|win|close|closing|success) rate\b|\bwin ratio\b"),
    (1.0, r"\b(?:clients?|customers?|buyers?|contacts?)\b"),
    (3.0, r"\bfollow[- ]?ups?\b(?! (?:with|after) (?:a|an|new|the) | (?:cadence|policy|rules?|process|guidelines?)\b)|\bfollowups?\b|\boverdue\b|\breminders?\b|\btasks?\b|\bto-?dos?\b|\bon my plate\b|\bagenda\b"),
    (2.5, r"\b(?:who|which|what|how many)\b.*\b(?:should|must|do) (?:i|we) (?:call|contact|ring|chase|email|phone|see)\b"
          r"|\b(?:who|which|what)\b.*\b(?:am i|are we) (?:supposed|meant|due|planning|going) to (?:call|contact|ring|chase|email|phone|see|meet)\b"
          r"|\bneeds? (?:chasing|a call|calling|following up|a follow[- ]?up)\b"),
    (2.0, r"\b(?:i|we)\s+(?:have\s+|haven't\s+|have not\s+|had\s+|'ve\s+)?(?:contacted|spoke|spoken|talked|emailed|called|met|phoned|rang|chased|heard)\b"
          r"|\b(?:not|never|n't)\s+(?:been\s+)?(?:contacted|spoken|called|emailed|chased|heard|touched)\b|\blast contact(?:ed)?\b"
          r"|\bwhen did (?:i|we) (?:last )?(?:speak|talk|call|email|meet|contact|see|hear|phone|ring|text|message|visit)\b"
          r"|\bdid (?:i|we|@agentname) (?:last )?(?:speak|talk|call|email|meet|contact|phone|ring|text|message|see|view|chase)\b"
          r"|\b(?:i|we) (?:phoned|rang|texted|messaged|whatsapped)\b"),
    (2.0, r"\bstatus(?:es)?\b|\bstage\b|\bnegotiat\w*|\bqualified\b|\bclosed[ _-]?(?:won|lost)\b|\bwon\b|\blost\b|\bhottest\b"),
    (2.0, r"\bowner\b|\bowns\b|\bowned by\b|\bassigned\b|\bwhose\b|\bwho (?:handles|manages|looks after|has the most)\b"),
    (2.0, r"\bbudgets?\b|\bafford\b|\bto spend\b|\bcan spend\b"),
    # A budget ranked or added up is always the CRM's: brochures have prices, not budgets.
    (3.0, r"\b(?:biggest|highest|largest|top|smallest|lowest|max(?:imum)?|min(?:imum)?|average|avg|mean|median|total|combined"
          r"|sum of|richest)\s+(?:\w+\s+)?budgets?\b"),
    # People, and amounts that filter them ("anyone under 300k?", "everyone in Jardim Estrela").
    # ...but not as the subject of a question about what is allowed ("can anyone use the gym?").
    (2.0, r"(?<!can )(?<!may )(?<!is )(?<!are )(?<!does )(?<!do )(?<!will )(?<!could )"
          r"\b(?:anyone|anybody|everyone|everybody|someone|somebody|people)\b"),
    (1.5, r"\b(?:over|above|under|below|more than|less than|at least|at most|upwards of|north of)\s+[£$€]?\s?\d[\d,.]*\s?(?:k|m|mn|million|thousand|grand)?\b"),
    (1.0, r"\bunassigned\b|\bno owner\b|\bwithout an? owner\b"),
    (1.5, r"\binterested in\b|\blooking for an?\b|\bwants? an?\b"),
    # "Who's interested in X?" asks for people; "a client who wants…" is a relative clause.
    (3.0, r"^(?:so |and |ok )?(?:who|whom|who's|anyone|anybody|does anyone|is anyone|is anybody|which ones)\b.*\b(?:interested|looking|"
          r"wants?|keen|enquir\w*|asking|after|considering)\b|\bhow many (?:people|buyers|clients|of them)\b"),
    (1.0, r"\bhow many\b|\bnumber of\b|\bcount\b|\btotal\b|\baverage\b|\bsum\b|\bbreakdown\b|\bper (?:status|project|agent)\b|\bby (?:status|project|agent|owner|source)\b"),
    # "What's due in two weeks?", "anything due tomorrow": the asker's follow-ups.
    (1.5, r"^(?:so |and |ok )?(?:what(?:'s| is| are)|anything|is anything|are any|is there anything|what have i got|what do i have)"
          r" (?:\w+ )?due\b"),
    (1.0, r"\b(?:this|last|past|next) (?:week|month|quarter|year)\b|\btoday\b|\byesterday\b|\btomorrow\b|\bin the (?:last|past) \w+ (?:days?|weeks?|months?)\b|\bsince\b|\bago\b"
          r"|\b(?:in|within|over) (?:the )?(?:next|coming|last|past) (?:\w+ )?(?:days|weeks|months|fortnight|hours)\b"
          r"|\byear to date\b|\bytd\b"
          r"|\b(?:on|last|this|since|before|after) (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"),
    (1.0, r"\bcreated\b|\bcame in\b|\badded\b|\bsigned up\b|\bnew leads\b|\bcontacted\b|\binteractions?\b|\bactivit(?:y|ies)\b"),
    (0.5, r"^(?:list|show|count|give me|find)\b|\bwho\b"),
    (1.5, r"\bviewings?\b(?= (?:did|have|has|this|last|i|we|booked))|\bcalls (?:did|have|this|last)\b|\bmeetings (?:did|have|this|last)\b"),
]

DOC_RULES: list[tuple[float, str]] = [
    # How fast, how often, where to, who pays, what happens if: procedure and terms, which no CRM
    # row holds, even when the question names leads in general or where they came from (but not
    # one lead by name: "how soon do I need to call Mary back?" is about Mary's follow-up).
    (6.0, r"(?!.*@leadname)(?:\bhow (?:quickly|fast|soon|often|early|promptly) (?:should|must|do|does|can|need|ought|are (?:we|agents|you) "
          r"(?:supposed|expected|meant|required)|is (?:an agent|one) (?:supposed|expected))\b"
          r"|\bhow long (?:should|must|can|do (?:we|i|agents) have to|have (?:we|i) got to)\b)"),
    (3.0, r"\bwhere (?:do|should|can|must|would) (?:i|we|agents|buyers|clients|you)\b|\bwho (?:pays|covers|approves|can approve|signs off"
          r"|is responsible)\b"),
    (3.0, r"\bwhat happens (?:if|when)\b|\bif (?:the|a|my|our) (?:buyer|seller|deal|client|developer|bank|purchaser)"
          r"\b.*\b(?:pulls? out|withdraws?|falls? through|cancels?|backs? out|walks? away|changes? (?:their|his|her) mind)\b"),
    (3.0, r"\bbrochures?\b|\bplaybook\b|\bfaqs?\b|\bprice (?:list|sheet)s?\b|\bhandbook\b|\bguide(?:lines?)?\b|\bpolic(?:y|ies)\b"
          r"|\bterms\b|\bspec(?:ification)? sheet\b|\bdocuments?\b|\bfloor ?plans?\b"),
    (4.0, r"\bhow (?:should|do|can|would|must) (?:i|we|you|an agent|agents)\b(?! have)|\bwhat (?:should|do|can|must) (?:i|we) "
          r"(?:say|send|tell|do|offer|mention|promise|avoid|bring|prepare|include)\b|\bhow (?:often|quickly|soon|fast) (?:should|must|do|can|are)\b"
          r"|\bwhen (?:should|must) (?:i|we) (?!call @|email @|contact @)|\bbest (?:way|practice)\b|\bcan i (?:promise|offer|give|tell)\b"
          r"|\bam i allowed\b|\bare we allowed\b|\bobjections?\b|\bscript\b|\bwhat(?:'s| is) the (?:process|procedure|rule)\b"
          r"|\bhow (?:long|soon|often|quickly|fast) (?:do|should|must|can|have|are) (?:i|we|agents)\b"),
    (5.0, r"\bcadence\b|\betiquette\b|\bprocess for\b|\bprocedure\b|\bprotocol\b|\bbest practices?\b"
          r"|\bour (?:rules?|approach|standards?|policy)\b|\bguidelines?\b"),
    # Advice about leads in general ("a new lead", "every buyer") is the playbook's; the
    # asker's own leads are "my leads" or named.
    (3.0, r"\b(?:should|must|ought to|can|could|would|how (?:do|to))\b.*\b(?:a|an|every|each|any new)\s+(?:new\s+|qualified\s+|hot\s+|cold\s+|potential\s+)?"
          r"(?:lead|buyer|client|customer|enquiry|prospect|purchaser|investor)\b"),
    (2.0, r"\bdoes @project\b|\bis there (?:a|an|any)\b|\bare there (?:any )?\w+ (?:at|in|near|for)\b|\bdo (?:the |they |homes |units |apartments |flats |houses )"
          r"(?:\w+ )?(?:have|come|get|include)\b|\bcan (?:buyers|residents|owners|tenants|purchasers|investors|i|we) (?!see|list)"
          r"|\bare (?:\w+ )?allowed\b|\btell me about @project\b|\bwhat(?:'s| is) included\b|\bcome with\b"),
    (1.5, r"\bgym\b|\bfitness\b|\bpool\b|\bswimming\b|\bspa\b|\bsauna\b|\bconcierge\b|\bparking\b|\bcar park\b|\bgarages?\b"
          r"|\bev\b|\bcharg(?:ing|ers?)\b|\bamenit(?:y|ies)\b|\bfacilit(?:y|ies)\b|\blifts?\b|\bbalcon(?:y|ies)\b|\bterraces?\b"
          r"|\bgardens?\b|\broof\w*\b|\bviews?\b|\bsea\b|\bbeach\b|\bplayground\b|\bschools?\b|\bstation\b|\btrains?\b|\btrams?\b"
          r"|\bmetro\b|\bbus\b|\bairport\b|\btransport\b|\bshops?\b|\bnear(?:by|est)?\b|\bfar\b|\bdistance\b|\bwalk\w*\b"
          r"|\blocat(?:ion|ed)\b|\bwhere is\b|\baddress\b|\bpostcode\b|\bprices?\b|\bpriced\b|\bcosts?\b|\bcheapest\b|\bexpensive\b"
          r"|[£$€]|\bsq ?(?:m|ft)\b|\bsquare (?:feet|metres|meters)\b|\bsizes?\b|\bhow big\b|\bbathrooms?\b|\bkitchens?\b"
          r"|\bappliances\b|\bfinish(?:es|ing)\b|\bfurnish\w*\b|\bfurniture\b|\bstorage\b|\bhandover\b|\bhanded over\b|\bcomplet(?:ion|e|ed|ing)\b"
          r"|\bready\b|\bconstruction\b|\bbuilt\b|\bphase\b|\bdeposits?\b|\breservation\b|\breserve\b|\bfees?\b|\brefund\w*\b"
          r"|\bpayment plans?\b|\binstal+ments?\b|\bmortgages?\b|\bservice charges?\b|\bground rent\b|\blease\w*\b|\bfreehold\b"
          r"|\bcouncil tax\b|\bwarrant(?:y|ies)\b|\bdeveloper\b|\barchitects?\b|\bpets?\b|\bdogs?\b|\bcats?\b|\brules\b"
          r"|\bcancell?ation\b|\bairbnb\b|\blets?\b|\bletting\b|\brent\w*\b|\binvestors?\b|\byields?\b|\bbroadband\b|\binternet\b"
          r"|\benergy\b|\bheating\b|\bsolar\b|\bincentives?\b|\bdiscounts?\b|\bfirst[- ]time buyers?\b|\bshared ownership\b"
          r"|\bstamp duty\b|\bsnag\w*\b|\bexchange\b|\bsolicitors?\b|\blegal\b|\bcommission\b|\bhomes?\b|\bapartments?\b|\bflats?\b"
          r"|\bvisas?\b|\bresiden(?:cy|ce permit)\b|\btax(?:es)?\b|\bvat\b|\bnotar(?:y|ies)\b|\bescrow\b|\bdeeds?\b|\bcontracts?\b"
          r"|\bregistration\b|\boff[- ]?plan\b|\bresale\b|\bco-?brok\w*\b|\bcomplaints?\b|\bkeys\b|\bspecs?\b|\bcondo\w*\b"
          r"|\bhoa\b|\bamenit\w*|\bdistances?\b|\bminutes?\b|\bmetres?\b|\bmeters?\b|\bkm\b|\bmiles?\b"
          r"|\bhouses?\b|\btownhouses?\b|\bpenthouses?\b|\bstudios?\b|\bvillas?\b|\bbedrooms?\b|\bunits?\b|\bfloors?\b|\bstorey\w*\b"
          r"|\bsecurity\b|\bbikes?\b|\bcycle\b|\bstorage\b|\bwindows?\b|\binsulation\b|\bepc\b|\bwho (?:is|are) the (?:developer|builder|architect)"
          r"|\bopening hours\b|\bsales office\b|\bshow ?home\b|\bvirtual tour\b|\bwhat(?:'s| is) the (?:minimum|maximum) (?:deposit|price|size)\b"),
    (1.0, r"\b(?:does|do|is|are|can|will|has|have)\b(?= .*@project)|\bwhat(?:'s| is| are) the\b"),
]


@dataclass(frozen=True)
class RouteDecision:
    route: Route
    data: float
    documents: float
    reasons: tuple[str, ...] = field(default=())


def _score(text: str, rules: Sequence[tuple[float, str]]) -> tuple[float, list[str]]:
    total = 0.0
    reasons = []
    for weight, pattern in rules:
        hits = list(re.finditer(pattern, text))
        if hits:
            # Several property words add up, each kind of evidence only up to twice its weight.
            total += weight * min(len(hits), 2) if weight <= 1.5 else weight
            reasons.append(hits[0].group(0))
    return total, reasons


def mask_mentions(text: str, mentions: Sequence[Mention]) -> str:
    out = text
    for m in sorted(mentions, key=lambda m: m.span[0], reverse=True):
        # Placeholders that no rule reads as a word ("@lead" would count as "lead").
        token = {"project": "@project", "lead": "@leadname", "agent": "@agentname"}.get(m.kind, "@" + m.kind + "name")
        out = out[:m.span[0]] + token + out[m.span[1]:]
    return out


def title_key(title: str) -> str:
    """A document title as route_question compares it: folded words separated by single spaces."""
    from handlers.answers.text import fold

    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(title)).split())


# Each word that only the documents know ("CPCV", "escrow", "sauna") is evidence for them, up to this many.
DOC_WORD_WEIGHT = 1.5
DOC_WORDS_COUNTED = 2


# "How soon / how quickly / when…": about a named lead, the time of its next follow-up.
NAMED_LEAD_TIMING = (r"\bhow (?:soon|quickly|fast|promptly|early|long)\b|\bby when\b|\bwhen\b|\bwhat time\b"
                     r"|\bby what (?:date|day|time)\b")
NAMED_LEAD_TIMING_WEIGHT = 5.0


def _names_a_lead(m: Mention, asker_lead_ids: Collection[int] | None) -> bool:
    """A lead named firmly enough to pull a "how soon" question to the data."""
    if m.how != "first":
        return True
    return asker_lead_ids is None or any(i in asker_lead_ids for i in m.ids)


def route_question(text: str, *, mentions: Sequence[Mention] = (), titles: Sequence[str] = (),
                   doc_words: Sequence[str] = (), asker_lead_ids: Collection[int] | None = None) -> RouteDecision:
    """``text`` is the normalised question; ``mentions`` come from ``Vocabulary.find``;
    ``titles`` are the ingested documents' titles as ``title_key`` gives them; ``doc_words`` are
    the question's words that the data parser could not place but the documents hold;
    ``asker_lead_ids`` are the ids of the asker's own leads (``None``: any lead, as for an admin)."""
    masked = mask_mentions(text, mentions)
    data, data_why = _score(masked, DATA_RULES)
    # A sum of money next to "budget" ("to spend", "afford") is about leads, not about prices.
    docs, docs_why = _score(re.sub(r"[£$€]", " ", masked) if re.search(r"\bbudgets?\b|\bspend\b|\bafford\b", masked)
                            else masked, DOC_RULES)
    leads = [m for m in mentions if m.kind == "lead"]
    agents = [m for m in mentions if m.kind == "agent"]
    projects = [m for m in mentions if m.kind == "project"]
    if leads:
        full = any(m.how in ("full", "company", "possessive", "fuzzy") for m in leads)
        data += 4.0 if full else 2.5
        data_why.append("lead:" + leads[0].label)
        if re.search(NAMED_LEAD_TIMING, masked) and any(_names_a_lead(m, asker_lead_ids) for m in leads):
            data += NAMED_LEAD_TIMING_WEIGHT
            data_why.append("when:" + leads[0].label)
    if agents:
        data += 1.5
    if any(m.kind == "source" for m in mentions):  # where leads came from is CRM data
        data += 2.0
        data_why.append("source")
    if projects:
        docs += 2.0
        docs_why.append("project:" + projects[0].label)
    padded = " " + re.sub(r"[^a-z0-9]+", " ", text) + " "
    named = {title_key(m.label) for m in projects}
    for title in titles:  # titles come as folded words (see ``title_key``)
        # A title that is only the project's name is the same evidence as the project, once.
        if title and f" {title} " in padded and title not in named:
            docs += 3.0
            docs_why.append("title:" + title)
            break
    if doc_words:
        docs += DOC_WORD_WEIGHT * min(len(doc_words), DOC_WORDS_COUNTED)
        docs_why.append("document words:" + ",".join(doc_words[:DOC_WORDS_COUNTED]))
    if data > docs or (data == docs and data > 0 and leads):
        return RouteDecision("data", data, docs, tuple(data_why))
    if docs == 0 and data == 0:
        return RouteDecision("documents", data, docs, ("no evidence",))
    return RouteDecision("documents", data, docs, tuple(docs_why))
