"""Questions that try to change or destroy data, or to smuggle SQL in, are refused before any
parsing: answering only ever reads. Changes go through commands and confirmed plans."""
from __future__ import annotations

import re

_WRITE_VERBS = r"(?:delete|remove|erase|wipe|purge|drop|destroy|truncate|clear out|clear|nuke|reset|overwrite)"
_TARGETS = (r"(?:leads?|records?|data|database|db|tables?|agents?|users?|interactions?|follow[- ]?ups?|"
            r"contacts?|clients?|everything|rows?|history|crm|pipeline|audit(?: log)?)")

PATTERNS = [
    # SQL statements that write, or a second statement after a semicolon.
    r";\s*(?:drop|delete|insert|update|alter|truncate|create|grant|revoke|attach|detach|pragma|vacuum|replace|"
    r"copy|exec|execute|call|merge|set|begin|commit|rollback|select|with|shutdown|load)\b",
    r"\b(?:drop|truncate|alter)\s+(?:table|database|schema|index|view|column|user|role)\b",
    r"\bdelete\s+from\b|\binsert\s+into\b|\bupdate\s+[\w\".]+\s+set\b|\breplace\s+into\b|\bcreate\s+(?:table|view|index|trigger|function)\b",
    r"\bunion\s+(?:all\s+|distinct\s+)?select\b",
    r"\bpg_sleep\b|\bsleep\s*\(|\bbenchmark\s*\(|\bxp_cmdshell\b|\bload_extension\b|\binformation_schema\b|\bpg_catalog\b"
    r"|\bsqlite_(?:master|schema)\b|\bpg_read_file\b|\bcopy\s+\w+\s+(?:from|to)\b|\bdblink\b|\blo_import\b",
    r"\bor\s+'?1'?\s*=\s*'?1\b|'\s*or\s*''='|\bselect\s+[\w*,\s().]+\s+from\s+\w+",
    rf"\b{_WRITE_VERBS}\b\s+(?:all\s+|every\s+|each\s+|the\s+|my\s+|our\s+|of\s+|those\s+|these\s+|them\s+|entire\s+|whole\s+)*"
    rf"(?:[\w']+\s+){{0,2}}{_TARGETS}\b",
    r"\b(?:mark|set|change|update|move|reassign|assign|switch)\s+(?:all|every|each)\s+(?:of\s+)?(?:my\s+|the\s+)?(?:\w+\s+)?(?:leads|records|clients|deals)\b",
]
_COMPILED = [re.compile(p, re.IGNORECASE) for p in PATTERNS]


def is_write_attempt(question: str) -> bool:
    """True for "delete all leads", "; DROP TABLE leads", "… UNION SELECT … FROM agents" and kin."""
    return any(p.search(question) for p in _COMPILED)
