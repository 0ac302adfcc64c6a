"""What a lead's email reply means: unsubscribe, not interested, a meeting request, a question,
interest, an automatic reply, or something else.

The text is the visible part of the reply; a signature, a legal disclaimer or quoted mail left in it
is cut off first, and replies in other languages are read through their English (``lead_text``).
Cue lists are checked strongest first:

    auto_reply > unsubscribe > not_interested > meeting_request > question > interested > other

An automatic reply says nothing about the lead's intent (and often says "do not email this
address", which is not a request to stop marketing); a request to stop emailing outranks anything
a person adds to it; a refusal outranks politeness around it, unless a "but" turns it round ("not
the studio, but could we view the penthouse?"). A time put forward makes a meeting request. A
specific question about the offer is a question even when interest is voiced with it; asking for
the brochure or the next steps is interest.

When no cue fits, the small trained model in ``lead_model`` has its say.
"""
from __future__ import annotations

import re

from bot.understanding.lead_model import load_model
from bot.understanding.lead_text import AnyOf, normalise, trim_reply

_ME = r"(?:me|us|myself|my (?:e-?mail|email address|address|name|details|contact details|contact|data|info\w*|number|personal \w+|records?|files?|profile|account)|this (?:e-?mail(?: address)?|address|account|contact))"
_LIST = r"(?:(?:your|the|this|that|these|whatever|any|all|every|all of your|all your) )?(?:\w+ )?(?:mailing |email |e-mail |distribution |marketing |contact |call |subscriber )?(?:lists?|database|records?|system|crm|contacts|files?|mailings?)"
_CONTACT_VERB = r"(?:e-?mail\w*|contact\w*|messag\w*|send\w*|writ\w*|mail\w*|spamm?\w*|text\w*|bother\w*|harass\w*)"

