"""Answer a data question offline: parse it into a ``QuerySpec`` and compile that to
SQLAlchemy statements over ``crm.models`` (never to SQL strings).

Every statement is scoped to the asker's own leads unless the asker is an admin: the scope is
a condition on ``leads.owner_id`` added to every statement here, including follow-ups and
interactions (scoped through their lead). An admin who asks about "my leads" is scoped to the
leads she owns in the same way. The SQL shown with an answer is the compiled
statement with its values inlined, for display only.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Sequence

from sqlalchemy import Select, and_, case, desc, exists, func, or_, select, true
from sqlalchemy.orm import Session

from crm.models import Agent, FollowUp, Interaction, Lead
from handlers.answers.data_spec import CLOSED, QuerySpec, parse_data_question
from handlers.answers.text import format_number, normalise_question
from handlers.answers.vocabulary import Vocabulary

ROW_LIMIT = 500  # rows fetched for a list; more are reported as "and N more"
TABLE_ROWS = 20  # rows shown in a reply's table


@dataclass
class DataAnswer:
    question: str
    spec: QuerySpec
    kind: str  # list | count | sum | avg | max | min | group | top | field | not_allowed | not_found
    value: Any = None  # a number, a string, an aware datetime, or a (low, high) budget range
    leads: list[str] = field(default_factory=list)  # lead names the answer lists
    table: tuple[tuple[str, ...], ...] = ()  # header first, formatted, at most TABLE_ROWS rows
    total_rows: int = 0
    sql: list[str] = field(default_factory=list)
    criteria: list[tuple[str, str]] = field(default_factory=list)  # (what, words) for the template
    subject: str = "leads"  # leads | follow-ups | interactions
    scope: str = "own"  # own | all
    missing: list[str] = field(default_factory=list)  # named leads the asker cannot see
    never_contacted: list[str] = field(default_factory=list)  # listed leads with no contact at all
    tied: list[str] = field(default_factory=list)  # groups level with the top one ("which agent has the most…")

    @property
    def sql_text(self) -> str:
        return ";\n".join(self.sql)


def answer_data(question: str, *, session: Session, agent: Agent, now: datetime,
                vocabulary: Vocabulary | None = None, spec: QuerySpec | None = None) -> DataAnswer:
    """Parse (unless a spec is given) and run. ``now`` is aware, in the asker's time zone."""
    vocab = vocabulary or Vocabulary.load(session)
    if spec is None:
        spec = parse_data_question(question, normalise_question(question), vocab=vocab, now=now, asker_id=agent.id)
    return run_spec(question, spec, session=session, agent=agent, now=now, vocab=vocab)


# --- compiling ---------------------------------------------------------------------------------

def budget_expr(which: str = "budget"):  # noqa: ANN201 - a SQL expression
    if which == "budget_min":
        return Lead.budget_min
    if which == "budget_max":
        return Lead.budget_max
    return func.coalesce(Lead.budget_max, Lead.budget_min)


def scope_clause(agent: Agent):  # noqa: ANN201
    return true() if agent.is_admin else Lead.owner_id == agent.id


def _contact_interaction(lead_col=Lead.id):  # noqa: ANN001, ANN202
    # A note is written about a lead, not to them: it is not contact.
    return and_(Interaction.lead_id == lead_col, Interaction.kind != "note")


def last_contact_expr():  # noqa: ANN201 - a SQL expression
    """A lead's latest contact: ``last_contacted_at`` or its latest interaction that reached the
    lead (notes are not contact), whichever is later; NULL when neither is known."""
    latest = select(func.max(Interaction.occurred_at)).where(_contact_interaction()).scalar_subquery()
    return case((latest.is_(None), Lead.last_contacted_at), (Lead.last_contacted_at.is_(None), latest),
                (latest > Lead.last_contacted_at, latest), else_=Lead.last_contacted_at)


