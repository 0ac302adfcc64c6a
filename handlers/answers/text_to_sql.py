"""Text-to-SQL with a language model, for data questions the offline parser cannot place.

The model sees the schema registry's descriptions of the tables a question may read and a few
question→SQL examples retrieved for this question (schema alone gives poor SQL; schema plus
similar examples gives far better). It never sees a row of data. What it writes is untrusted
and goes through ``sql_guard``: checked, scoped to the asker's leads, limited, read-only.
Prompts live in templates/answers/.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, Sequence

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.templating import render
from crm.models import Agent, SchemaTable
from handlers.answers.sql_guard import (
    GuardedQuery,
    QueryResult,
    SQLRefused,
    dialect_of,
    guard_sql,
    registry_columns,
    run_guarded,
)

EXAMPLES_FILE = Path(__file__).with_name("sql_examples.json")
EXAMPLES_PER_PROMPT = 4
CANNOT = "CANNOT_ANSWER"


class ChatModel(Protocol):
    def complete(self, messages: list[dict[str, str]]) -> str: ...


@dataclass(frozen=True)
class SqlExample:
    question: str
    sql: str


@dataclass
class SqlAnswer:
    question: str
    sql: str  # what ran (after checking and scoping)
    generated: str  # what the model wrote
    result: QueryResult

    @property
    def value(self) -> Any:
        rows = self.result.rows
        return rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 else None

    @property
    def leads(self) -> list[str]:
        cols = [c.lower() for c in self.result.columns]
        for wanted in ("name", "lead", "lead_name"):
            if wanted in cols:
                i = cols.index(wanted)
                return list(dict.fromkeys(str(r[i]) for r in self.result.rows if r[i] is not None))
        return []


@lru_cache(maxsize=1)
def load_examples(path: Path = EXAMPLES_FILE) -> tuple[SqlExample, ...]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return tuple(SqlExample(e["question"], e["sql"]) for e in data["examples"])


def similar_examples(question: str, examples: Sequence[SqlExample], k: int = EXAMPLES_PER_PROMPT) -> list[SqlExample]:
    scored = sorted(examples, key=lambda e: fuzz.token_set_ratio(question.lower(), e.question.lower()), reverse=True)
    return scored[:k]


def schema_for_prompt(session: Session, tables: dict[str, tuple[str, ...]]) -> list[dict[str, Any]]:
    """Table descriptions and the registered columns with their meanings: no rows."""
    rows = session.execute(select(SchemaTable).where(SchemaTable.name.in_(list(tables)))).scalars().all()
    out = []
    for t in sorted(rows, key=lambda r: list(tables).index(r.name)):
        fields = {"id": "primary key"} | {k: v for k, v in (t.key_fields or {}).items() if k in tables[t.name]}
        out.append({"name": t.name, "description": t.description, "columns": fields})
    return out


def extract_sql(reply: str) -> str | None:
    """The SQL in a model's reply: a fenced block if there is one, else the whole text."""
    if CANNOT in reply:
        return None
    fenced = re.search(r"```(?:sql)?\s*(.*?)```", reply, flags=re.S | re.I)
    text = (fenced.group(1) if fenced else reply).strip()
    return text.rstrip(";").strip() or None


def generate_sql(question: str, *, llm: ChatModel, session: Session, tables: dict[str, tuple[str, ...]],
                 dialect: str, now: datetime) -> str | None:
    examples = similar_examples(question, load_examples())
    system = render("answers/text_to_sql_system.j2", dialect=dialect, cannot=CANNOT)
    user = render("answers/text_to_sql_user.j2", question=question, schema=schema_for_prompt(session, tables),
                  examples=examples, now=now.isoformat(timespec="minutes"), dialect=dialect)
    reply = llm.complete([{"role": "system", "content": system}, {"role": "user", "content": user}])
    return extract_sql(reply or "")


def answer_with_sql(question: str, *, llm: ChatModel, session: Session, agent: Agent, now: datetime,
                    own_only: bool = False) -> SqlAnswer | None:
    """Ask the model for SQL, check and scope it, run it read-only. None when the model says the
    question cannot be answered from the schema; ``SQLRefused`` when its SQL is not allowed.
    ``own_only`` scopes even an admin to the leads they own ("my leads")."""
    tables = registry_columns(session)
    dialect = dialect_of(session)
    generated = generate_sql(question, llm=llm, session=session, tables=tables, dialect=dialect, now=now)
    if generated is None:
        return None
    guarded: GuardedQuery = guard_sql(generated, tables=tables, dialect=dialect, owner_id=agent.id,
                                      is_admin=agent.is_admin and not own_only)
    result = run_guarded(session, guarded)
    return SqlAnswer(question=question, sql=guarded.sql, generated=generated, result=result)


__all__ = ["answer_with_sql", "generate_sql", "extract_sql", "similar_examples", "load_examples", "SqlAnswer",
           "SQLRefused"]
