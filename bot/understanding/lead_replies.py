"""What a lead's email reply means: unsubscribe, not interested, a meeting request, a question,
interest, an automatic reply, or something else.

The text is the visible part of the reply (quotes and signatures already stripped). Cues are
checked strongest first: an automatic reply says nothing about the lead's intent, and a request to
stop emailing outranks everything a person might add to it.
"""
from __future__ import annotations

import re

AUTO_REPLY = re.compile(
    r"\bout of (?:the )?office\b|\booo\b|\bauto(?:matic|mated)?[\s-]*(?:reply|response|respond|generated)\b|\bautoreply\b"
    r"|\b(?:i am|i'm|im|i will be|i'll be)\s+(?:currently\s+)?(?:away|out|on (?:annual |parental |maternity |paternity |sick |medical |study )?leave|on holiday|on vacation|on sabbatical|travell?ing|off|out of town|offline)\b(?=.*\b(?:until|till|return|back|limited|access|urgent|respond|reply|from|between|through|this week|next week)\b)"
    r"|\bon (?:annual|parental|maternity|paternity|sick|medical|study) leave\b|\bcurrently (?:on|away|out)\b.*\b(?:leave|holiday|vacation|office)\b"
    r"|\b(?:limited|no) access to (?:my )?e-?mail\b|\bwill (?:respond|reply|get back to you|return your (?:email|message))\b.*\b(?:return|back|as soon as|asap|within|business days|working days)\b"
    r"|\bmailbox is (?:no longer|not) (?:monitored|active|in use)\b|\bno longer (?:monitored|with the company|work(?:s|ing)? (?:here|at))\b|\bdo not reply to this\b|\bthis is an automated\b|\bautomatic (?:acknowledg\w*|response|reply|message|notification)\b|\bautomated (?:acknowledg\w*|response|reply|message|notification)\b"
    r"|\bwill not be (?:forwarded|read)\b|\bfor urgent (?:matters|enquiries|inquiries|issues|requests)\b|\bin my absence\b|\byour (?:message|email) has been received\b|\bthank you for (?:your|the) (?:email|message)[.,!]?\s*(?:i am|i'm|we are|we're)\s+(?:currently\s+)?(?:away|out)\b"
    r"|\bwe(?:'ll| will) get back to you within\b|\bback (?:in the office )?on (?:monday|tuesday|wednesday|thursday|friday|the \d)"
)
UNSUBSCRIBE = re.compile(
    r"\bunsubscrib\w*\b|\bun-subscribe\b|\bopt(?:ing)?[\s-]?(?:me\s+)?out\b|\bremove (?:me|my (?:email|address|details|name|data|info\w*)|us)\b|\btake (?:me|us|my (?:email|address|name)) off\b"
    r"|\bstop (?:e-?mailing|sending|contacting|messaging|spamming|writing|mailing)\b|\b(?:do not|don't|dont|never) (?:e-?mail|contact|message|write to|send)\b.*\b(?:me|us|again|anymore|any more)\b"
    r"|\bno (?:more|further) (?:e-?mails?|messages?|contact|marketing|newsletters?)\b|\bdelete (?:my|our) (?:details|data|email|address|information|info|contact)\b|\berase my (?:data|details|information)\b"
    r"|\bgdpr\b|\bdon't want to (?:receive|get) (?:any )?(?:more )?(?:e-?mails?|messages|these)\b|\bdo not want to (?:receive|get)\b|\boff (?:your|the|this) (?:mailing )?list\b|\bmailing list\b|\bspam\b"
    r"|^\s*stop\s*[.!]*\s*$|[.!]\s*stop\s*[.!]*\s*$|\bkeep (?:sending|emailing|spamming)\b|\bstop (?:it|this|these)\b|\bleave me alone\b|\bhow did you get my (?:email|address|details|number)\b"
)
NOT_INTERESTED = re.compile(
    r"\bnot (?:really |at all |very )?interested\b|\bno longer interested\b|\bn't interested\b|\bno interest\b|\bnot for (?:us|me)\b|\bisn't for (?:us|me)\b|\bis not for (?:us|me)\b|\bno,? thanks?\b|\bno,? thank you\b|\bthanks,? but no\b|\bnot looking\b|\bno longer looking\b|\bnot in the market\b|\b(?:no longer|not|out of the) (?:in the )?market\b|\b(?:bought|purchased|found|rented) (?:elsewhere|somewhere else|something else)\b|\bno longer relevant\b|\bnot relevant\b|\bmaybe (?:next year|later|in the future|another time|some other time)\b"
    r"|\b(?:already|have) (?:bought|purchased|found|signed|rented|chosen)\b|\b(?:we've|we have|i've|i have) (?:bought|purchased|found|signed|rented|chosen) (?:a |another |somewhere|elsewhere|a place|a property|a home)\b|\bfound (?:somewhere|something|another|a place)\b|\bwent with (?:another|a different|someone)\b|\bgoing with (?:another|a different)\b"
    r"|\b(?:we'll|we will|i'll|i will|we're going to|going to|gonna|have to)\s+pass\b|\bpass on (?:this|it)\b|\bwe pass\b|\bchanged (?:our|my) minds?\b|\bdecided (?:not|against|to rent|to stay|to wait)\b|\bnot (?:at this time|right now|now|for now)\b|\bnot the right time\b"
    r"|\bout(?:side)? of (?:our|my) (?:budget|price range)\b|\btoo expensive\b|\bcan't afford\b|\bcannot afford\b|\bnot (?:buying|moving|proceeding|pursuing)\b|\bwon't be (?:pursuing|proceeding|moving|buying)\b|\bstaying put\b|\bdon't bother\b"
    r"|^\s*(?:no|nope|nah)\s*[.!]*\s*$|\b(?:have to|must|will|'ll|going to|i) decline\b|\bdeclin(?:e|ing) (?:the|your|this)\b|\bnot a good fit\b|\bnot what (?:we|i)'?(?:re| am| are)? looking for\b|\bno need\b|\bwe're good\b|\bi'm good,? thanks\b|\bplease don't (?:call|contact)\b"
)
MEETING = re.compile(
    r"\b(?:meet|meeting|meet up|catch up|viewing|view it|view the|see (?:it|the (?:flat|apartment|unit|property|place|house|show|units?|site|penthouse))|visit|tour|showing|come (?:and |to )?(?:see|look|view|by|in|over)|pop (?:in|by)|stop by|drop by|call me|ring me|phone me|give me a (?:call|ring|buzz)|call (?:me )?back|(?:a|quick|short) (?:call|chat)|jump on a call|hop on a call|video call|zoom|teams call|appointment|book (?:a|an|in)|schedule|arrange|set up (?:a|some)|free (?:on|at|this|next|tomorrow|today|for)|available (?:on|at|this|next|tomorrow|today|for)|are you free|are you available|are you around|what time works|works for me|suit(?:s)? (?:me|you)|in person|talk (?:on|tomorrow|today|next|this|at)|let's talk|speak (?:on|tomorrow|today|next|this|at)|discuss (?:on|tomorrow|today|next|this|in person))\b"
)
QUESTION = re.compile(
    r"\?|^(?:what|what's|whats|which|who|when|where|why|how|is|are|does|do|did|can|could|will|would|should|has|have)\b|\b(?:i (?:was )?wonder(?:ing)?|i'd like to know|i would like to know|can you (?:tell|confirm|let me know|explain)|could you (?:tell|confirm|let me know|explain)|please (?:tell|confirm|let me know|advise|explain)|let me know (?:if|whether|what|when|how)|quick question)\b"
)
GENERIC_INFO = re.compile(
    r"\b(?:send|share|forward|email)\b.*\b(?:more |further |additional |some )?(?:info\w*|details|brochure|floor ?plans?|price ?list|pricing|particulars|specs?)\b|\b(?:tell|let) me (?:know )?more\b|\bmore (?:info\w*|details)\b|\bnext steps?\b|\bhear more\b|\bknow more\b|\blearn more\b"
)
INTERESTED = re.compile(
    r"\binterested\b|\bkeen\b|\bsounds? (?:great|good|perfect|interesting|lovely|amazing|ideal|fantastic|brilliant|excellent)\b|\blooks? (?:great|good|amazing|perfect|lovely|interesting|fantastic|brilliant|excellent)\b|\bcount (?:me|us) in\b|\bi'?m in\b|\bwe'?re in\b|\byes,? please\b|^\s*yes\b|\bi'?d love\b|\bwould love\b|\blove (?:it|this|the)\b"
    r"|\bexactly what\b|\bjust what (?:we|i)\b|\bperfect for (?:us|me)\b|\bgo ahead\b|\bproceed\b|\bsign (?:me|us) up\b|\bkeep (?:me|us) (?:posted|updated|in the loop|informed)\b|\bexcited\b|\bhappy to (?:proceed|go ahead|move forward)\b|\bmove forward\b|\btell me more\b|\bhear more\b|\bknow more\b|\blearn more\b|\bmore (?:info\w*|details)\b|\bsend (?:me |us )?(?:over )?(?:the |a |your )?(?:brochure|floor ?plans?|details|info\w*|price ?list)\b|\bi like (?:it|this|the)\b|\bwe like (?:it|this|the)\b|\bvery much\b|\bdefinitely\b|\breserve (?:one|a unit|it)\b"
)
SPECIFIC_QUESTION = re.compile(
    r"\b(?:price|prices|pricing|cost|costs|how much|service charges?|charges?|fees?|deposits?|parking|gym|pools?|concierge|completion|complete|completed|ready|handover|floors?|bedrooms?|beds?|size|sizes|big|sq|square|balcon(?:y|ies)|gardens?|pets?|dogs?|cats?|schools?|station|transport|far|near|mortgages?|payment plans?|flexib\w*|discounts?|freehold|leasehold|negotiable|furnished|kitchen|air conditioning|views?|foreigners|included|include|available units|availability|units? with|storage|security|lift|how many|when|where|which|what)\b"
)