def lead_conditions(spec: QuerySpec, *, agent: Agent, now: datetime) -> list:
    c: list = [scope_clause(agent)]
    if spec.mine and agent.is_admin:  # an admin's "my leads" are the ones they own
        c.append(Lead.owner_id == agent.id)
    if spec.statuses:
        c.append(Lead.status.in_(spec.statuses))
    if spec.exclude_statuses:
        c.append(Lead.status.not_in(spec.exclude_statuses))
    if spec.projects:
        c.append(func.lower(Lead.project).in_([p.lower() for p in spec.projects]))
    if spec.unit_types:
        c.append(func.lower(Lead.unit_type).in_([u.lower() for u in spec.unit_types]))
    if spec.sources:
        c.append(func.lower(Lead.source).in_([s.lower() for s in spec.sources]))
    if spec.owner_ids:
        c.append(Lead.owner_id.in_(spec.owner_ids))
    if spec.unassigned:
        c.append(Lead.owner_id.is_(None))
    if spec.lead_ids and spec.measure != "field":
        c.append(Lead.id.in_(spec.lead_ids))
    b = budget_expr(spec.budget_field)
    if spec.budget_low is not None:
        c.append(b >= spec.budget_low if spec.budget_low_inclusive else b > spec.budget_low)
    if spec.budget_high is not None:
        c.append(b <= spec.budget_high if spec.budget_high_inclusive else b < spec.budget_high)
    if spec.created is not None:
        c += _in_period(Lead.created_at, spec.created)
    if spec.updated is not None:
        c += _in_period(Lead.updated_at, spec.updated)
    if spec.contacted is not None:
        c.append(or_(and_(*_in_period(Lead.last_contacted_at, spec.contacted)),
                     exists().where(_contact_interaction(), *_in_period(Interaction.occurred_at, spec.contacted))))
    if spec.last_contact_in is not None:
        c += _in_period(Lead.last_contacted_at, spec.last_contact_in)
    if spec.last_contact_before is not None:
        t = spec.last_contact_before
        c.append(or_(Lead.last_contacted_at.is_(None), Lead.last_contacted_at < t))
        c.append(~exists().where(_contact_interaction(), Interaction.occurred_at >= t))
        c.append(or_(Lead.last_contacted_at.is_not(None), exists().where(_contact_interaction())))
    if spec.not_contacted_since is not None:
        t = spec.not_contacted_since
        c.append(or_(Lead.last_contacted_at.is_(None), Lead.last_contacted_at < t))
        c.append(~exists().where(_contact_interaction(), Interaction.occurred_at >= t))
    if spec.never_contacted:
        c.append(Lead.last_contacted_at.is_(None))
        c.append(~exists().where(_contact_interaction()))
    if spec.without_interaction_kinds:
        cond = [Interaction.lead_id == Lead.id, Interaction.kind.in_(spec.without_interaction_kinds)]
        if spec.without_interaction_since is not None:
            cond.append(Interaction.occurred_at >= spec.without_interaction_since)
        c.append(~exists().where(*cond))
    if spec.min_interactions is not None:
        counted = [Interaction.lead_id == Lead.id]
        counted.append(Interaction.kind.in_(spec.counted_kinds) if spec.counted_kinds else Interaction.kind != "note")
        if spec.counted_period is not None:
            counted += _in_period(Interaction.occurred_at, spec.counted_period)
        c.append(select(func.count(Interaction.id)).where(*counted).scalar_subquery() >= spec.min_interactions)
    if spec.without_follow_up or spec.with_follow_up:
        has = exists().where(FollowUp.lead_id == Lead.id, FollowUp.status == "open")
        c.append(~has if spec.without_follow_up else has)
    return c


def _in_period(column, period) -> list:  # noqa: ANN001
    if period.ranges:  # a union of separate stretches ("in March and May")
        return [or_(*[and_(column >= a, column < b) for a, b in period.ranges])]
    out = []
    if period.start is not None:
        out.append(column >= period.start)
    if period.end is not None:
        out.append(column < period.end)
    return out


def follow_up_conditions(spec: QuerySpec, *, now: datetime) -> list:
    c: list = []
    statuses = ("open",) if spec.overdue else spec.follow_up_statuses
    if statuses:
        c.append(FollowUp.status.in_(statuses))
    if spec.overdue:
        c.append(FollowUp.due_at < now)
    if spec.due is not None:
        c += _in_period(FollowUp.due_at, spec.due)
    return c


def interaction_conditions(spec: QuerySpec) -> list:
    c: list = []
    if spec.interaction_kinds:
        c.append(Interaction.kind.in_(spec.interaction_kinds))
    elif spec.contact_only:
        c.append(Interaction.kind != "note")
    if spec.occurred is not None:
        c += _in_period(Interaction.occurred_at, spec.occurred)
    return c