AUTO_REPLY = AnyOf(
    r"\bout of (?:the )?office\b|\bauto(?:matic(?:ally)?|mated)?[\s-]*(?:reply|replies|response|respond\w*|generated|acknowledg\w*|message|notification)\b|\bautoreply\b|^auto\s*:"
    r"|\b(?:i am|i'm|i will be|i'll be|i shall be|currently)\s+(?:currently\s+|now\s+)?(?:away|out|off(?: work| sick)?|on (?:\w+ )?(?:leave|holiday|holidays|vacation|sabbatical|break)|travell?ing\w*|out of town|offline|unavailable|at a conference|abroad|overseas)\b(?=.{0,150}\b(?:until|till|til|return\w*|back|limited|access|urgent\w*|respond|reply|from|between|through|during|this week|connectivity|occasionally|when i)\b)"
    r"|\bon (?:annual|parental|maternity|paternity|sick|medical|study|compassionate|long service|extended|garden) leave\b|\bcurrently (?:on|away|out)\b.{0,150}\b(?:leave|holiday|vacation|office)\b"
    r"|\baway from (?:my|the) (?:desk|office|computer|email)\b|^(?:on|away on) (?:\w+ )?leave\b|\b(?:on|away on) (?:\w+ )?leave,? (?:until|till|returning|back)\b"
    r"|\b(?:limited|no|intermittent|restricted|sporadic|occasional|patchy) (?:access to (?:my )?)?(?:e-?mails?|inbox|connectivity|internet|wifi|signal)(?: access)?\b|\b(?:checking|check|read\w*) (?:my )?(?:e-?mails?|inbox|messages) (?:only )?(?:occasionally|intermittently|periodically|sporadically|twice|once|rarely)\b|\bonly (?:check|read|monitor) (?:my )?(?:e-?mails?|inbox|messages)\b"
    r"|\b(?:mailbox|inbox|e-?mail address|address|account|e-?mail account|email)\b[^.!?]{0,20}\b(?:is|are|isn't|aren't)? ?(?:not|no longer|never) (?:being )?(?:monitored|checked|in use|active|attended|read|used)\b"
    r"|\bunmonitored\b|\bunattended\b|\bno-?reply\b|\b(?:not|isn't|is not) (?:checked|monitored) (?:regularly|often|frequently)\b"
    r"|\bno longer (?:monitored|with (?:the|this|our) (?:company|firm|team|organi[sz]ation|business)|with [a-z]+(?=[.,])|work\w* (?:here|at|for|with)|employed|at \w+|in (?:this|my) role|in use|active)\b"
    r"|\b(?:has|have|i've|he's|she's) (?:now )?(?:left|moved on from|departed) (?:the (?:company|firm|business|organi[sz]ation|team)|[a-z]+(?: [a-z]+)?\.)|\bi have (?:now )?left\b|\b(?:i've|i have|has|have) moved on\b|\bmy replacement\b"
    r"|\bdo not reply to this\b|\bplease do not reply\b|\bthis is an automated\b|\bthis (?:message|email|reply|response) (?:was|is|has been) (?:sent|generated|automatic\w*)\b|\bunmonitored address\b"
    r"|\b(?:will not|won't) be (?:forwarded|read|actioned|answered)\b|\bfor (?:anything |any )?urgent(?:ly)? (?:matters|enquiries|inquiries|issues|requests|queries|help|assistance)?\b|\bif (?:your|the) (?:matter|enquiry|inquiry|query|request) is urgent\b|\bin my absence\b|\bduring my absence\b"
    r"|\b(?:your|the) (?:message|e-?mail|enquiry|inquiry|request|query|ticket|case)\b[^!?]{0,40}\b(?:has|have) been (?:received|logged|created|assigned|recorded|registered|forwarded)\b|\b(?:we have|we've) (?:received|logged|recorded|registered) your\b"
    r"|\bthank you for (?:your|the) (?:email|message)[.,!]?\s*(?:i am|i'm|we are|we're)\s+(?:currently\s+)?(?:away|out|off)\b"
    r"|\b(?:we|i)(?:'ll| will| aim to| endeavou?r to) (?:get back to you|respond|reply|be in touch|contact you)\b[^.!?]{0,80}\bwithin\b|\bwithin \d+ (?:working |business )?(?:hours|days)\b|\bnext (?:business|working) day\b|\bon my next working day\b"
    r"|\b(?:ticket|case|reference|ref)(?: number| no\.?| id)?\s*(?:is\s*)?[:#\s]*\d{3,}|\bticket (?:created|opened|logged|raised)\b|\bour office hours are\b|\boffice (?:is|will be) closed\b|\bdelivery (?:notification|status)\b"
    r"|\b(?:will|'ll) (?:respond|reply|get back to you|return your (?:email|message)|be (?:back|in touch)|deal with (?:it|your \w+))\b.{0,150}\b(?:on my return|when i(?:'m| am) back|when i return|upon my return|as soon as (?:possible|i can|i'm back)|asap|business days|working days|from \d)\b"
    r"|\b(?<!me )(?<!us )(?<!you )(?<!get )(?<!come )(?<!call )(?<!ring )(?<!phone )back (?:in the office |at my desk |at work )?on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|the \d)|\breturning (?:on )?(?:monday|tuesday|wednesday|thursday|friday|\d)"
    r"|^(?:i am|i'm) (?:away|out|off)\b[^.!?]{0,80}[.!]? back (?:soon|shortly|later|tomorrow|on|next)\b"
    r"|\b(?:on|taking|out on|off on|currently on) (?:pto|vacation|leave|holiday|jury duty)\b[^.!?]{0,60}\b(?:until|till|through|thru|back|return\w*)\b|\bpto (?:until|till|through|thru)\b|^(?:i'm|i am|currently) (?:on|away on) (?:\w+ )?leave\s*[.!]"
    r"|\b(?:responses?|replies|my reply|replying) (?:may|might|will) be (?:delayed|slower|slow)\b|\b(?:delayed|slow|slower) (?:responses?|replies)\b"
    r"|\b(?:no longer|not) (?:handl|cover|manag|look)\w* (?:\w+ )?(?:enquiries|inquiries|requests|queries|accounts?|sales|this)\b.{0,80}\b(?:contact|email|e-mail|reach|write to|forward\w*)\b"
    r"|\bcheck\w* (?:my )?(?:e-?mails?|inbox|messages)\b[^.!?]{0,40}\bonly\b|\b(?:we are|we're|(?:the |our )?offices? (?:is|are|will be)) (?:currently )?closed\b|\bwill (?:re-?open|be back open)\b"
    r"|\b(?:address|account|mailbox|inbox)\b[^.!?]{0,20}\bno longer (?:active|valid|in use|exists?)\b|\bplease update your (?:records|contacts|address book)\b"
)
UNSUBSCRIBE = AnyOf(
    r"\bunsubscrib\w*\b|\bun-subscribe\b|\bopt(?:ing|ed)?[\s-]?(?:me\s+|us\s+)?out\b|\bopt-?out\b"
    r"|\b(?:remove|delete|erase|purge|wipe|scrub|strike) " + _ME + r"\b(?:[^.!?]{0,40}\b(?:off|from|out of)\b)?"
    r"|\b(?:remove|delete|erase|purge|wipe|take) (?:it|them) (?:off|from|out of) " + _LIST + r"\b"
    r"|\b(?:drop|exclude|strike|cross|scratch|unenrol\w*|unenroll\w*|unlist) (?:me|us|my (?:name|email|address|details))(?: off)? (?:from|off)\b|\b(?:lose|forget|bin|ditch|trash|shred|burn) (?:my|our) (?:e-?mail(?: address)?|address|number|details|contact details|contact info\w*|data|info\w*)\b"
    r"|\bstop (?:getting|receiving) (?:these|this|them|your|emails|the emails|messages)\b|\bmy (?:e-?mail(?: address)?|address|details|number|data|info\w*|contact details)\b.{0,80}\b(?:remove|delete|erase|wipe|purge|bin|destroy) (?:it|them)\b"
    r"|\b(?:can|could|would|will) you (?:please )?not (?:e-?mail|contact|message|send|write|mail|text)\w*\b|\bmake (?:it|this|them|these emails|the emails) stop\b|\b(?:why (?:am i|do i|are you) still|i'?m still|i am still|we'?re still|still keep|you keep) (?:getting|receiving|being sent|sending|emailing)\b"
    r"|\b(?:asked|requested|told you|said)\b[^.!?]{0,30}\b(?:to be (?:removed|unsubscribed|taken off|deleted)|(?:you )?to (?:remove|unsubscribe|delete|stop))\b|\b(?:already|previously) (?:unsubscribed|opted out)\b"
    r"|\b(?:didn't|did not|wouldn't|would not|could stop|no longer|stopped) (?:e-?mail|contact|messag|send|writ|mail|spam|text|call)\w*(?: (?:me|us|this address))?\b[^.!?]{0,40}\b(?:again|anymore|any more|in future|in the future|further|going forward)\b"
    r"|\btake (?:me|us|my \w+(?: \w+)?) off\b|\boff (?:of )?" + _LIST + r"\b"
    r"|\b(?:my|personal|our) (?:\w+ )?(?:data|details|information|info|email|e-?mail address|address|records?)\b[^.!?]{0,30}\b(?:deleted|erased|removed|purged|wiped|destroyed)\b"
    r"|\bright (?:to|of) (?:erasure|be forgotten|object)\b|\bdeletion of (?:my|all|our)\b|\bgdpr\b|\bdata protection (?:act|law|regulation|rights?)\b|\bprivacy (?:act|law|laws|rights?)\b|\bccpa\b|\bcan-?spam\b"
    r"|\b(?:stop|cease|quit|discontinue|end|halt|refrain from)\w* (?:all )?" + _CONTACT_VERB + r"\b|\b(?:stop|cease|discontinue|end|halt|refrain from)\w* (?:all |any )?(?:further )?(?:communication|correspondence|contact|marketing|emails?|messages|mailings|newsletters)\b"
    r"|\b(?:do not|don't|never|please don't|please do not) " + _CONTACT_VERB + r"\b[^.!?]{0,80}\b(?:me|us|again|anymore|any more|in future|in the future|further|this address)\b"
    r"|\b(?:do not|don't|never|no longer) (?:wish|want|like|consent|care|need) (?:to )?(?:receive|get|hear|be contacted|be emailed|receiving|any)\b(?![^.!?]{0,80}\b(?:call|calls|phone)\b)|\b(?:prefer|rather) not (?:to )?(?:receive|get|be contacted|be emailed|hear)\b|\bcease and desist\b|\bdon't want to hear from\b|\bdo not want to hear from\b"
    r"|\b(?:no|not any|don't get any|not get any|stop the) (?:more|further) (?:e-?mails?|messages?|contact|marketing|newsletters?|mail\w*|correspondence|communications?|spam|of (?:these|this|your))\b|\bany (?:more|further) (?:of these|e-?mails|newsletters|marketing)\b[^.!?]{0,80}\b(?:don't|do not|stop|no)\b|\b(?:make sure|ensure) i (?:don't|do not) (?:get|receive)\b"
    r"|\bmailing lists?\b|\bdistribution lists?\b|\b(?<!in )(?<!to )(?<!into )(?<!in my )(?<!to my )(?<!in the )(?<!to the )(?<!my )spam\w*\b(?! (?:folder|filter|box|bin|trap))|\bjunk mail\b|\b(?:did not|didn't|never) (?:sign|opt|subscrib|agree|ask|register)\w*(?: up| in| to)?\b(?! for (?:a|the) (?:viewing|call|meeting))"
    r"|\b(?:want|need|like|have|get|would like) (?:them|it|this|my \w+(?: \w+)?|all (?:of )?(?:it|them|my \w+)) (?:deleted|erased|removed|purged|wiped|destroyed)\b"
    r"|^\s*(?:please\s+)?(?:stop|remove|unsub|unsubscribe|delete|stop it|remove me)\s*[.!]*\s*(?:$|please\b|thanks?\b|thank you\b)|[.!]\s*stop\s*[.!]*\s*$|^stop[.!]|\bkeep (?:sending|emailing|spamming|contacting|mailing)\b|\bstop (?:it|this|these|this now)\b|\bleave me alone\b|\bnever (?:signed|opted|subscribed|agreed)\b"
    r"|\bhow did you get my (?:email|address|details|number|contact)\b[^.!?]{0,80}[.!?]\s*(?:remove|delete|erase|stop|take)|\b(?:like|want|wish|ask|asking|request|requesting|need|prefer) (?:to be|being) (?:removed|unsubscribed|taken off|deleted|erased|opted out|left off)\b|\bobject\w* to\b[^.!?]{0,80}\b(?:processing|marketing|use of my|direct marketing)\b|\bprocessing of my (?:personal )?(?:data|information|details)\b|\bwithout my (?:consent|permission)\b|\bnever (?:given|gave) (?:you )?(?:my )?(?:permission|consent)\b|\bdo not consent\b"
)
NOT_INTERESTED = AnyOf(
    r"\bnot (?:really |at all |very |too |that |overly |particularly )?(?:interested|keen|bothered)\b|\b(?:no longer|n't|not|never) (?:really |very |that )?(?:interested|keen)\b|\bno interest\b|\bnot for (?:us|me)\b|\b(?:isn't|is not|not really|wasn't|was not|doesn't seem|don't think (?:this|it|that)(?:'s| is)?) (?:really )?(?:for (?:us|me))\b|\bno,? thanks?\b|\bno,? thank you\b|\bthanks,? but no\b|\bno,? ta\b"
    r"|\bnot (?:really )?(?:what|quite what) (?:we|i)(?:'re|'m| are| am| were| was)? (?:after|looking for|want|need|wanted|needed|had in mind|searching for)\b|\bnot what (?:we|i)\b"
    r"|\b(?:doesn't|does not|don't|do not|didn't|won't|will not|wouldn't) (?:really )?(?:suit|fit|work for|meet|tick|match|interest|appeal)\b|\bnot (?:suitable|right) for (?:us|me)\b"
    r"|\b(?:not|isn't|is not|wasn't|was not|not really|no longer|not quite) (?:a |the )?(?:good |great |right |real |strong |perfect )?(?:fit|match|time|timing|moment)\b|\b(?:timing|time) (?:isn't|is not|wasn't) (?:right|great|ideal|good)\b"
    r"|\bnot looking\b|\bno longer looking\b|\bnot (?:in|on) the market\b|\b(?:no longer|not|out of the|not currently) (?:in the )?market\b"
    r"|\b(?:bought|purchased|found|rented|leased|signed|settled|secured|chose|chosen)\w* (?:\w+ )?(?:elsewhere|somewhere else|something else|another|a different|other|with (?:a|another)|through (?:a|another))\b|\b(?:through|with|from) (?:another|a different|other|a competing|a rival) (?:agent|agency|developer|broker|realtor|firm|company|builder|estate agent)\b"
    r"|\balready (?:bought|purchased|found|signed|rented|chosen|settled on|committed to|secured|got|moved|sorted)\b|\b(?:have|we've|i've|just|recently) (?:bought|purchased|signed|rented|settled on|committed to|moved)\b|\b(?:we|i) (?:bought|purchased|found|rented|moved into|signed for) (?:a|an|our|my) (?:\w+ )?(?:house|home|flat|place|property|apartment|unit|condo|villa|townhouse)\b|\bfound (?:somewhere|something|another|a place|a home|a flat|a house)\b|\boffer (?:was |has been |got )?accepted\b"
    r"|\b(?:went|gone|going|go|chose|choosing|signed|signing|sticking|stick|stay|staying|decided to go|ended up going) (?:with|for) (?:another|a different|someone else|a competitor|other|our current|our existing|a rival|the other)\b|\b(?:go|going|went|gone|look|looking|buy|buying|bought) elsewhere\b|\ba different (?:direction|route|option)\b"
    r"|\b(?:we'll|we will|i'll|i will|we're going to|i'm going to|going to|will|have to|gonna|must|shall) (?:have to )?(?:pass|decline|give (?:it|this|this one|that) a miss|leave it|sit this (?:one )?out)\b|\bpass on (?:this|it|that)\b|\bwe pass\b|\bgive (?:it|this|this one|that) a miss\b|\bwe'll leave it\b|\bleave it (?:there|for now)\b"
    r"|\b(?:rent|renting|stay|staying|wait|waiting|keep renting|build|building|buy (?:locally|closer|nearer))\b[^.!?]{0,80}\binstead\b|\b(?:i|we) (?:don't|do not|no longer) (?:want|need) (?:it|this|that|one|them|this one|a \w+)\s*[.!]*$|\b(?:maybe|perhaps|possibly) (?:next year|later|in the future|another time|some other time|down the (?:line|track|road)|in a (?:few|couple of) (?:years|months)|one day|in (?:a|the) (?:year|new year))\b|\b(?:won't|will not|isn't|is not|not) (?:be )?necessary\b|\bit's a no\b|^(?:we're|i'm) out\s*[.!]*$|\b(?:stick|sticking|stay|staying|remain|remaining) with (?:my|our|the) (?:current|existing|present)\b|\bchanged (?:our|my) minds?\b|\b(?:gone|went|going) (?:cold|off) (?:on )?(?:the idea|it|this|buying|moving)\b|\bcold feet\b|\bdecided (?:not|against|to rent|to stay|to wait|to keep|to go|to buy elsewhere|to look elsewhere|to hold)\b|\b(?:have|we've|i've|we|i) decided\b[^.!?]{0,80}\b(?:not|against|elsewhere|rent|stay|isn't|is not|aren't|won't|can't|cannot|don't|do not|no longer)\b|\b(?:isn't|is not|not) something (?:we|i)\b|\bmade (?:our|my|a) decision\b"
    r"|\bnot (?:at this time|at this point(?: in time)?|right now|now|for now|at the moment|at present|at this stage|this year|currently|something (?:i'm|we're|i am|we are) considering)\b|\bnot the right time\b|\bno longer (?:required|needed|necessary|relevant|buying|moving|pursuing|proceeding|an option)\b|\bnot relevant\b"
    r"|\bout(?:side)? (?:of )?(?:our|my) (?:budget|price range|reach|league|means)\b|\bbeyond (?:our|my) (?:budget|means|price range)\b|\bout of (?:reach|budget)\b|\btoo (?:expensive|pricey|high|steep|dear|costly|far|small|big|much for)\b|\b(?:price|cost|prices)\b[^.!?]{0,15}\btoo high\b|\bcan't afford\b|\bcannot afford\b|\bcan not afford\b"
    r"|\bnot (?:buying|moving|proceeding|pursuing|going ahead|going forward|interested)\b|\b(?:won't|will not|not|don't|do not|aren't|are not) (?:be )?(?:pursuing|proceeding|moving forward|moving ahead|going ahead|going forward|taking (?:this|it|things) (?:any )?further|buying|purchasing|investing)\b|\bnot (?:be )?(?:pursuing|proceeding|taking (?:this|it) (?:any )?further)\b"
    r"|\bstay(?:ing)? (?:put|where (?:we|i) (?:are|am))\b|\bhappy (?:with|where) (?:our|my|we are|i am|i'm|we're)\b|\bhappy (?:renting|to keep renting|staying|to stay|as we are|as i am)\b|\b(?:that's|it's|that is|it is|this is) a (?:no|hard no|pass|firm no)\b|\ba (?:no|pass) from (?:me|us)\b|\b(?:says|said) no\b|\b(?:way |well |a bit |slightly |far |just |a little )?(?:over|above) (?:our|my) (?:budget|price range|limit)\b|\b(?:all|already) sorted\b|\bwe're sorted\b|\bdon't bother\b|\b(?:don't|do not) need (?:anything|it|one|a|another)\b|\bno need\b"
    r"|^\s*(?:no|nope|nah)(?:[\s,.!]+(?:no|nope|nah))*[\s.!]*$|^(?:yeah|yes|yep|sure|ok|okay|um|erm|hmm)\W+(?:no|nope|nah)\b[\s.!]*$|^\s*(?:no|nope|nah)\b[,.!]?\s*(?:thanks?|thank you|ta|cheers|sorry|we're good|i'm good|not for me|not interested|mate)\b|\bnot keen\b|^(?:i |we )?(?:don't|do not) think so\b|\b(?:we're|we are|i'm|i am) (?:all )?set(?:,? thanks?| thank you)?\s*[.!]*$"
    r"|\b(?:have to|must|will|'ll|going to|i|we|regretfully|respectfully|politely) declin\w*\b|\bdeclin(?:e|ing) (?:the|your|this|that)\b|\b(?:we|i) (?:will )?(?:have )?declined\b"
    r"|\bhold(?:ing)? off\b|\b(?:put|putting|placed|are|is|be|on) (?:\w+ )?(?:plans? |search |move |things |everything )?on (?:hold|ice|the back burner)\b|\bnot (?:ready|in a position) to\b|\bnot in a position\b|\b(?:no|don't have any|not have any) (?:plans?|intention) to (?:buy|move|purchase|invest|relocate)\b"
    r"|[.!?]\s+(?:so,? )?(?:hard |i'?ll |we'?ll )?pass[\s.!]*$|\bcan(?:'t|not) (?:swing|stretch to|justify|afford) (?:it|that|this|the price|this price|that price|those numbers|that much)\b"
    r"|^\s*(?:hard |i'?ll |we'?ll |i |we )?pass\b[\s,.!]*(?:thanks?|thank you|cheers|for now|on (?:this|that|it)(?: one)?|sorry)?[\s,.!]*$|\bhard pass\b|\bbow(?:ing)? out\b|\bnot (?:in|on) the cards\b|\b(?:not|no longer) a priority\b"
    r"|\b(?:closed on|bought|purchased|signed a lease (?:on|for)|moved into|settled on|under contract (?:on|for)|in contract (?:on|for)) (?:a|an|our|my|another|one|some) (?:\w+ )?(?:house|home|flat|place|property|apartment|unit|condo|villa|townhouse|townhome|loft|bungalow|cottage|duplex|penthouse|studio)\b"
    r"|\b(?:we'?re|we are|i'?m|i am|already|just went|now) under contract\b|\bunder contract (?:with|elsewhere)\b|\btoo rich for\b|\b(?:bought|purchased|found (?:one|a place|something)|signed) already\b"
    r"|\U0001f644|\byeah,? right\b|\bdream on\b|\bin your dreams\b|\bnice try\b|\blol,? no\b|\bwhen pigs fly\b|\bwin the lottery\b|\bmoney tree\b|\bspare (?:million|mil|\$)"
    r"|\bnot (?:looking|planning|thinking) (?:to|of|about) (?:buy|invest|move|purchase|relocat)\w*\b|\bwe're good\b|\bi'm good,? thanks\b|\bplease don't (?:call|contact|follow up)\b|\bplease do not follow up\b|\bno (?:further )?follow[- ]?ups?\b|\bunfortunately (?:not|no)\b|\bi'm afraid (?:not|we|i)\b"
)
MEETING = re.compile(
    r"\b(?:meet|meeting|meet up|catch up|get together|viewing|viewings|view it|view the|view (?:a|one|this|that|unit|apartment|flat|house|property|home)|inspect\w*|walk-?through|walk (?:round|around|through)|show (?:me|us) (?:round|around|through|the|it|over)"
    r"|see (?:it|them|(?:the|a|this|that|your|one of the|some of the) (?:\w+ ){0,2}(?:flat|apartment|unit|property|place|house|home|show|units?|site|penthouse|villa|townhouse|duplex|studio|development|showroom|show ?home|model|plot|office|two-bed|one-bed|3-bed|2-bed|1-bed|lofts?|condos?|townhomes?|homes?|listing|space|building|lot|suite|rooms?|interior|layout|finishes|amenities|[1-5] ?b(?:r|d|ed)s?))|have a look (?:at|round|around) (?:the|this|that|your) (?:\w+ )?(?:flat|apartment|unit|property|place|house|home|show ?home|show ?flat|site|penthouse|villa|townhouse|studio|development|showroom|display suite|plot)"
    r"|come (?:to|into|down to|over to|by|round to|in to) (?:your|the) (?:office|showroom|sales|site|show|development|display)|(?:i|we) (?:can|could) (?:come|pop|swing|stop|drop|meet|visit)|visit|tour|showing|come (?:and |to )?(?:see|look|view|by|in|over|round)|come in to see|pop (?:in|by|into|round)|stop by|drop by|swing by"
    r"|call me|ring me|phone me|phone (?:me )?(?:back|on)|call (?:me )?(?:back|on)|give (?:me|us) a (?:call|ring|buzz|bell|tinkle)|(?:a|quick|short|brief) (?:call|chat|phone call)(?! (?:with|to) (?:my|our|his|her|their) )|(?:jump|hop|get) on (?:a|the) (?:call|phone|zoom)|video (?:call|chat)|zoom|teams call|facetime|whatsapp call"
    r"|appointment|book (?:a|an|in|me in)|schedule (?:a|an|the|in|me|us|some|time)|arrange (?:a|an|to|for|the|some|time)|organi[sz]e (?:a|an|some) (?:time|viewing|meeting|call|visit)|set up (?:a|some|an)|a time to (?:talk|meet|chat|speak|come|discuss)|(?:i'm|i am|we're|we are|i'll be|we'll be|i'd be|we'd be) (?:free|available|around) (?:on|at|this|next|tomorrow|today|for|from|any)|(?:free|available) for (?:a |an )?(?:call|chat|meeting|viewing|visit|tour|coffee)|are you (?:free|available|around)|are you able to meet|what time works|works for me|suit(?:s)? (?:me|you)|in person|face to face"
    r"|talk (?:on|tomorrow|today|next|this (?:week|morning|afternoon|evening)|at)|let's (?:talk|chat|speak|meet)|have a (?:chat|talk)(?! (?:with|to) (?:my|our|the|a) )|speak (?:on|tomorrow|today|next|this (?:week|morning|afternoon|evening)|at)|discuss (?:on|tomorrow|today|next|this (?:week|morning|afternoon|evening)|in person)|(?:viewing|visit|tour|inspection) slots?|times? (?:for|to) (?:a |the )?(?:viewing|visit|tour|call|meet)"
    r"|(?:can|could|may|shall) (?:we|i) (?:call|ring|phone|talk|chat|speak|meet|drop in|come over|stop in)|(?:happy|glad|keen|eager) to (?:talk|chat|meet|speak|jump on|hop on)|(?:can|could|shall) (?:we|i)\b[^.?!]{0,40}\b(?:talk|meet|chat|speak|talk on the phone)(?=\s*\?)|(?:good|best|convenient|better|suitable) time (?:for (?:you|us|me) )?to (?:talk|meet|chat|speak|call|ring|come|view|visit|discuss|connect)"
    r"|when (?:are|would|will) you (?:be )?(?:free|available|around)|when (?:can|could|shall) (?:we|i) (?:talk|meet|chat|speak|call|come|view|visit|see it|see the)"
    r"|(?:reach out|get in touch|contact (?:me|us))(?: (?:with|to) (?:me|us))? (?:by|via|on|over) (?:the )?(?:phone|telephone|mobile|cell|whatsapp)|have (?:someone|somebody|an agent|a rep\w*|one of your \w+) (?:call|ring|phone|contact|reach out)"
    r"|(?:connect|sync|touch base) (?:by phone|over the phone|on (?:the )?phone|this week|next week|tomorrow|today|on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)))\b"
)
# Questions about viewings rather than requests for one ("how long does a viewing take?").
MEETING_ABOUT = re.compile(
    r"\b(?:how long|how much|what happens|what's involved|what is involved|is there a fee|do i need)\b[^.?!]{0,80}\b(?:viewing|visit|tour|meeting|inspection)s?\b[^.?!]{0,80}\?\s*$"
)
QUESTION = re.compile(
    r"\?|(?:^|[.!;:\n-]\s*|\b(?:hi|hello|hey|thanks|also|and|but|ok|okay)[,!]?\s+)(?:what|what's|whats|which|who|whom|whose|when|where|why|how|is|isn't|are|aren't|does|doesn't|do|did|can|could|will|would|should|has|have|any|may|am)\b"
    r"|\b(?:i (?:was |am |'m )?(?:just )?wonder(?:ing)?|just wondering|i'd (?:like|love) to (?:know|understand|find out|check)|i would (?:like|love) to (?:know|understand|find out|check)|i (?:want|need) to (?:know|understand|find out)|(?:can|could|would) you (?:please )?(?:tell|confirm|let me know|explain|advise|clarify|check)|please (?:tell|confirm|let me know|advise|explain|clarify)|let me know (?:if|whether|what|when|how|which)|quick question|do you know|(?:wants?|wanted|would like|'d like|needs?) to know|(?:asked|asks|asking|wondered|wonders) (?:if|whether|what|how|when|where|which)|any (?:idea|chance|update)|i'd be grateful if you could (?:tell|confirm|explain)|curious (?:about|whether|if|to know))\b"
)
GENERIC_INFO = re.compile(
    r"\b(?:send|share|forward|email|e-mail|mail|pass|give|get|receive)\b.{0,150}\b(?:more |further |additional |some |full |the )?(?:info\w*|details|brochures?|floor ?plans?|price ?(?:lists?|sheets?)|pricing|(?:sales |info |information |welcome )?(?:pack|packet)s?|prospectus|particulars|specs?|specifications?|payment plans?|contract\w*|reservation forms?|booking forms?|paperwork|documents|docs|availability|spa)\b|\b(?:tell|let) me (?:know )?more\b|\bmore (?:info\w*|details)\b|\bnext steps?\b|\bhear more\b|\bknow more\b|\blearn more\b|\bwhat (?:do|should|would) (?:i|we) (?:need to )?do (?:next|now)\b|\bwhere do (?:i|we) sign\b|\bhow do (?:i|we) (?:sign|start|get started)\b|\bhow (?:do|can) (?:i|we) (?:proceed|reserve|secure|book one|buy one|go ahead)\b|\bget (?:the ball rolling|things (?:started|moving|going))\b|\bwhere do (?:we|i) go from here\b|\btake the next step\b"
)
INTERESTED = AnyOf(
    r"\binterested\b|\binterest(?:ing)?\b|\bkeen\b|\bsounds? (?:great|good|perfect|interesting|lovely|amazing|ideal|fantastic|brilliant|excellent|promising|like (?:just|exactly))\b|\blooks? (?:great|good|amazing|perfect|lovely|interesting|fantastic|brilliant|excellent|promising|ideal)\b|\bcount (?:me|us) in\b|\bi'?m in\b(?!\s+(?:a|an|the|my|our|meetings?|town|transit|\w+ing)\b)|\bput (?:my|our) names? down\b|\b(?:i'd|i would|we'd|we would) (?:like|love) (?:the|some|more|a|your) (?:\w+ )?(?:details|info\w*|brochure|floor ?plans?|price ?list|pricing|particulars|specs?)\b|\bwe'?re in\b(?!\s+(?:a|an|the|my|our|meetings?|town|transit|\w+ing)\b)|\byes,? please\b|\b(?:i'd|i would|we'd|we would) (?:like|love) to (?:receive|get|see|have|review|look at) (?:the|some|more|a|your|any) (?:\w+ )?(?:details|info\w*|brochure|floor ?plans?|price ?(?:list|sheet)s?|pricing|particulars|specs?|paperwork)\b|^\s*(?:yes|yep|yeah|yup|absolutely|definitely)\b|\bi'?d love\b|\bwould love\b|\blove (?:it|this|the)\b"
    r"|\bexactly what\b|\b(?:i|we) (?:want|need|'ll take|will take|would take) (?:one|two|it|this one|that one)\b(?![^.!?]{0,30}\?)|\bjust (?:what|the thing)\b|\bperfect for (?:us|me)\b|\bgo ahead\b|\bgo for it\b|\bproceed\b|\bsign (?:me|us) up\b|\bkeep (?:me|us) (?:posted|updated|in the loop|informed|in mind)\b|\bexcited\b|\bhappy to (?:proceed|go ahead|move forward|move ahead|sign)\b|\bmove (?:forward|ahead)\b|\btell me more\b|\bhear more\b|\bknow more\b|\blearn more\b|\bmore (?:info\w*|details)\b"
    r"|\b(?:send|email|e-mail|forward|share) (?:me |us )?(?:over |through )?(?:the |a |your |some )?(?:\w+ )?(?:brochure|floor ?plans?|details|info\w*|price ?list|contract\w*|spa|paperwork|agreement|reservation form|booking form|application|documents|docs|offer|payment plan|specification|spec)\b|\b(?:i|we) (?:really )?like (?:it|this|the|what)\b|\bdefinitely\b"
    r"|\breserv\w*\b|\b(?:put|pay|place) (?:down )?(?:a |the )?deposit\b|\bready to (?:buy|sign|proceed|commit|go ahead|move)\b|\b(?:make|put in|submit|place) an offer\b|\b(?:we|i)(?:'ll| will) take (?:it|one|the|two)\b|\bsecure (?:the|a|that|unit|one|lot)\b|\bhold (?:unit|it|one|the|that|lot)\b|\bput (?:me|us) down for\b|\badd (?:me|us) to (?:the|your) (?:\w+ )?(?:list|waitlist|waiting list|register)\b|\bpriority list\b|\bwait(?:ing)? ?list\b"
    r"|\b(?:want|wants|wanting|looking) to (?:buy|purchase|reserve|invest)\b|\b(?:could|might|would) (?:work|suit) (?:for )?(?:us|me)\b|\bwithin (?:our|my) budget\b|\bworks for (?:our|my) budget\b|\bstill (?:interested|keen|looking)\b|\bon board\b|\bsign\b"
)
SPECIFIC_QUESTION = re.compile(
    r"\b(?:price|prices|pricing|cost|costs|how much|service charges?|charges?|fees?|deposits?|parking|gym|pools?|concierge|completion|complete|completed|ready|handover|floors?|bedrooms?|beds?|size|sizes|big|sq|square|balcon(?:y|ies)|gardens?|pets?|dogs?|cats?|schools?|station|transport|far|near|mortgages?|flexib\w*|discounts?|freehold|leasehold|negotiable|furnished|kitchen|air conditioning|views?|foreigners|included|include|includes|available units|units? with|storage|security|lift|how many|when|where|which|rates?|tax|taxes|duty|yield|rent|lease|warranty|insurance|payment plans?|instal+ments?|financ\w*|interest[- ]free|down ?payments?|hoa|dues|closing costs?|utilities|garages?|elevators?|heating|cooling|laundry|basement|terrace|patio|vat)\b"
)