def classify_reply(text: str) -> tuple[str, float]:
    """The reply's intent and how sure the rules are (0..1)."""
    t = re.sub(r"\s+", " ", text.strip().lower().replace("’", "'"))
    if not t or not any(c.isalnum() for c in t):
        return "other", 0.5
    if AUTO_REPLY.search(t):
        return "auto_reply", 0.95
    if UNSUBSCRIBE.search(t):
        return "unsubscribe", 0.95
    not_interested = NOT_INTERESTED.search(t)
    if not_interested and not re.search(r"\bnot interested in (?:the |a |this )?\w+ but\b|\bbut (?:we|i)'?(?:d| would| are| am)? (?:be )?interested\b", t):
        return "not_interested", 0.9
    meeting = MEETING.search(t)
    if meeting and not re.search(r"\b(?:how|what|when|where|is|are|does|do)\b[^.?!]*\b(?:viewing|visit|tour|meeting)s?\b[^.?!]*\?\s*$", t) or (
        meeting and re.search(r"\b(?:can|could|shall|may) (?:we|i)\b", t)
    ):
        return "meeting_request", 0.9
    question = QUESTION.search(t)
    if question:
        if GENERIC_INFO.search(t) and not SPECIFIC_QUESTION.search(GENERIC_INFO.sub(" ", t)):
            return "interested", 0.8
        if re.search(r"\bwhat(?:'s| is| are)? the next steps?\b", t) and INTERESTED.search(t):
            return "interested", 0.8
        if SPECIFIC_QUESTION.search(t) or t.endswith("?"):
            if re.fullmatch(r"(?:who (?:is|are) (?:this|you)|who's this|who is this\??|sorry,? who (?:is|are) (?:this|you)\??)\s*\??", t):
                return "other", 0.7
            return "question", 0.85
    if INTERESTED.search(t) or GENERIC_INFO.search(t):
        return "interested", 0.85
    if question:
        return "question", 0.6
    return "other", 0.6