def _from(stmt: Select, spec: QuerySpec, *, with_owner: bool) -> Select:
    if spec.entity == "follow_ups":
        stmt = stmt.select_from(FollowUp).join(Lead, FollowUp.lead_id == Lead.id)
    elif spec.entity == "interactions":
        stmt = stmt.select_from(Interaction).join(Lead, Interaction.lead_id == Lead.id)
    else:
        stmt = stmt.select_from(Lead)
    if with_owner:
        stmt = stmt.outerjoin(Agent, Lead.owner_id == Agent.id)
    return stmt


def _where(stmt: Select, spec: QuerySpec, *, agent: Agent, now: datetime) -> Select:
    conds = lead_conditions(spec, agent=agent, now=now)
    if spec.entity == "follow_ups":
        conds += follow_up_conditions(spec, now=now)
    elif spec.entity == "interactions":
        conds += interaction_conditions(spec)
    return stmt.where(*conds)


def _entity_id(spec: QuerySpec):  # noqa: ANN202
    return {"follow_ups": FollowUp.id, "interactions": Interaction.id}.get(spec.entity, Lead.id)


def _shows_owner(spec: QuerySpec, agent: Agent) -> bool:
    return (agent.is_admin and not spec.mine) or bool(spec.owner_ids)


def list_statement(spec: QuerySpec, *, agent: Agent, now: datetime, limit: int = ROW_LIMIT + 1) -> Select:
    show_owner = _shows_owner(spec, agent)
    owner_col = [Agent.name.label("owner")] if show_owner else []
    if spec.entity == "follow_ups":
        cols = [FollowUp.due_at, FollowUp.title, Lead.name, FollowUp.status, *owner_col]
        order = [FollowUp.due_at, Lead.name]
    elif spec.entity == "interactions":
        cols = [Interaction.occurred_at, Interaction.kind, Lead.name, Interaction.summary, *owner_col]
        order = [desc(Interaction.occurred_at), Lead.name]
    else:
        by_contact = spec.measure == "top" and spec.order is not None and spec.order[0] == "last_contacted_at"
        last = last_contact_expr().label("last_contacted_at") if by_contact else Lead.last_contacted_at
        cols = [Lead.name, Lead.status, Lead.project, Lead.unit_type, Lead.budget_min, Lead.budget_max,
                last, *owner_col]
        order = [Lead.name]
    stmt = _from(select(*cols), spec, with_owner=show_owner)
    stmt = _where(stmt, spec, agent=agent, now=now).order_by(*order)
    if spec.measure == "top" and spec.order is not None:
        stmt = stmt.order_by(None).order_by(*_order_by(spec.order), Lead.name)
        limit = spec.limit or limit
    return stmt.limit(limit)


def _order_by(order: tuple[str, bool]) -> list:
    column, descending = order
    if column == "last_contacted_at":
        expr = last_contact_expr()
        # Longest since contact first: a lead never contacted has gone longest of all.
        return [case((expr.is_(None), 1 if descending else 0), else_=0 if descending else 1),
                desc(expr) if descending else expr]
    if column == "occurred_at":
        expr = Interaction.occurred_at
    else:
        expr = budget_expr(column) if column.startswith("budget") else getattr(Lead, column)
    # Missing values last on every database (PostgreSQL puts NULLs first when descending).
    return [case((expr.is_(None), 1), else_=0), desc(expr) if descending else expr]


def values_statement(spec: QuerySpec, *, agent: Agent, now: datetime) -> Select:
    """Every budget in scope (for a median, which SQLite cannot compute)."""
    expr = budget_expr(spec.target.partition(":")[2] or spec.budget_field)
    stmt = _from(select(expr), spec, with_owner=False)
    return _where(stmt, spec, agent=agent, now=now).where(expr.is_not(None)).order_by(expr)


def count_statement(spec: QuerySpec, *, agent: Agent, now: datetime) -> Select:
    target = func.count(func.distinct(Lead.id)) if spec.distinct_leads else func.count(_entity_id(spec))
    return _where(_from(select(target), spec, with_owner=False), spec, agent=agent, now=now)


def aggregate_statement(spec: QuerySpec, *, agent: Agent, now: datetime) -> Select:
    how, _, which = spec.target.partition(":")
    expr = budget_expr(which or spec.budget_field)
    fn = {"sum": func.sum, "avg": func.avg, "max": func.max, "min": func.min}[spec.measure if spec.measure in
                                                                                  ("sum", "avg", "max", "min") else how]
    stmt = _from(select(fn(expr)), spec, with_owner=False)
    return _where(stmt, spec, agent=agent, now=now)