# Replies that are about the sender, not the offer ("who gave you my details?", "wrong person").
NOT_ABOUT_OFFER = re.compile(
    r"^(?:sorry,? |hi,? |hello,? )?(?:who|where|how) (?:\w+ )?(?:gave you|did you get|got|passed(?: on)?|shared|found|obtained|sent you|handed(?: over)?) (?:my|our) (?:details|number|phone number|email|e-?mail address|address|contact|info\w*|name)\b[^?]*\??$"
    r"|^(?:sorry,? )?(?:who (?:is|are) (?:this|you|[a-z]+)|who's (?:this|[a-z]+)|who is this)(?: from| with| about)?\s*[?.!]*$|\bdid you mean to (?:send|email|write)\b"
    r"|^(?:sorry,? |hi,? |hello,? )?(?:who (?:is|are) (?:this|you)|who's this)\b[^?]{0,60}\b(?:know me|get my|got my|have my|find me|reach me)\b[^?]*\??$"
    r"|\b(?:cc|copy in|copy|loop in|include|add) (?:my|our) (?:wife|husband|partner|assistant|colleague|pa|secretary|spouse|son|daughter|brother|sister|agent|lawyer|attorney|solicitor|accountant|broker|realtor|fiance|fiancee)\b"
    r"|\b(?:use|write to|send (?:it|this|everything|future emails|them) to) my (?:other|personal|work|new|home|business) (?:e-?mail|address|account)\b"
)
# Passed on to someone else ("forwarding to my wife - thoughts?", "FW: see below").
PASSED_ON = re.compile(
    r"^(?:fw|fwd)\s*:|\b(?:forward\w*|pass\w*|sen[dt]|cc'?d?|copy\w*|add\w*|loop\w*)(?: (?:this|it|your email|your message|in|on))? (?:on )?to (?:my|our)\b"
    r"|\b(?:adding|added|cc'?ing|cc'?d|looping in|copying in) (?:my|our)\b"
)
# "Please don't remove me", "I don't want to unsubscribe": a refusal to leave, not a request to.
_NOT_LEAVING = re.compile(
    r"\b(?:remove|delete|replace|drop) my (?:old|previous|former|work|personal|other) (?:e-?mail(?: address)?|address)\b(?=.{0,80}\b(?:use|new|instead|replace)\b)|\b(?:don't|do not|please don't|please do not|no need to|never|won't|will not|wouldn't|would not) (?:want to |wish to |need to |mean to |plan to |intend to |like to )?(?:be )?"
    r"(?:remove|unsubscrib|delet|take (?:me|us) off|taken off)\w*(?: (?:me|us|my \w+))?(?: (?:from|off) (?:of )?" + _LIST + r")?"
)

