"""Words the understanding step knows: shorthand, the vocabulary typos are corrected into,
and names that are also ordinary English words."""
from __future__ import annotations

# Shorthand people type in chat, mapped to the word the rules expect.
SHORTHAND = {
    "tmrw": "tomorrow", "tmr": "tomorrow", "tmrow": "tomorrow", "tmw": "tomorrow", "2moro": "tomorrow",
    "2morrow": "tomorrow", "tomoz": "tomorrow", "tomo": "tomorrow", "tommorow": "tomorrow",
    "w/": "with", "w": "with", "wth": "with", "pls": "please", "plz": "please", "u": "you", "ur": "your",
    "mtg": "meeting", "mtng": "meeting", "appt": "appointment", "cal": "call", "msg": "message",
    "b4": "before", "r": "are", "thx": "thanks", "ty": "thanks", "re:": "about", "re": "about",
    "fu": "follow up", "f/u": "follow up", "followup": "follow up", "follow-up": "follow up",
    "ph": "phone", "tel": "phone", "eml": "email", "e-mail": "email", "emailed": "emailed",
    "mins": "minutes", "min": "minutes", "hrs": "hours", "hr": "hours", "wk": "week", "wks": "weeks",
    "mon": "mon", "tues": "tuesday", "tue": "tuesday", "weds": "wednesday", "thur": "thursday",
    "thurs": "thursday", "thu": "thursday", "fri": "friday", "noonish": "noon",
    "neg": "negotiating", "nego": "negotiating", "qual": "qualified",
    "asap": "asap", "eod": "eod", "cob": "cob", "eow": "eow",
    "nxt": "next", "nex": "next", "wat": "what", "wot": "what", "abt": "about", "bout": "about",
    "vm": "voicemail", "vmail": "voicemail", "yday": "yesterday", "yest": "yesterday", "ystd": "yesterday",
    "2day": "today", "tdy": "today", "2nite": "tonight", "tonite": "tonight", "2night": "tonight",
    "wknd": "weekend", "wkend": "weekend", "thru": "through", "l8r": "later", "ppl": "people",
    "cuz": "because", "coz": "because", "bc": "because", "rn": "right now", "mtgs": "meetings",
    "appts": "appointments", "convo": "conversation", "txt": "text", "txted": "texted", "msgd": "messaged",
    "fup": "follow up", "wanna": "want to", "gotta": "got to", "shud": "should", "cud": "could",
    "wud": "would", "thnx": "thanks", "ok'd": "okayed", "qualed": "qualified", "tmro": "tomorrow",
    "tmorrow": "tomorrow", "tomorow": "tomorrow", "2mrw": "tomorrow", "2mro": "tomorrow", "nite": "night",
    "arvo": "afternoon", "avo": "afternoon", "noone": "no one", "f2f": "face-to-face",
    "tmrrw": "tomorrow", "tmmrw": "tomorrow", "2mrow": "tomorrow", "hw": "how", "hv": "have", "hav": "have",
    "wht": "what", "whn": "when", "helo": "hello", "hii": "hi",
}

# Contractions typed without the apostrophe, read as the contraction ("dont" -> "don't"). Words
# that are also ordinary words ("wed", "ill", "its", "well", "were", "lets", "shell") are left alone.
CONTRACTIONS = {
    w.replace("'", ""): w
    for w in """don't doesn't didn't can't won't isn't aren't wasn't weren't haven't hasn't hadn't couldn't
    shouldn't wouldn't mustn't needn't ain't i'm i've i'd you're you've you'll they're they've they'll he's
    she's that's what's who's where's how's there's it'll that'll we've""".split()
}

# Every word a rule looks for: a token that is not an English word is corrected into one of these
# when it is one or two edits away ("negociating", "remnd", "wensday").
VOCABULARY = """
remind reminder reminders schedule scheduled book booked arrange arranged follow following ping nudge
call called calling phone phoned rang ring ringing spoke speak talked talk chatted chat meeting meetings met
meet email emailed emails mailed wrote sent send texted text message messaged viewing viewings showed
show showing tour toured visit visited site note notes noted jot record recorded log logged
move moved mark marked set change changed update updated put switch switched flag flagged upgrade
downgrade reset close closed status stage negotiating negotiation negotiations negotiate qualified
qualify contacted contact won lost dead cold interested interest signed bought purchased
tomorrow today tonight morning afternoon evening noon midday lunchtime weekend week weeks month
months day days hour hours minute minutes monday tuesday wednesday thursday friday saturday sunday
january february march april june july august september october november december
next this coming after before until please help commands command show display details profile
open lookup pull leads lead pipeline overdue budget followups appointment brochure amenities
payment deposit completion parking apartment apartments penthouse bedroom bedrooms unsubscribe
remove mailing list interested definitely available office automatic reply holiday vacation leave
""".split()

NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "forty-five": 45, "fortyfive": 45, "couple": 2, "few": 3,
}

# First names that are also everyday words. Lowercase, or opening a sentence, they are read as
# the word unless the surname follows ("mark mark evans as won").
WORD_NAMES = frozenset("""
will mark may april june august bill rob pat sue hope grace chase frank grant hunter max ray drew
jack rich sky summer dawn faith joy art gene guy miles wade cliff dale glen lane mason page
penny rose ruby amber iris lily violet holly ivy heather jade pearl crystal victor sandy buck
carter cooper porter baker turner walker young king long black white brown green gray grey bell
stone wood hill price banks rice dean earl don jean ben  sunny bud brad pierce case
call new sam lee ed al bob
""".split())

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tuesday": 1, "wednesday": 2, "wed": 2, "thursday": 3,
    "friday": 4, "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}

PRONOUNS = frozenset("him her them he she they his their hers theirs it".split())