GROUP_COLUMNS = {
    "status": lambda: Lead.status,
    "project": lambda: Lead.project,
    "owner": lambda: Agent.name,
    "unit_type": lambda: Lead.unit_type,
    "source": lambda: Lead.source,
    "kind": lambda: Interaction.kind,
}


def group_statement(spec: QuerySpec, *, agent: Agent, now: datetime) -> Select:
    key_name = spec.group_by or "status"
    if key_name == "kind" and spec.entity != "interactions":
        key_name = "status"
    key = GROUP_COLUMNS[key_name]().label(key_name)
    how, _, which = spec.target.partition(":")
    if how in ("sum", "avg"):
        metric = (func.sum if how == "sum" else func.avg)(budget_expr(which or "budget")).label(how)
    elif spec.distinct_leads:
        metric = func.count(func.distinct(Lead.id)).label("count")
    else:
        metric = func.count(_entity_id(spec)).label("count")
    stmt = _from(select(key, metric), spec, with_owner=key_name == "owner")
    stmt = _where(stmt, spec, agent=agent, now=now).group_by(key)
    if key_name == "owner" and spec.pick_top_group:
        stmt = stmt.where(Lead.owner_id.is_not(None))  # "which agent has the most…": unassigned leads are no agent's
    direction = desc(metric) if spec.top_group_desc else metric
    return stmt.order_by(direction, key)


def field_statement(spec: QuerySpec, *, agent: Agent, lead_ids: Sequence[int]) -> Select:
    last_contact = (select(func.max(Interaction.occurred_at))
                    .where(_contact_interaction(), *( [Interaction.kind.in_(spec.interaction_kinds)]
                                                      if spec.interaction_kinds else []))
                    .scalar_subquery().label("last_interaction_at"))
    cols = [Lead.id, Lead.name, Lead.status, Agent.name.label("owner"), Lead.budget_min, Lead.budget_max,
            Lead.last_contacted_at, last_contact, Lead.email, Lead.phone, Lead.company, Lead.project,
            Lead.unit_type, Lead.source, Lead.created_at, Lead.notes]
    stmt = select(*cols).select_from(Lead).outerjoin(Agent, Lead.owner_id == Agent.id)
    return stmt.where(scope_clause(agent), Lead.id.in_(lead_ids)).order_by(Lead.name)


def last_interaction_statement(spec: QuerySpec, *, agent: Agent, lead_ids: Sequence[int]) -> Select:
    stmt = (select(Interaction.occurred_at, Interaction.kind, Lead.name, Interaction.summary)
            .select_from(Interaction).join(Lead, Interaction.lead_id == Lead.id)
            .where(scope_clause(agent), Lead.id.in_(lead_ids)))
    if spec.interaction_kinds:
        stmt = stmt.where(Interaction.kind.in_(spec.interaction_kinds))
    return stmt.order_by(desc(Interaction.occurred_at)).limit(len(lead_ids) * 5)


def next_follow_up_statement(spec: QuerySpec, *, agent: Agent, lead_ids: Sequence[int], now: datetime) -> Select:
    return (select(FollowUp.due_at, FollowUp.title, Lead.name, FollowUp.status)
            .select_from(FollowUp).join(Lead, FollowUp.lead_id == Lead.id)
            .where(scope_clause(agent), Lead.id.in_(lead_ids), FollowUp.status == "open")
            .order_by(FollowUp.due_at).limit(20))


def sql_text(stmt: Select, session: Session) -> str:
    """The statement as SQL with its values inlined, for people to read (never executed)."""
    dialect = session.get_bind().dialect
    try:
        return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    except Exception:  # a value with no literal form: show the parameters beside the SQL
        compiled = stmt.compile(dialect=dialect)
        return f"{compiled}  -- {compiled.params}"


# --- running -----------------------------------------------------------------------------------

