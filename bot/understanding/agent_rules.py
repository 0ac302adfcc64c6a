"""Which intent a clause of an agent's message carries, and its status and interaction kind.

Each rule is a regular expression over the clause's normalised text (lowercase, typos corrected,
lead names as ``@lead``) with a weight; the clause takes the intent of its strongest rule.
Questions are routed first (help, a lead's card, CRM data or documents), unless they are polite
commands ("can you mark ...").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

L = r"(?:@lead|him|her|them|he|she|they|it|this (?:lead|client|one|guy|person|buyer)|that (?:lead|client|one|guy|person|buyer)|the (?:lead|client|guy|buyer|customer|prospect))"
_B = r"\b"
LP = L.replace("|it|", "|")  # a person: "it" is seldom a lead

# -- statuses ---------------------------------------------------------------------------------
STATUS_RULES: list[tuple[str, re.Pattern]] = [
    ("closed_won", re.compile(r"\bclosed?\s*[-_]?\s*won\b|\bwon\b(?!')|\bwin\b|\bclosed (?:the |a )?(?:deal|sale)\b|\bdeal (?:is )?(?:done|won|closed|signed)\b|(?:@lead|\bhe|\bshe|\bthey|\bwe|\bwho|\bhas|\bhave|\bfinally|\bjust|\bit's|\ball)\s+(?:has\s+|have\s+|finally\s+|just\s+|officially\s+)?signed\b|\bsigned (?:the |a |on the )?(?:contract|deal|spa|agreement|purchase|papers|paperwork|offer|sale|dotted line)\b|\bsigned\s*[!.]*$|\b(?:bought|purchased)\b(?!.*\b(?:elsewhere|somewhere else|another|instead|from someone)\b)|\baccepted (?:our|the|my) offer\b|\boffer (?:got|was|has been|is) accepted\b|\b(?:paid|transferred|sent|gave|given|handed over) (?:the |a |his |her |their |us the )?(?:booking (?:fee|amount)|reservation fee|deposit|token(?: amount| money)?|down ?payment|earnest money)\b|(?:@lead|\bwe|\bjust|\bfinally)\s+(?:has\s+|have\s+|just\s+|finally\s+)*closed\s*[!.]*$|\bagreed to (?:the )?(?:terms|deal|price|offer)\b|\bconverted\b|\bsold (?:the (?:unit|flat|apartment|property|villa|penthouse|house) )?to (?:@lead|him|her|them)\b|\bwe got (?:him|her|them|@lead)\b|\bclosed escrow\b|\bescrow (?:has |is )?closed\b|\bclosed (?:@lead|him|her|them)\b(?!\s+(?:as|to)\b)|\bsuccess\b")),
    ("closed_lost", re.compile(r"\bdisqualif\w*|\bunqualified\b|\bnot qualified\b|\bclosed?\s*[-_]?\s*lost\b|\blost\b|\bdead\b|\bwent cold\b|\bgone cold\b|\bbacked out\b|\bdropped out\b|\bpulled out\b|\bwalked away\b|\bnot interested\b|\bno longer interested\b|n't interested\b|\bnot (?:buying|proceeding)\b|\bno go\b|\bno-go\b|\bchose (?:another|a different|someone else)\b|\b(?:went|gone|going|signed|listed) with (?:another|a different|a competitor|someone else)\b|\bcompetitor\b|\bgave up\b|\bdeclined\b|\bfell through\b|\bghosted\b|\bclosed\s*[-_]?\s*lose\b|\b(?:under|in) contract (?:on|for|with) (?:another|a different|someone else|a competitor|other)\b|\bunder contract elsewhere\b")),
    # "Under contract", "in contract", "in escrow" (US): an offer accepted, the sale not closed yet,
    # as "under offer" is in the UK; closing ("closed escrow") is the win.
    ("negotiating", re.compile(r"\bnegotiat\w*\b|\bunder offer\b|\b(?:under|in) contract\b(?!\s+(?:terms|law|elsewhere)\b|\s+(?:on|for|with) (?:another|a different|someone else|a competitor|other)\b)|\b(?:in|into|opened) escrow\b|\b(?:put|putting) (?:in )?an offer\b|\boffer (?:made|submitted|put in)\b|\bmade an offer\b|\boffer stage\b|\bin talks\b|\bhaggling\b|\bcounter\s?-?offer\b|\bmaking an offer\b")),
    ("qualified", re.compile(r"\bqualif\w*\b|\bhot lead\b|\bsql\b")),
    ("contacted", re.compile(r"\bcontacted\b|\breached out\b|\bbeen in touch\b|\bin contact\b")),
    ("follow_up", re.compile(r"(?:\b(?:to|as|status|stage|into|in|is|be|on)\s+(?:a\s+)?(?:needing\s+|needs\s+|requiring\s+)?follow\s*-?\s*up\b(?!\s+(?:with|on)\b))|\bneeds? (?:a )?follow\s*-?\s*up\b(?!\s+(?:with|on)\b)|\bfollow\s*-?\s*up\s+(?:status|stage)\b|\bfollow_up\b")),
    ("new", re.compile(r"\b(?:to|as|status|stage|into|is)\s+(?:a\s+)?(?:brand\s+)?new\b(?!\s+(?:leads?|clients?|units?|builds?|developments?|numbers?|address|email|phone|flat|apartment|home|house|place|job|project))|^\s*new\s*$")),
]
STATUS_TARGET = re.compile(r"\b(?:to|as|into|in|status|stage|is now|are now|now)\s*:?\s*$")

# -- interaction kinds ------------------------------------------------------------------------
# Places a viewing is of ("showed him round the 2br unit").
PLACE = r"(?:flat|flats|apartment|apartments|unit|units|property|properties|house|home|homes|penthouse|show|model|site|villa|villas|townhouse|townhouses|duplex|studio|plot|building|tower|development|showroom|show ?home|show ?flat|place|suite|display (?:suite|home|unit|flat|apartment|village)|sample (?:flat|unit|apartment|villa)|model (?:unit|home|flat)|lofts?|condos?|brownstone|penthouses?|\d\s?(?:br|bed|bedroom)s?)"
NOTE_START = re.compile(
    r"^(?:(?:please|pls|can you|could you|also|and)\s+)*(?:(?:log|record|add|jot|save|write|make|put|leave)\s+(?:down\s+)?(?:a\s+|an\s+|the\s+)?(?:quick\s+|short\s+)?(?:note|notes|comment|memo)\b|(?:(?:quick|short|small|little|important|brief|private|internal|general)\s+)?(?:note|notes|comment|memo|fyi)\s*(?::|-|on|for|about|re|to|that)|fyi\b|note\b|jot\b|(?:update|heads up|for the record|fyi|info)\s*:|remember that\b|keep in mind\b|bear in mind\b|for the record\b|add (?:this|that|it) to (?:@lead|his|her|their|the)\s*'?s?\s*(?:notes|file|record)\b)"
)
# "log: ...", "record that ...": a note unless the rest names another kind.
SOFT_NOTE_START = re.compile(r"^(?:(?:please|pls|can you|could you|also|and)\s+)*(?:log|record|write down|save)\s*(?::|-|that\b)")
# The purpose of an interaction names its kind best ("met up with Liam for a viewing").
# "came in to see the show apartment": what they came to do names the kind.
VIEWING_PURPOSE = re.compile(r"\bto (?:see|view|look at|look round|look around|tour|inspect|check out) (?:the |a |an |our |his |her |their )?(?:\S+\s+){0,2}?" + PLACE + r"\b")
# "he wants to see the villa": a wish, not what the interaction was.
WISH_BEFORE = re.compile(r"\b(?:wants?|wanted|would like|'d like|keen|asked|hoping|hopes?|plans?|planning|needs?|going|'s going)\s*$")
KIND_PURPOSE = re.compile(r"\bfor (?:a|an|the|another|his|her|their)\s+(?:second\s+|2nd\s+|quick\s+)?(viewing|tour|site visit|showing|meeting|call|coffee|lunch|chat)\b")
KIND_RULES: list[tuple[str, re.Pattern]] = [
    ("note", re.compile(r"\bnotes?\b|\bjot(?:ted)?\b|\bnoted\b|\bmemo\b|\bcomment\b|^fyi\b")),
    ("viewing", re.compile(r"\bviewings?\b|\bshowed\b|\bshown\b|\bshowing\b|\btour(?:ed|s|ing)?\b|\bsite visits?\b|\binspect(?:ion|ed|ions)?\b|\bsaw (?:it|the)\b|\bview(?:ed)? (?:it|the|a|our|\d)|\bchecked out the\b|\bshow (?:flat|home|apartment|unit|house|suite)\b|\btook @lead (?:to see|around|round|to view|to the site)\b|\b(?:to )?see (?:the|a|our) (?:unit|flat|apartment|property|house|penthouse|place|villa|show|site|model)\b|\bvisit(?:ed|s)?\b|\b(?:walk(?:ed)?|took|taken|take|brought|showed) @lead(?:\s+(?:and|&)\s+(?:his|her|their)\s+\w+)? (?:through|round|around|over|to see|to view|to)\b(?:\s+\S+){0,4}?\s+" + PLACE + r"\b|\b(?:walked|looked|went|wandered) (?:through|round|around|over)\b(?:\s+\S+){0,3}?\s+" + PLACE + r"\b|\bwalk\s?-?throughs?\b|\bopen (?:house|home|inspection)s?\b|\bcame through (?:the|a|our)\b|\bback from (?:the |a |our )?(?:site|viewing|showing|tour|inspection|property)\b|\bsaw the (?:flat|apartment|unit|property|house|penthouse|place|villa)\b|\bview(?:ed)? the (?:flat|apartment|unit|property|house|penthouse|place|villa)\b")),
    ("email", re.compile(r"\be-?mail(?:ed|s|ing)?\b|\bforwarded\b|\bshared (?:the|a|our|my|some)\b|\blinkedin\b|\breplied to\b|\bmailed\b|\bwrote (?:to|an?|@lead)\b|\bsent (?:@lead|him|her|them) (?:an? )?(?:email|mail|note|message|the|a|over|our|my|some|his|her|their)\b|\bsent (?:an? )?(?:email|mail|message)\b|\bsent\b(?:\s+\S+){0,6}\s+to\s+@lead\b|\bsent (?:@lead|him|her|them) (?:a|an) (?:text|message|whatsapp)\b|\btexted\b|\bmessaged\b|\bwhatsapp(?:ed)?\b|\bdropped (?:@lead|him|her|them) a line\b|\bsms\b|\b(?:shot|fired off|fired|dropped|sent) (?:@lead|him|her|them) (?:a |an )?(?:quick |short )?(?:text|email|e-mail|message|msg|note|line|dm)\b|\bdm(?:'?d|ed)?\b|\binboxed\b|\bvoice ?note\b|\b(?:telegram|wechat|imessage|messenger|instagram|insta)\b|\bpinged (?:@lead|him|her|them)\b")),
    ("meeting", re.compile(r"\bmeet(?:ing|ings)?\b|\bmet\b|\bsat down\b|\bcoffee\b|\blunch\b|\bdinner\b|\bbreakfast\b|\bdrinks\b|\bin person\b|\bin-person\b|\bcame (?:in|by|over)\b|\bcame to (?:the|our|my) (?:office|agency)\b|\bstopped by\b|\bdropped by\b|\bpopped in\b|\bface[- ]to[- ]face\b|\bdropped (?:in|into|by)\b|\bgrabbed (?:a )?(?:coffee|lunch|drinks?|dinner)\b|\bat (?:the|our|his|her|their) (?:office|sales office|agency)\b")),
    ("call", re.compile(r"\bcall(?:ed|s|ing)?\b|\bby phone\b|\bmobile\b|\bcell\b|\bcouldn't reach\b|\bcould not reach\b|\breached @lead\b|\bphone(?:d)?\b|\brang\b|\bring(?:ing)?\b|\bvoicemail\b|\bvoice mail\b|\b(?:give|gave|given) (?:@lead|him|her|them) a (?:bell|buzz|ring|call|tinkle)\b|\bno (?:answer|pick\s?-?up)\b|\bdid(?:n't| not) (?:answer|pick up)\b|\bnot (?:answering|picking up|reachable)\b|\bunreachable\b|\bswitched off\b|\btried (?:@lead|him|her|them)\b")),
]
# Where a viewing happens: met there, dropped by there, it was a viewing ("stopped by the open house").
VIEWING_PLACE = re.compile(r"\bopen (?:house|home|inspection)s?\b|\bshow ?(?:flat|home|house|apartment|unit|suite)s?\b|\bmodel (?:home|unit|flat|apartment)s?\b|\bdisplay (?:suite|home|unit|flat|apartment|village)s?\b|\bsample (?:flat|unit|apartment|villa)s?\b")
# Meeting said only by the verb of being somewhere together, which the place can name better.
GENERIC_MEETING = re.compile(r"\bmet\b|\bmeet\b|\bsat down\b|\bin person\b|\bin-person\b|\bcame (?:in|by|over)\b|\bstopped by\b|\bdropped (?:by|in|into)\b|\bpopped in\b|\bface[- ]to[- ]face\b")
# A verb of contact with nothing after it: its object is the one of the verb it is joined to
# ("emailed and called Rose").
BARE_CONTACT_VERB = re.compile(
    r"(?:(?:i|we|just|also|both|already|have|had|'ve|i've|we've)\s+)*(?:called|phoned|rang|emailed|e-mailed|mailed|texted|messaged|whatsapped|met|visited|pinged|dmed|dm'd|contacted|chased|toured|called up|rang up)\s*[.!]*"
)
# Talking in general: a call, unless something more specific is said.
GENERIC_TALK = re.compile(r"\bdiscuss(?:ed|ing)?\b|\bwent (?:over|through)\b|\bpitched\b|\bpresented\b|\bexplained\b|\bspoke\b|\bspoken\b|\bspeak(?:ing)?\b|\btalked\b|\btalk(?:ing)?\b|\bchat(?:ted)?\b|\bconversation\b|\bcatch up\b|\bcaught up\b|\bzoom\b|\bteams\b|\bskype\b|\bvideo\b|\bfacetime\b|\bfacetimed\b|\bzoomed\b|\bskyped\b|\btouched base\b|\bchecked in with\b|\bconnected with\b")

# -- clause intents ---------------------------------------------------------------------------
POLITE = r"^(?:(?:hey|hi|ok|okay|so|right|pls|please|kindly|can you|could you|would you|will you|can u|could u|i need you to|i want you to|go ahead and|quickly|just|also|now)\s+)*"

QUESTION_START = re.compile(
    r"^(?:what|what's|whats|which|who|who's|whos|whom|when|where|how|how's|why|is|are|was|were|do|does|can|could|would|should|any(?! time\b)|anything|tell me how|tell me which|tell me about|tell me more about|explain|describe|info on|information on|details on|details of|(?:did|have|has|had|will)(?= (?:i|we|you|he|she|they|@lead|anyone|my|our|any)\b))\b"
)
LISTING = re.compile(
    r"^(?:(?:can you|could you|please|pls)\s+)*(?:list|count|how many|how much|sum|total|average|number of|breakdown|percentage|report|summary of|summari[sz]e|stats|statistics|give me (?:a )?(?:list|count|number)|show (?:me )?(?:all|every|my|the (?:list|number)|a list|leads|clients|follow|overdue|today|tomorrow|what)|find (?:me )?(?:all|every|my)|get (?:me )?(?:all|my|a list)|pull up (?:all|my|every))\b"
)
# "can we get him in for a viewing tomorrow at 5": a question that books something.
PROPOSED_BOOKING = re.compile(r"^(?:can|could|shall|should|would) (?:we|i|you|u) (?:get|book|set up|arrange|fit|squeeze|schedule|pencil|line up)\b")
COMMAND_VERB = re.compile(
    POLITE + r"(?:move|mark|set|change|update|put|switch|flag|upgrade|downgrade|reset|bump|promote|demote|close|tag|log|record|add|jot|note|remind|schedule|book|arrange|create|make|ping|nudge|follow\s*up|show|pull up|open|display|look up|lookup|bring up|find|get)\b"
)

HELP = re.compile(
    r"^/?help\b|\bhelp me\b|^(?:please\s+)?help\s*[!?.]*$|\b(?:can|could) (?:you|u) help\b(?!\s+(?:me\s+)?(?:with|find|log|move|mark|set|schedule|remind))|\bhelp\s*[!?.]*$|\bwhat (?:all |else |exactly )?(?:can|do|could|does|will) (?:you|u|this bot|the bot|this thing|this app|this tool|crmbot|this) (?:do|help with|handle)\b|\bwhat(?:'s| is) (?:this|the) bot(?: for)?\s*[?!.]*$|\bwhat (?:all |else )?can i (?:say|type|ask|do|tell you)\b|\bwhat do i (?:say|type)\b|\bshow me what (?:you|u) can do\b"
    r"|^how to\b.*\b(?:log|schedule|use|remind|update|mark|move|add|set|create|record|change|book|search|find|ask|delete|undo)\b|\b(?:need|want|could use|get) (?:some )?help\b|\b(?:syntax|format) (?:for|of|to)\b|\bgive me (?:some |an )?examples?\b"
    r"|\bhow (?:do|can|should) (?:i|we|you|one)\b.*\b(?:log|schedule|use|work|remind|update|mark|move|add|set|create|record|change|book|search|find|talk|ask|delete|undo)\b"
    r"|\bcommands?\b|\busage\b|\bhow (?:does|do) (?:this|it|you|the bot|this bot)\b.*\bwork\b|\bhow (?:does|do) (?:this|it|you|the bot|this bot) work\b|\bwhat should i (?:type|say|write)\b|^\?+$"
    r"|\bi'?m (?:lost|confused|stuck)\b|\bi am (?:lost|confused|stuck)\b|\bhow to use\b|\binstructions\b|\bwhat are you\b|\bwho are you\b|\bwhat is this bot\b|\bhow do i use\b|\bgetting started\b|\bwhat are my options\b|\bguide\b|\btutorial\b"
)

SHOW_LEAD = [
    (0.95, re.compile(POLITE + r"(?:show|pull up|open|display|view|look up|lookup|bring up|find|get|fetch|check|see)\s+(?:me\s+)?(?:up\s+)?(?:the\s+)?(?:lead\s+|record\s+|profile\s+|details\s+|info\s+|card\s+|file\s+)?(?:for\s+|of\s+|on\s+)?" + LP + r"(?!\s*(?:'s\s+)?(?:budget|status|stage|follow|reminders|last)\b)")),
    (0.9, re.compile(r"\b(?:details|detail|info|information|profile|record|card|summary|file|contact details|overview|everything)\s+(?:on|for|of|about)\s+(?:the\s+)?" + LP)),
    (0.9, re.compile(LP + r"\s*(?:'s?)?\s+(?:profile|details|record|card|info|information|file|contact details|lead card|page)\s*[?!.]*$|" + LP + r"\s*'s?\s+(?:profile|details|record|card|info|information|file|contact details|lead card|page)\b")),
    (0.9, re.compile(r"^(?:who is|who's|whos|tell me about|what do (?:we|i) (?:have|know) (?:on|about)|anything on|what about|(?:what's|what is|whats) (?:the )?(?:latest|new|happening|going on|the story|the deal|up) (?:on|with)|any (?:notes|news|updates?|info|history|activity) (?:on|about|for|with)|(?:how's|how is) (?:it going with )?(?:things with )?)\s*(?:the\s+)?" + LP)),
    (0.85, re.compile(r"^(?:lead (?:card|profile|details|record|info)|profile|details|info|card)\s*:?\s*(?:for\s+|of\s+|on\s+)?" + LP)),
    (0.9, re.compile(r"\b(?:show|pull up|open|display|view|look up|bring up)\s+(?:me\s+)?(?:the\s+)?@lead\s+(?:lead|record|profile|details|card|file)\b")),
    (0.85, re.compile(r"^(?:show|view|open)\s+(?:me\s+)?(?:the\s+)?(?:record|details|profile|lead|info)\s+(?:for|of|on)\b")),
]

DATA_STRONG = re.compile(
    r"\b(?:leads?|clients?|prospects?|customers?|buyers?|contacts?|deals?|pipeline|follow\s*-?\s*ups?|followups?|followed up|followed|reminders?|tasks?|overdue|contacted|called|emailed|met|spoke|talked|logged|status|stage|statuses|stages|budgets?|plate|agenda|negotiat\w*|qualified|won|lost|closed|conversion|@lead|him|her|them|interactions?|activity|activities|viewings|meetings|calls|emails|showings|tours|visits|site visits|appointments|open houses)\b"
)
DATA_WEAK = re.compile(r"\b(?:my|mine|i|me|i've|i'm|we|our|today|tomorrow|this week|last week|this month|this year|this quarter|hottest|new|call|email|contact)\b")
DOCS = re.compile(
    r"\b(?:gym|pools?|parking|car park|amenit\w*|facilit\w*|payment plans?|payments?|payment (?:options|terms)|plans?|instal+ments?|service charges?|charges?|fees?|deposits?|completion|complet\w*|handover|hand-over|ready|pets?|pet-friendly|furnished|furniture|floors?|floor ?plans?|views?|sea|storage|concierge|security|metro|station|transport|schools?|nearby|near|close to|far|distance|location|located|area|neighbou?rhood|finish(?:es|ing)?|kitchens?|appliances|penthouses?|bedrooms?|beds?|br|studios?|units?|apartments?|flats?|villas?|townhouses?|prices?|pricing|costs?|sq ?ft|sqm|square (?:feet|metres|meters)|size|sizes|big|large|balcon(?:y|ies)|terraces?|gardens?|brochures?|developers?|development|projects?|buildings?|towers?|phase|warrant\w*|polic(?:y|ies)|cancell?ation|reservations?|reserve|refund\w*|freehold|leasehold|tenure|mortgages?|rental|yield|roi|tax\w*|maintenance|lifts?|elevators?|ceilings?|spec\w*|documents?|docs?|contract terms|included|include|comes? with|come with|allowed|discounts?|incentives?|offers?|launch|available units|availability|sizes?|layouts?|orientation|heating|cooling|air ?con\w*|solar|energy|rating|epc|beach|waterfront|marina|school district|commute|\d?\s?bhk|carpet area|built-?up|super area|possession|rera|booking amount|token amount|power back-?up|back-?up|generators?|water supply|club ?house|gated|vastu|occupancy certificate|strata|levies|levy|hoa|body corporate|title deeds?|foreigners?|foreign buyers?|nris?|golden visa|visas?|residency|dld|registration fees?|stamp duty|closing costs|property tax\w*|council rates|firb|off[- ]plan|off the plan|maid'?s room|ev charging|wi-?fi|internet|broadband|cctv|playground|jogging|spa|sauna|tennis|hospitals?|malls?|airport|laundry|washer|dryer|doorman|co-?op|sublet\w*|snagging|defects|resale|leases?|lease ?hold|emis?|home loans?)\b"
)
UNKNOWN_TOPICS = re.compile(r"\b(?:weather|joke|jokes|music|songs?|lyrics|pizza|flights?|games?|match|matches|football|soccer|cricket|basketball|nba|nfl|premier league|champions league|tennis|score|capital of|recipes?|movies?|films?|netflix|news|stocks?|bitcoin|crypto|translate|poem|temperature|horoscope|lottery|traffic|election|president|prime minister|meme|ipl|world cup|f1|formula (?:1|one)|rugby|afl|nrl|nhl|mlb|baseball|olympics|super bowl|what time is it|what's the time|what day is it)\b")
# What makes a question about the CRM rather than small talk that shares a verb ("who won the match").
CRM_NOUNS = re.compile(r"@lead|\b(?:leads?|clients?|prospects?|customers?|buyers?|contacts?|deals?|pipeline|follow\s*-?\s*ups?|followups?|reminders?|tasks?|status|stage|budgets?|interactions?|viewings|meetings|calls|emails|commission|sales|my|our|i|we)\b")

LOG_RULES = [
    (1.0, re.compile(POLITE + r"(?:log|record|add|jot|save|write|capture|register|enter|put)\b(?!\s+(?:him|her|them|@lead)\s+(?:to|as|in|into)\b)(?=.*\b(?:call|meeting|viewing|notes?|comment|email|visit|tour|chat|conversation|that|interaction|activity|:|@lead|him|her|them|down|phone|zoom|coffee|lunch)\b|.*:)")),
    (0.95, re.compile(r"^(?:log|record|note|memo|notes?)\b\s*(?:on|for|about|re|to|:|-|@lead|call|meeting|viewing|email|a|an|that)?")),
    (0.95, re.compile(r"\b(?:log|logged|record)\b")),
    (0.9, re.compile(r"^(?:i\s+|we\s+|just\s+|i just\s+|we just\s+|i've\s+|we've\s+|i have\s+|have\s+|also\s+)*(?:called|phoned|rang|spoke|spoken|talked|chatted|met|emailed|e-mailed|mailed|texted|messaged|wrote|showed|toured|visited|sent|gave|took|did|had|caught up|hosted|walked|dropped|left|shot|flicked)\b")),
    (0.9, re.compile(r"\b(?:i|we)\s+(?:just\s+|have\s+|had\s+|'ve\s+|already\s+)?(?:called|phoned|rang|spoke|spoken|talked|chatted|met|emailed|e-mailed|mailed|texted|messaged|wrote to|showed|toured|visited|sent|gave|took|did|had|caught up|hosted|left)\b")),
    (0.9, re.compile(r"@lead\s+(?:and i|& i|and me)\s+(?:had|met|spoke|talked|did|chatted|grabbed|caught up|went)\b")),
    (0.85, re.compile(r"\b(?:missed call|missed a call|returned (?:@lead|his|her|their)(?:'s|')?\s*(?:call|email|message))\b|\b(?:email|e-mail|message|text|brochure|contract|offer|proposal|info|details|price ?list|floor ?plans?|docs|documents)\s+(?:was\s+|were\s+)?sent\s+(?:over\s+)?to\b")),
    (0.85, re.compile(r"\(\s*note\s*\)|\bnote\s*\)?\s*[.!]*$|,?\s*(?:log|note|record) (?:it|that|this)\s*[.!]*$")),
    (0.85, re.compile(r"^@lead\s+(?:called|rang|phoned|emailed|e-mailed|mailed|texted|messaged|wrote|came|stopped by|dropped by|popped|visited|replied|got back|rang|showed up|turned up)\b")),
    (0.85, NOTE_START),
    (0.85, SOFT_NOTE_START),
    (0.85, re.compile(r"\b(?:got|just got|came|am|i'm|i am) back from (?:the |a |our )?(?:site|viewing|showing|meeting|tour|inspection|open (?:house|home)|property|show (?:flat|home|unit|apartment))\b|\b(?:got|just got|came) off the phone\b|\bon the phone with\b|\bhad (?:a|an|our)\b.*\b(?:call|meeting|chat|viewing|conversation|catch up|tour|visit|zoom|coffee|lunch)\b|\bdid (?:a|an|the)\b.*\b(?:viewing|tour|visit|call|walkthrough)\b")),
    (0.8, re.compile(r"\b(?:call|meeting|viewing|tour|site visit|visit|chat|conversation|zoom|coffee|lunch|email)\b(?:\s+\S+){0,7}\s+(?:went|was|done|finished|completed|is done|over|complete|ok|okay|good|great|well|positive|fine)\b")),
    (0.8, re.compile(r"\b(?:viewing|call|meeting|tour|site visit|inspection|showing|open (?:home|house)|walk-?through|visit|appraisal)\s+(?:done|complete|completed|finished)\b")),
    (0.75, re.compile(r"\b(?:call|meeting|viewing|tour|site visit|chat|zoom|phone call|video call|lunch meeting|coffee|inspection|walkthrough|walk-through|showing|conversation|catch up|catch-up|lunch|dinner|drinks|face-to-face|visit)\s+(?:with|w|w/|for)\s+" + L)),
    (0.75, re.compile(r"@lead\s+(?:call|meeting|viewing|tour|site visit|chat)\b")),
    (0.7, re.compile(r"\b(?:voicemail|no answer|didn't pick up|no reply)\b|\bdid(?:n't| not) answer\b|\bnot (?:answering|picking up|reachable)\b|\bunreachable\b|\bswitched off\b|\bno pick\s?-?up\b|^(?:i\s+)?tried (?:@lead|him|her|them)\b|\b(?:dm(?:'?d|ed)|inboxed|pinged) (?:@lead|him|her|them)\b")),
    (0.8, re.compile(r"^@lead\s+(?:(?:and|&)\s+(?:his|her|their)\s+\w+\s+)?(?:walked (?:through|round|around)|looked (?:at|round|around)|toured|viewed|saw|inspected|checked out)\b")),
]

PAST_INTERACTION = re.compile(
    r"\b(?:told @lead|informed @lead|updated @lead|let @lead know|touched base|checked in with|connected with|got hold of|got through to|heard (?:back )?from|facetimed|zoomed|skyped|video[- ]called|shot (?:@lead|him|her|them) (?:a|an)|fired off|hopped on|jumped on|discussed|went over|went through|presented|pitched|reached|tried (?:calling|to call|to reach|phoning|emailing)|couldn't reach|could not reach|got (?:an? )?(?:email|call|message|text|reply|voicemail) from|received|replied|responded|forwarded|shared|spent (?:time|an hour|\S+ hours?|\S+ minutes?|the morning|the afternoon) with|took @lead (?:round|around|to)|came (?:back|for)|no[- ]show|didn't show|did not show|didn't turn up|showed up|turned up|negotiated|explained|walked @lead|caught|called|phoned|rang|spoke|spoken|talked|chatted|met|emailed|e-mailed|mailed|texted|messaged|whatsapped|wrote|showed|shown|toured|visited|saw|viewed|checked out|inspected|grabbed|hosted|followed up|caught up|dropped (?:in|into|by)|popped (?:in|into|by)|came (?:in|by|over|to)|returned|missed|sent|left (?:a |him |her |them )?(?:voicemail|message|note)|finished|wrapped up|completed|attended|had (?:a|an|the|our|my|his|her|lunch|coffee|dinner|drinks|breakfast)|did (?:a|an|the|my))\b"
)
FOLLOW_RULES = [
    (1.0, re.compile(r"\bremind(?:er|ers)?\b|\bremnd\b|\bping me\b|\bnudge me\b|\balert me\b|\bnotify me\b|\bto-?do\b|\bdon't let me forget\b|\b(?:don't|dont|do not) forget\b|\bremember to\b|\bmake sure (?:i|we) (?:call|email|send|text|ring|follow|chase|check)\b|\bset (?:up )?(?:a |an )?(?:reminder|task|follow\s*-?\s*up|alarm)\b|(?<!payment )(?<!construction )(?<!delivery )(?<!build )(?<!viewing )(?<!work )(?<!billing )(?<!fee )(?<!price )(?<!pricing )(?<!the )(?<!a )(?<!my )(?<!your )(?<!his )(?<!her )(?<!their )(?<!our )\b(?:re-?)?schedul\w*\b(?!\s+of\b)|\bprepone\w*\b")),
    (0.95, re.compile(r"\b(?:pop|put|pencil|book|slot|squeeze) (?:@lead|him|her|them) in\b|\bin (?:the|my|our) (?:diary|calendar)\b|\bfollow\s*-?\s*up\b|\b(?:ping|nudge|poke|bug|chase|hassle)\s+(?:@lead|him|her|them)\b|\bcheck in (?:with|on)\b|\bcircle back\b|\bchase\b|\bchasing\b|\bcall (?:@lead|him|her|them)\s+back\b|\bget back to\b|\brevert (?:back )?to\b|\breach out to\b|\btouch base\b")),
    (0.9, re.compile(POLITE + r"(?:book|arrange|set up|setup|organi[sz]e|plan|pencil in|line up|fix up)\b(?=.*(?:@lead|him|her|them|call|meeting|viewing|tour|visit|chat|appointment|showing|it\b|one\b|zoom|coffee|lunch))")),
    (0.9, re.compile(r"\b(?:need to|have to|must|should|got to|gotta|going to|gonna|i'll|i will|we'll|we will|want to|plan to|planning to)\s+(?:call|ring|phone|email|e-mail|text|meet|visit|see|contact|send|check|follow|chase|show)\b")),
    (0.85, re.compile(POLITE + r"(?:try|call|ring|phone|email) (?:again|back|later)\b")),
]
SEND_TASK = re.compile(POLITE + r"(?:send|forward|share|get|tell|inform|update|remind|let|ask|revert to|revert back to|reply to|respond to)\s+(?:@lead|him|her|them)\b|" + POLITE + r"(?:send|forward|share)\s+(?:\S+\s+){1,4}?(?:to|with)\s+(?:@lead|him|her|them)\b")
IMPERATIVE_CONTACT = re.compile(POLITE + r"(?:call|ring|phone|email|e-mail|text|meet|visit|see|contact|send|message|show|flick|give (?:@lead|him|her|them) a (?:bell|buzz|ring|call))\b(?!\s+me\b)")
WANTS_INTERACTION = re.compile(r"\b(?:wants?|would like|'d like|asked for|asked to|requested|needs?|keen to)\s+(?:a|an|another|to)\s+(?:second\s+|2nd\s+|follow-up\s+|follow up\s+)?(?:viewing|meeting|call|tour|visit|see it again|view|see|visit|meet|come in|come by|talk|call|speak)\b")

STATUS_VERB = re.compile(
    POLITE + r"(?:move|moved|mark|marked|set|change|changed|update|updated|put|switch|switched|flag|flagged|upgrade|upgraded|downgrade|reset|bump|bumped|promote|demote|close|tag|make|shift|push|drop|convert|status)\b"
)
STATUS_WORD_STATE = re.compile(
    r"\b(?:status|stage)\b|\b(?:is|are|'s|was|has been|have been|now|went|gone|got)\b|^\s*@lead\s*(?::|-|to|=)|^@lead\s*$|^\s*$"
)


BACK_TO_STATUS = re.compile(r"^@lead\s*(?::|-|,)?\s*(?:(?:is|now|back|moved|goes|gone)\s+)*(?:in|into|to|as|at)\s+(?:the\s+)?follow\s*-?\s*up(?:\s+(?:stage|status))?\s*[.!]*$")


@dataclass
class ClauseIntent:
    intent: str | None
    score: float
    second: tuple[str, float] | None = None
    weak: bool = False  # only inferred (a lead and a kind of contact): defer to a clause before it
    remark: bool = False  # a remark about a lead ("grace wants the plan"): context of a request beside it


def find_status(text: str) -> tuple[str, tuple[int, int]] | None:
    """The status a clause names: one right after "to/as/is now" first, else the earliest."""
    hits: list[tuple[int, str, tuple[int, int]]] = []
    for status, rx in STATUS_RULES:
        for m in rx.finditer(text):
            hits.append((m.start(), status, m.span()))
    if not hits:
        return None
    hits.sort()
    for pos, status, span in hits:
        if STATUS_TARGET.search(text[:pos]):
            return status, span
    return hits[0][1], hits[0][2]


def specific_kind(text: str) -> str | None:
    for kind, rx in KIND_RULES:
        if rx.search(text):
            return kind
    return None


def find_kind(text: str) -> str | None:
    """Note when the clause opens as a note; else the purpose ("for a viewing"); else the first
    specific cue; else "call" for talk in general."""
    if NOTE_START.match(text):
        rest = NOTE_START.sub("", text, count=1)
        if not re.match(r"\s*(?:a |an |the )?(?:call|meeting|viewing|email|phone call|site visit|tour)\b", rest):
            return "note"
    soft = SOFT_NOTE_START.match(text)
    if soft:
        # Only a kind said up front counts: "log: call with X", "record that I met X".
        rest = text[soft.end():]
        lead_in = re.match(r"\s*(?:(?:my|our|a|an|the|i|we|just|had|have|did|quick|short|long|good|great)\s+)*(?:call|phone call|meeting|viewing|email|site visit|tour|coffee|lunch|zoom|chat|called|met|emailed|mailed|showed|spoke|talked|phoned|rang|toured|visited|texted)\b", rest)
        kind = find_kind(lead_in.group(0)) if lead_in else None
        return kind or "note"
    purpose = VIEWING_PURPOSE.search(text)
    if purpose and not WISH_BEFORE.search(text[: purpose.start()]):
        return "viewing"
    m = KIND_PURPOSE.search(text)
    if m:
        word = m.group(1)
        return {"tour": "viewing", "site visit": "viewing", "showing": "viewing", "coffee": "meeting",
                "lunch": "meeting", "chat": "call"}.get(word, word)
    best: tuple[int, str, re.Match[str]] | None = None
    for kind, rx in KIND_RULES:
        m = rx.search(text)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), kind, m)
    if best:
        if best[1] == "meeting" and GENERIC_MEETING.fullmatch(best[2].group(0)) and VIEWING_PLACE.search(text):
            return "viewing"
        return best[1]
    return "call" if GENERIC_TALK.search(text) else None


# A verb right after "with", "through", "from", "at" is not an action but the name of whoever it
# is with: a bank or a firm ("pre-approved w/ Chase", "financing through Chase").
NAME_AFTER_PREPOSITION = re.compile(
    r"\b(?P<p>with|through|from|at|via)\s+(?:/\s+)?(?:chase|ping|nudge|poke|hassle|remind|schedule|book|contact|ring|follow)\b(?!\s*(?:up|in|back|through)\b|-)"
)


def classify(text: str, *, is_question: bool, has_lead: bool, has_future_due: bool, has_past_marker: bool) -> ClauseIntent:
    """The intent of one clause of an agent's message (``None`` when it carries none)."""
    t = NAME_AFTER_PREPOSITION.sub(r"\g<p> firm", text.strip())
    if not t:
        return ClauseIntent(None, 0.0)
    if re.match(r"^(?:status\s+)?update\s*:?\s*(?:for\s+|on\s+)?@lead\s*[:\-]?$", t):
        # "update: John Doe - negotiating"; what follows says what the update is.
        return ClauseIntent("update_status", 0.6, remark=True)
    if BACK_TO_STATUS.match(t):
        return ClauseIntent("update_status", 0.97)  # "diego: back in follow-up" names a stage, not a task
    if HELP.search(t) and not re.search(r"\b(?:remind|log|move|mark|set)\b.*@lead", t):
        return ClauseIntent("help", 0.95)
    scores: dict[str, float] = {}

    def bump(intent: str, s: float) -> None:
        if s > scores.get(intent, 0.0):
            scores[intent] = s

    if LISTING.match(t):
        return _route_question(t, has_lead=has_lead)
    question = is_question or bool(QUESTION_START.match(t))
    command = bool(COMMAND_VERB.match(t)) or (has_future_due and bool(PROPOSED_BOOKING.match(t)))
    if question and not command:
        return _route_question(t, has_lead=has_lead)

    for w, rx in SHOW_LEAD:
        if rx.search(t):
            bump("show_lead", w)
            break
    status = find_status(t)
    if status:
        if STATUS_VERB.match(t) or re.search(r"\b(?:status|stage)\b", t):
            bump("update_status", 0.95)
        elif re.search(L + r"\s*(?:'s\s*)?(?:is|are|'s|was|has been|have been|now|just|finally|:|-|to|=)", t) or re.search(
            r"^(?:we|i)\s+(?:have\s+|'ve\s+|just\s+)?(?:lost|won|closed)\b", t
        ):
            bump("update_status", 0.9)
        elif re.search(r"^(?:@lead\s+)?(?:is\s+|are\s+)?(?:now\s+)?(?:a\s+)?\S+(?:\s+\S+)?\s*(?:now)?\s*[!.]*$", t) or t.startswith(("lost", "won", "closed", "deal")):
            bump("update_status", 0.85)
        else:
            bump("update_status", 0.7)
    for w, rx in LOG_RULES:
        if rx.search(t):
            bump("log_interaction", w)
            break
    weak_log = False
    if PAST_INTERACTION.search(t):
        if has_lead or specific_kind(t):
            bump("log_interaction", 0.85)
        elif "log_interaction" not in scores:
            bump("log_interaction", 0.6)
            weak_log = True
    for w, rx in FOLLOW_RULES:
        if rx.search(t):
            bump("schedule_follow_up", w)
            break
    if has_future_due and IMPERATIVE_CONTACT.match(t):
        bump("schedule_follow_up", 0.9)
    if has_lead and not has_past_marker and SEND_TASK.match(t):
        bump("schedule_follow_up", 0.7)
    if has_future_due and not has_past_marker and find_kind(t) in ("call", "meeting", "viewing", "email") and "log_interaction" in scores and scores["log_interaction"] < 0.9:
        bump("schedule_follow_up", 0.85)
    if has_future_due and not has_past_marker and find_kind(t) in ("call", "meeting", "viewing") and "log_interaction" not in scores:
        bump("schedule_follow_up", 0.8)
    if WANTS_INTERACTION.search(t):
        # A wish ("she wants a second viewing") books something only when it says when.
        if has_future_due:
            bump("schedule_follow_up", 0.8)
        if scores.get("log_interaction", 0) < 0.9:
            scores.pop("log_interaction", None)
    # "log a note ...", "remind me to ...": the leading verb owns the clause.
    if re.match(POLITE + r"(?:remind|schedule|set (?:a |up a )?reminder|ping me|nudge me)\b", t):
        scores = {"schedule_follow_up": 1.0, **{k: min(v, 0.5) for k, v in scores.items() if k != "schedule_follow_up"}}
    elif re.match(POLITE + r"(?:log|record|add a note|add note|jot|note)\b", t) and not STATUS_VERB.match(t):
        scores = {"log_interaction": 1.0, **{k: min(v, 0.5) for k, v in scores.items() if k != "log_interaction"}}
    elif STATUS_VERB.match(t) and status:
        scores["update_status"] = 1.0
    if not scores:
        if has_lead and BARE_NAME.fullmatch(t):
            return ClauseIntent("show_lead", 0.6)
        if has_lead and LEAD_SAYS.match(t):
            return ClauseIntent("log_interaction", 0.6, weak=True, remark=True)  # "frank said the price is too high"
        if not has_lead and DOC_REQUEST.match(t) and (DOCS.search(t) or DATA_STRONG.search(t)):
            return _route_question(t, has_lead=False)  # "send me the floor plans for X", "give me my follow-ups"
        if not has_lead and len(t.split()) <= 6 and DATA_REQUEST.match(t):
            return _route_question(t, has_lead=False)
        if has_lead and find_kind(t):
            # A lead and a kind of contact, nothing else: an interaction to log (or book, if ahead).
            intent = "schedule_follow_up" if has_future_due and not has_past_marker else "log_interaction"
            return ClauseIntent(intent, 0.65, weak=True)
        return ClauseIntent(None, 0.0)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    top = ranked[0]
    second = ranked[1] if len(ranked) > 1 else None
    return ClauseIntent(top[0], top[1], second, weak=weak_log and top[0] == "log_interaction" and top[1] <= 0.6)