OTHER_CUES = re.compile(
    r"\bwrong (?:person|email|address|contact|number|guy|lady|\w+)\b|\bnot the right person\b|\byou(?:'ve| have)? (?:got|have) the wrong\b|\bi'm not (?:[a-z]+)[,.]?$|\b(?:forward\w*|pass\w*|sen[dt]) (?:this|it|your email|your message)? ?(?:on )?to (?:my|our|the)\b"
    r"|\b(?:i'll|i will|we'll|we will|let me|need to|i need to|i'd need to|will|have to|i'll need to|want to) (?:have a )?(?:think|discuss|talk|speak|check|run it|chat|consult|sleep on|mull|look|read|review|consider)\b|\b(?:get|come|circle) back to you\b|\b(?:will|i'll|we'll|let me) (?:circle|get|come) back\b|\blet you know\b|\bbe in touch\b|\bstill (?:thinking|considering|deciding|weighing|mulling)\b|\bweighing (?:up )?(?:our|my|the) options\b"
    r"|\b(?:new|updated|changed|personal|work|other) (?:email|e-?mail address|address|number|phone)\b|\bmy (?:email|address|number) (?:has )?changed\b|\buse (?:this|my new|my other|the new) (?:one|address|e-?mail)\b|\bupdate (?:my|our) (?:e-?mail(?: address)?|address|contact details|details|number)\b|\bfrom now on\b|\bgoing forward\b|\bcontact my (?:assistant|colleague|partner|wife|husband|pa|secretary)\b"
    r"|\b(?:merry|happy|season's|seasons) (?:christmas|new year|easter|holidays|greetings|diwali|eid|birthday|hanukkah)\b|\beid mubarak\b|\bhope you(?:'re| are) (?:well|doing well|keeping well)\b|\bsent (?:this|it) twice\b"
)
# Thanks and acknowledgements with nothing else to say.
ACKNOWLEDGEMENT = re.compile(
    r"^(?:many |thanks|thank you|cheers|noted|received|got it|ok|okay|great|sure|perfect|lovely|brilliant|acknowledged|much appreciated|appreciated|all good|will do)\b[^?]{0,40}$"
)