def run_spec(question: str, spec: QuerySpec, *, session: Session, agent: Agent, now: datetime,
             vocab: Vocabulary) -> DataAnswer:
    tz = now.tzinfo
    answer = DataAnswer(question=question, spec=spec, kind=spec.measure,
                        subject=spec.entity.replace("_", "-"), scope="all" if agent.is_admin and not spec.mine else "own",
                        criteria=criteria(spec, vocab=vocab, agent=agent))
    if spec.owner_ids and not agent.is_admin and set(spec.owner_ids) != {agent.id}:
        answer.kind = "not_allowed"
        return answer

    def run(stmt: Select) -> list[Any]:
        answer.sql.append(sql_text(stmt, session))
        return list(session.execute(stmt).all())

    if spec.measure == "field" or (spec.entity == "follow_ups" and spec.field == "next_follow_up"):
        return _run_field(answer, spec, session=session, agent=agent, now=now, run=run, vocab=vocab)
    if spec.measure == "count":
        answer.value = int(run(count_statement(spec, agent=agent, now=now))[0][0] or 0)
        rows = run(list_statement(spec, agent=agent, now=now, limit=TABLE_ROWS))
        _fill_list(answer, spec, rows, agent=agent, tz=tz, total=answer.value)
        return answer
    if spec.measure == "median":
        values = [float(v) for (v,) in run(values_statement(spec, agent=agent, now=now))]
        answer.value = _number(statistics.median(values)) if values else None
        return answer
    if spec.measure == "share":
        part = int(run(count_statement(spec, agent=agent, now=now))[0][0] or 0)
        whole_spec = replace(spec, statuses=(), exclude_statuses=())
        whole = int(run(count_statement(whole_spec, agent=agent, now=now))[0][0] or 0)
        answer.value = round(100.0 * part / whole, 4) if whole else None
        answer.table = (("matching", "all", "percent"), (str(part), str(whole),
                                                           f"{answer.value:g}%" if answer.value is not None else "-"))
        answer.total_rows = part
        return answer
    if spec.measure in ("sum", "avg", "max", "min"):
        raw = run(aggregate_statement(spec, agent=agent, now=now))[0][0]
        answer.value = _number(raw)
        return answer
    if spec.measure == "group":
        rows = run(group_statement(spec, agent=agent, now=now))
        metric_name = spec.target.split(":")[0] if spec.target != "count" else "count"
        if spec.pipeline:
            metric_name = "pipeline value" if metric_name == "sum" else "open leads" if metric_name == "count" else metric_name
        header = (spec.group_by or "status").replace("_", " "), metric_name
        body = [(_label(k), format_number(_number(v))) for k, v in rows]
        answer.table = (tuple(header), *body[:TABLE_ROWS * 2])
        answer.total_rows = len(rows)
        if rows and spec.pick_top_group:
            answer.value = _label(rows[0][0])
            answer.tied = [_label(k) for k, v in rows[1:] if v == rows[0][1]]
        elif len(rows) == 1:
            answer.value = _number(rows[0][1])
        return answer
    rows = run(list_statement(spec, agent=agent, now=now))
    _fill_list(answer, spec, rows, agent=agent, tz=tz, total=None)
    if spec.measure == "top" and spec.pick_one and rows:
        answer.value = answer.leads[0]
    elif spec.measure == "list":
        answer.value = answer.total_rows
    return answer


def _run_field(answer: DataAnswer, spec: QuerySpec, *, session: Session, agent: Agent, now: datetime, run, vocab):  # noqa: ANN001, ANN202
    tz = now.tzinfo
    ids = list(spec.lead_ids)
    if not ids:
        answer.kind = "not_found"
        return answer
    if spec.field == "next_follow_up":
        rows = run(next_follow_up_statement(spec, agent=agent, lead_ids=ids, now=now))
        answer.kind = "field"
        answer.table = (("due", "title", "lead"), *[(_when(r[0], tz), r[1], r[2]) for r in rows[:TABLE_ROWS]])
        # The leads asked about that the asker may see, with an open follow-up or not.
        visible = run(select(Lead.name).where(scope_clause(agent), Lead.id.in_(ids)).order_by(Lead.name))
        answer.leads = list(dict.fromkeys([*(r[2] for r in rows), *(r[0] for r in visible)]))
        answer.value = rows[0][0] if rows else None
        answer.total_rows = len(rows)
        _missing(answer, spec, vocab, agent)
        if not answer.leads:
            answer.kind = "not_found"
        return answer
    rows = run(field_statement(spec, agent=agent, lead_ids=ids))
    answer.leads = [r.name for r in rows]
    answer.total_rows = len(rows)
    _missing(answer, spec, vocab, agent)
    if not rows:
        answer.kind = "not_found"
        return answer
    f = spec.field or "summary"
    if f == "last_interaction":
        inter = run(last_interaction_statement(spec, agent=agent, lead_ids=ids))
        latest: dict[str, Any] = {}
        for r in inter:
            latest.setdefault(r[2], r)
        answer.table = (("when", "kind", "lead", "summary"),
                        *[(_when(r[0], tz), r[1], r[2], r[3] or "") for r in latest.values()])
        answer.value = next(iter(latest.values()))[3] if len(latest) == 1 else None
        return answer
    header, values = _field_columns(f, rows, tz)
    answer.table = (header, *[tuple(v[1]) for v in values])
    if len(rows) == 1:
        answer.value = values[0][0]
    return answer