# What a lead said, wants or is doing, told to the bot: a note on the lead.
LEAD_SAYS = re.compile(
    r"^(?:fyi\s+)?@lead\s*(?:'s\s+|is\s+|has\s+)?(?:just\s+|also\s+|now\s+)?(?:said|says|mentioned|told (?:me|us)|feels|thinks|thinking|confirmed|let (?:me|us) know|informed|asked (?:about|for|if|whether)"
    r"|away|out (?:of (?:town|office|the country)|until|till)|travell?ing|abroad|on (?:holiday|vacation|leave)|sick|unwell"
    r"|prefers|likes|loved|liked|hated|didn't like|doesn't like|wants|would like|needs|looking for|budget|a budget|relocating|moving)\b"
)
# A lead named and nothing else ("Rose Fernandes please", "rose?").
BARE_NAME = re.compile(r"(?:(?:the )?(?:lead |client )?@lead\s*)+(?:please|pls|plz|thanks|thx)?\s*[?!.]*")
# Asking for a document or for facts about a project in the imperative.
DOC_REQUEST = re.compile(POLITE + r"(?:give|send|show|get|share|forward|find|pull up|bring up|fetch)\s+(?:me|us)\b|" + POLITE + r"(?:i need|i want|need|want)\s+(?:the|a|an)\b")
ABOUT_THING = re.compile(r"^(?:tell me (?:more )?about|what do you know about|info(?:rmation)? (?:on|about)|details (?:on|of|about)|describe|explain)\s+(?!you\b|yourself\b|me\b|myself\b)")
DATA_ABOUT_ME = re.compile(
    r"\bhow (?:many|much|often)\b.*\b(?:did|have|has|do|am|was|were|'ve) (?:i|we)\b"
    r"|\b(?:i|we) (?:have|got|'ve got)\b.*\b(?:today|tomorrow|tonight|this week|next week|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
    r"|\bmy (?:day|week|schedule|calendar|agenda|diary|numbers|stats)\b"
)
AGGREGATE = re.compile(r"\b(?:average|avg|total|sum|median|mean|conversion|win rate|close rate|how many|number of|count)\b")
DOCS_SHAPE = re.compile(
    r"^(?:is|are) there\b|^(?:does|do|will|can|would) (?:the |a |an |this |that )?(?!i\b|we\b|you\b|u\b)(?:\S+ ){1,4}(?:have|has|come with|include|includes|offer|allow|get)\b"
)
# A request for CRM figures said without a verb ("pipeline summary pls", "today's follow-ups").
DATA_REQUEST = re.compile(
    r"^(?:(?:my|our|the|all|today's|tomorrow's|this week's|overdue|open|pending|upcoming)\s+)*(?:pipeline|funnel|leads|deals|follow\s*-?\s*ups|followups|reminders|tasks|agenda|stats|numbers|dashboard)\b"
)