# Which home a request is about ("the brochure for the 3 bed"), not a question about it.
_UNIT = re.compile(r"\b(?:\d|one|two|three|four|five)[- ]?(?:bed(?:room)?s?|br|bd|bhk)\b(?! (?:is|are|have|has|come)\b)")

# Busy in a meeting of one's own: no request to meet.
_BUSY = re.compile(r"\b(?:i'm|i am|we're|we are|currently|just|been|stuck|heading|going) (?:in|into|out of|between|in and out of) (?:a |back-to-back |back to back )?meetings?\b")

_BUT = re.compile(r"\b(?:but|however|although|though|yet|that said)\b")
_NOT_SURE_BUT_KEEN = re.compile(r"\bnot (?:sure|certain|100%|decided)\b[^.!?]{0,80}\b(?:but|still)\b[^.!?]{0,80}\b(?:interested|keen)\b")

# A time put forward for meeting ("how about the 25th at 10:30?", "May 2nd?", "would Tuesday work?"):
# a meeting request when a due time is found in it.
_WHEN_WORD = (
    r"(?:maybe|perhaps|say|or|on|at|the|next|this|coming|around|about|morning|afternoon|evening|noon|lunchtime|am|pm|a\.m\.|p\.m\."
    r"|today|tomorrow|tmrw|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|august|september|october"
    r"|november|december|week|\d{1,2}(?:st|nd|rd|th)?|\d{1,2}[:.]\d{2}|\d{1,2}(?:am|pm))"
)
PROPOSAL = re.compile(
    r"\b(?:how|what) about\b|\b(?:would|does|will|could|can|is)\b[^.?!]{0,80}\b(?:work|suit|be (?:ok|okay|fine|good|possible)|convenient)\b"
    r"|\b(?:works|suits) (?:for )?(?:me|us|best)\b|\b(?:i|we)(?:'m| am|'re| are)? (?:free|available|around)\b|\b(?:i|we) (?:can|could) (?:do|make|manage)\b|\b(?:can|could|shall) (?:we|i) (?:do|make it)\b"
    r"|(?:^|[.!?]\s*)(?:" + _WHEN_WORD + r"[\s,]*){1,6}\?\s*$|\bhow(?:'s| is|s) (?:" + _WHEN_WORD + r"[\s,]*){1,6}(?:\?|for (?:you|a|the)\b)"
    r"|\b(?:do|does|would|will) (?:" + _WHEN_WORD + r"[\s,]*){1,6}(?:work|suit|do)\b"
    r"|(?:^|[.!?,]\s*|\b(?:yes|sure|ok|okay|great|perfect)[,!]?\s+)(?:" + _WHEN_WORD + r"[\s,]*){1,6}(?:works|suits|is (?:fine|good|perfect|great|ok|okay)|would be (?:fine|good|perfect|great|ideal))\b"
)