def _field_columns(f: str, rows: list[Any], tz) -> tuple[tuple[str, ...], list[tuple[Any, list[str]]]]:  # noqa: ANN001
    out = []
    for r in rows:
        if f == "owner":
            out.append((r.owner, [r.name, r.owner or "(nobody)"]))
        elif f in ("budget", "budget_min", "budget_max"):
            if f == "budget_min":
                value: Any = _number(r.budget_min)
            elif f == "budget_max":
                value = _number(r.budget_max)
            elif r.budget_min is not None and r.budget_max is not None and r.budget_min != r.budget_max:
                value = (_number(r.budget_min), _number(r.budget_max))
            else:
                value = _number(r.budget_max if r.budget_max is not None else r.budget_min)
            out.append((value, [r.name, _budget_text(r.budget_min, r.budget_max)]))
        elif f == "last_contacted":
            moments = [m for m in (r.last_contacted_at, r.last_interaction_at) if m is not None]
            when = max(moments) if moments else None
            out.append((when, [r.name, _when(when, tz) if when else "never"]))
        elif f == "created":
            out.append((r.created_at, [r.name, _when(r.created_at, tz)]))
        elif f in ("email", "phone", "company", "project", "unit_type", "source", "notes", "status"):
            value = getattr(r, f)
            out.append((value, [r.name, value or "-"]))
        else:  # summary
            out.append((r.status, [r.name, r.status, r.project or "-", r.unit_type or "-",
                                   _budget_text(r.budget_min, r.budget_max),
                                   _when(r.last_contacted_at, tz) if r.last_contacted_at else "never",
                                   r.owner or "-"]))
    headers = {
        "owner": ("lead", "owner"), "budget": ("lead", "budget"), "budget_min": ("lead", "minimum budget"),
        "budget_max": ("lead", "maximum budget"), "last_contacted": ("lead", "last contacted"),
        "created": ("lead", "created"), "unit_type": ("lead", "unit type"),
        "summary": ("lead", "status", "project", "unit type", "budget", "last contacted", "owner"),
    }
    return headers.get(f, ("lead", f.replace("_", " "))), out


def _missing(answer: DataAnswer, spec: QuerySpec, vocab: Vocabulary, agent: Agent) -> None:
    seen = set(answer.leads)
    answer.missing = [n for n in vocab.lead_names_for(spec.lead_ids) if n not in seen]


def _fill_list(answer: DataAnswer, spec: QuerySpec, rows: list[Any], *, agent: Agent, tz, total: int | None) -> None:  # noqa: ANN001
    show_owner = _shows_owner(spec, agent)
    truncated = total is None and len(rows) > ROW_LIMIT
    rows = rows[:ROW_LIMIT]
    if spec.entity == "follow_ups":
        header = ("due", "title", "lead", "status")
        body = [(_when(r[0], tz), r[1], r[2], r[3]) for r in rows]
        names = [r[2] for r in rows]
    elif spec.entity == "interactions":
        header = ("when", "kind", "lead", "summary")
        body = [(_when(r[0], tz), r[1], r[2], _short(r[3])) for r in rows]
        names = [r[2] for r in rows]
    else:
        header = ("lead", "status", "project", "unit type", "budget", "last contacted")
        body = [(r[0], r[1], r[2] or "-", r[3] or "-", _budget_text(r[4], r[5]),
                 _when(r[6], tz) if r[6] else "never") for r in rows]
        names = [r[0] for r in rows]
        if spec.order is not None and spec.order[0] == "last_contacted_at":
            answer.never_contacted = [r[0] for r in rows if r[6] is None]
    if show_owner:
        header = (*header, "owner")
        body = [(*b, r[-1] or "-") for b, r in zip(body, rows)]
    answer.leads = list(dict.fromkeys(names))
    answer.table = (header, *body[:TABLE_ROWS])
    answer.total_rows = total if total is not None else (len(rows) + (1 if truncated else 0))
    if spec.entity != "leads" and spec.measure == "list":
        answer.total_rows = len(rows)