def _route_question(t: str, *, has_lead: bool) -> ClauseIntent:
    if has_lead and BARE_NAME.fullmatch(t):
        return ClauseIntent("show_lead", 0.6)  # "Rose?"
    for w, rx in SHOW_LEAD:
        if rx.search(t) and not re.search(r"\b(?:budget|status|stage|last|when|how many|how much|follow|remind)\b", t):
            return ClauseIntent("show_lead", w)
    if UNKNOWN_TOPICS.search(t) and not has_lead and not CRM_NOUNS.search(t):
        return ClauseIntent("unknown", 0.7)
    data = len(DATA_STRONG.findall(t)) + 0.3 * len(DATA_WEAK.findall(t))
    docs = len(DOCS.findall(t))
    if re.search(r"\b(?:my|our|i|we)\b.*\b(?:leads?|clients?|deals?|pipeline|follow\s*-?\s*ups?|buyers?|prospects?)\b", t):
        data += 2
    if re.search(r"\bwho (?:should|do|must|can|shall|needs?|to) (?:i |we )?(?:call|contact|email|chase|follow|see|meet|ring|prioriti[sz]e)\b|\bwho (?:is|are) (?:due|overdue|waiting)\b|\bwho to\b", t):
        data += 2
    if DATA_ABOUT_ME.search(t):
        data += 2  # "how many visits did I do", "what do I have tomorrow"
    if AGGREGATE.search(t) and DATA_STRONG.search(t):
        data += 1.5  # "the average deal size"
    if DOCS_SHAPE.search(t) and not has_lead and not CRM_NOUNS.search(t):
        docs += 1  # "is there power backup in X", "does the 3 bed come with ..."
    if docs and data < 1.5 and not has_lead:
        return ClauseIntent("ask_documents", 0.9 if docs >= 1 else 0.6)
    if not has_lead and data < 1 and ABOUT_THING.match(t):
        return ClauseIntent("ask_documents", 0.7)  # "tell me about Emerald Heights": a project
    if data >= 1 or has_lead:
        if docs > data + 1 and not has_lead:
            return ClauseIntent("ask_documents", 0.7, ("ask_data", 0.5))
        return ClauseIntent("ask_data", 0.9 if data >= 1.5 else 0.7)
    if docs:
        return ClauseIntent("ask_documents", 0.8)
    return ClauseIntent("unknown", 0.5)