MODEL_OVERRIDES_BELOW = 0.65  # rules' confidence under which the trained model may decide
MODEL_TRUSTED_ABOVE = 0.5  # the model's probability needed to overrule a weak rule


def _turned_round(t: str, start: int) -> bool:
    """A refusal followed by "but" and something positive ("not the 1 bed, but could we view ...")."""
    m = _BUT.search(t, start)
    if m is None:
        return False
    rest = t[m.end():]
    if NOT_INTERESTED.search(rest) or UNSUBSCRIBE.search(rest):
        return False
    return bool(MEETING.search(rest) or re.search(r"\b(?:interested|keen|would like|i'd like|love)\b|\b(?:could|might|would|may) (?:work|suit)\b", rest))


def rule_intent(t: str) -> tuple[str, float]:
    """The cue rules' reading of normalised text, and how sure they are (0..1)."""
    if not t or not any(c.isalnum() for c in t):
        return "other", 0.7
    if AUTO_REPLY.search(t):
        return "auto_reply", 0.95
    if UNSUBSCRIBE.search(_NOT_LEAVING.sub(" ", t)):
        return "unsubscribe", 0.95
    refusal = NOT_INTERESTED.search(t)
    if refusal and not _NOT_SURE_BUT_KEEN.search(t) and not _turned_round(t, refusal.end()) and not (
        re.search(r"\bnot interested in (?:the |a |this )?\w+ but\b|\bbut (?:we|i)'?(?:d| would| are| am)? (?:be )?interested\b", t)
    ):
        return "not_interested", 0.9
    meeting = MEETING.search(_BUSY.sub(" ", t))
    if meeting and (not MEETING_ABOUT.search(t) or re.search(r"\b(?:can|could|shall|may) (?:we|i)\b", t)):
        return "meeting_request", 0.9
    if NOT_ABOUT_OFFER.search(t) or (PASSED_ON.search(t) and not SPECIFIC_QUESTION.search(t)):
        return "other", 0.8
    question = QUESTION.search(t)
    if question:
        if GENERIC_INFO.search(t) and not SPECIFIC_QUESTION.search(_UNIT.sub(" ", GENERIC_INFO.sub(" ", t))):
            return "interested", 0.8
        if re.search(r"\bwhat(?:'s| is| are)? the next steps?\b|\bwhat (?:do|should) (?:i|we) (?:need to )?do (?:next|now)\b|\bwhere do (?:i|we) sign\b", t) and INTERESTED.search(t):
            return "interested", 0.8
        if SPECIFIC_QUESTION.search(t) or "?" in t:
            return "question", 0.85
    if INTERESTED.search(t) or GENERIC_INFO.search(t):
        if OTHER_CUES.search(t) and not re.search(r"\b(?:interested|keen|reserve|deposit|offer|brochure|proceed)\b", t):
            return "other", 0.7
        return "interested", 0.85
    if OTHER_CUES.search(t) or ACKNOWLEDGEMENT.search(t):
        return "other", 0.75
    if question:
        return "question", 0.6
    return "other", 0.5


def classify_reply(text: str) -> tuple[str, float]:
    """The reply's intent and how sure the classifier is (0..1)."""
    text = trim_reply(text)
    t = normalise(text)
    intent, conf = rule_intent(t)
    if conf < MODEL_OVERRIDES_BELOW:
        model = load_model()
        if model is not None:
            guess, p = model.predict(text)
            if guess != intent and p >= MODEL_TRUSTED_ABOVE:
                return guess, round(min(p, 0.8), 3)
    return intent, conf