def _number(raw: Any) -> int | float | None:
    if raw is None:
        return None
    value = float(raw)
    return int(value) if value.is_integer() else value  # rounded for display only


def _label(key: Any) -> str:
    return "(none)" if key is None or key == "" else str(key)


def _when(moment: datetime | None, tz) -> str:  # noqa: ANN001
    if moment is None:
        return "-"
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _short(text: str | None, n: int = 60) -> str:
    text = (text or "").strip()
    return text if len(text) <= n else text[: n - 1] + "…"


def _budget_text(low: Any, high: Any) -> str:
    if low is None and high is None:
        return "-"
    if low is None or high is None or low == high:
        return format_number(_number(high if high is not None else low))
    return f"{format_number(_number(low))}–{format_number(_number(high))}"


def criteria(spec: QuerySpec, *, vocab: Vocabulary, agent: Agent) -> list[tuple[str, str]]:
    """What the answer was limited to, as (kind, value) pairs that the template words."""
    out: list[tuple[str, str]] = []
    if spec.statuses:
        out.append(("status", " or ".join(s.replace("_", " ") for s in spec.statuses)))
    if spec.exclude_statuses:
        out.append(("not_status", " or ".join(s.replace("_", " ") for s in spec.exclude_statuses)))
    if spec.projects:
        out.append(("project", " or ".join(spec.projects)))
    if spec.unit_types:
        out.append(("unit_type", " or ".join(spec.unit_types)))
    if spec.sources:
        out.append(("source", " or ".join(spec.sources)))
    if spec.owner_label:
        out.append(("owner", spec.owner_label))
    if spec.unassigned:
        out.append(("unassigned", ""))
    if spec.min_interactions is not None:
        kinds = " or ".join(k + "s" for k in spec.counted_kinds) or "contacts"
        out.append(("repeated", f"with at least {spec.min_interactions} {kinds}"))
    if spec.lead_labels and spec.measure != "field":
        out.append(("lead", " and ".join(spec.lead_labels)))
    if spec.budget_low is not None and spec.budget_high is not None:
        out.append(("budget_between", f"{format_number(spec.budget_low)} and {format_number(spec.budget_high)}"))
    elif spec.budget_low is not None:
        out.append(("budget_over" if not spec.budget_low_inclusive else "budget_at_least", format_number(spec.budget_low)))
    elif spec.budget_high is not None:
        out.append(("budget_under" if not spec.budget_high_inclusive else "budget_at_most", format_number(spec.budget_high)))
    if spec.last_contact_before is not None:
        out.append(("last_contact_before", spec.last_contact_before.strftime("%Y-%m-%d %H:%M")))
    for name, period in (("created", spec.created), ("updated", spec.updated), ("contacted", spec.contacted),
                         ("last_contacted", spec.last_contact_in),
                         ("due", spec.due), ("occurred", spec.occurred)):
        if period is not None:
            out.append((name, period.label))
    if spec.not_contacted_since is not None:
        out.append(("not_contacted_since", spec.not_contacted_since.strftime("%Y-%m-%d %H:%M")))
    if spec.never_contacted:
        out.append(("never_contacted", ""))
    if spec.without_interaction_kinds:
        since = spec.without_interaction_since.strftime("%Y-%m-%d") if spec.without_interaction_since else ""
        out.append(("without_interaction", " or ".join(spec.without_interaction_kinds) + (f" since {since}" if since else "")))
    if spec.interaction_kinds and spec.entity == "interactions":
        out.append(("kind", " or ".join(spec.interaction_kinds)))
    if spec.overdue:
        out.append(("overdue", ""))
    if spec.without_follow_up:
        out.append(("without_follow_up", ""))
    if spec.with_follow_up:
        out.append(("with_follow_up", ""))
    if spec.entity == "follow_ups" and spec.follow_up_statuses and spec.follow_up_statuses != ("open",):
        out.append(("follow_up_status", " or ".join(spec.follow_up_statuses)))
    return out


__all__ = ["DataAnswer", "answer_data", "run_spec", "lead_conditions", "scope_clause", "sql_text", "CLOSED"]
