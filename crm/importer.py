"""Import leads from CSV or XLSX: forgiving headers, strict rows, all or nothing by default."""
from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.audit import set_audited
from crm.encoding import decode_guess
from crm.errors import InvalidInput
from crm.models import LEAD_STATUSES, Agent, Lead
from crm.lookup import normalise

# Canonical field -> header spellings seen in real exports (compared after normalising).
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "full name", "fullname", "lead name", "contact", "contact name", "client name", "customer name"),
    "first_name": ("first name", "firstname", "given name", "forename"),
    "last_name": ("last name", "lastname", "surname", "family name"),
    "email": ("email", "e-mail", "email address", "e-mail address", "mail", "lead email", "contact email"),
    "phone": ("phone", "phone number", "mobile", "mobile number", "tel", "telephone", "cell"),
    "company": ("company", "company name", "organisation", "organization", "employer", "account"),
    "project": ("project", "project enquired", "project interested", "property", "development", "listing"),
    "unit_type": ("unit type", "unit", "type", "bedrooms", "unit preference"),
    "budget_min": ("budget min", "budget (min)", "min budget", "minimum budget", "budget from", "budget low"),
    "budget_max": ("budget max", "budget (max)", "max budget", "maximum budget", "budget to", "budget high", "budget"),
    "status": ("status", "stage", "lead status", "pipeline stage"),
    "owner": ("owner", "owner email", "agent", "agent email", "assigned to", "assigned agent", "sales rep"),
    "source": ("source", "lead source", "channel", "origin"),
    "notes": ("notes", "note", "comments", "remarks"),
}

STATUS_SYNONYMS = {
    "new": "new", "open": "new", "fresh": "new",
    "contacted": "contacted", "in contact": "contacted", "attempted": "contacted",
    "qualified": "qualified",
    "negotiating": "negotiating", "negotiation": "negotiating", "in negotiation": "negotiating", "offer": "negotiating",
    "closed won": "closed_won", "won": "closed_won", "closedwon": "closed_won", "sold": "closed_won",
    "closed lost": "closed_lost", "lost": "closed_lost", "closedlost": "closed_lost", "dead": "closed_lost",
    "follow up": "follow_up", "followup": "follow_up", "follow-up": "follow_up", "nurture": "follow_up",
}

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_CELL = 2000


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based row number in the file, the header being row 1
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.reason}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    committed: bool = False


def _header_key(h: str) -> str:
    return " ".join(normalise(h.replace("_", " ")).replace("(", " ").replace(")", " ").split())


def map_headers(headers: list[str]) -> dict[int, str]:
    """Column index -> canonical field. Unknown columns are ignored."""
    lookup = {_header_key(alias): canon for canon, aliases in ALIASES.items() for alias in aliases}
    mapping: dict[int, str] = {}
    for i, h in enumerate(headers):
        canon = lookup.get(_header_key(h or ""))
        if canon and canon not in mapping.values():
            mapping[i] = canon
    return mapping


def parse_money(raw: str) -> int:
    """'£1.2m' -> 1200000, '900k' -> 900000, '1,250,000.00' -> 1250000."""
    s = raw.strip().lower().replace(",", "").replace(" ", "")
    s = re.sub(r"^[^\d.]+", "", s)  # currency symbols and codes in front
    s = re.sub(r"(usd|eur|gbp|aed|sgd)$", "", s)
    mult = 1
    if s.endswith(("m", "mn")):
        mult, s = 1_000_000, s.rstrip("mn")
    elif s.endswith("k"):
        mult, s = 1_000, s[:-1]
    if not re.fullmatch(r"\d+(\.\d+)?", s):
        raise ValueError(raw)
    return int(round(float(s) * mult))


def parse_status(raw: str) -> str:
    key = " ".join(normalise(raw.replace("_", " ")).split())
    if key.replace(" ", "_") in LEAD_STATUSES:
        return key.replace(" ", "_")
    if key in STATUS_SYNONYMS:
        return STATUS_SYNONYMS[key]
    raise ValueError(raw)


def read_rows(path: Path) -> Iterator[list[str]]:
    """Rows of a CSV or XLSX file as lists of strings (header first)."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        yield from _xlsx_rows(path)
    elif suffix in (".csv", ".txt", ".tsv"):
        yield from _csv_rows(path)
    else:
        raise InvalidInput(f"{path.name}: unsupported file type (use .csv or .xlsx)")


def _csv_rows(path: Path) -> Iterator[list[str]]:
    text = decode_guess(path.read_bytes())
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    yield from csv.reader(io.StringIO(text, newline=""), dialect)


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a damaged file
        raise InvalidInput(f"{path.name}: not a readable XLSX workbook") from None
    try:
        for row in wb.worksheets[0].iter_rows(values_only=True):
            yield ["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)) for v in row]
    finally:
        wb.close()


def _clean_row(raw: list[str], mapping: dict[int, str], rownum: int, agents: dict[str, Agent],
               errors: list[RowError]) -> dict[str, Any] | None:
    vals = {canon: (raw[i].strip() if i < len(raw) and raw[i] is not None else "") for i, canon in mapping.items()}
    before = len(errors)

    def err(col: str, reason: str) -> None:
        errors.append(RowError(rownum, col, reason))

    for col, v in vals.items():
        if len(v) > MAX_CELL:
            err(col, f"longer than {MAX_CELL} characters")
    if not vals.get("name") and (vals.get("first_name") or vals.get("last_name")):
        vals["name"] = " ".join(p for p in (vals.get("first_name"), vals.get("last_name")) if p)
    out: dict[str, Any] = {}
    if not vals.get("name"):
        err("name", "is empty")
    else:
        out["name"] = " ".join(vals["name"].split())
    email = vals.get("email", "").lower()
    if not email:
        err("email", "is empty (leads are matched by email)")
    elif not EMAIL_RE.match(email):
        err("email", f"'{email[:80]}' is not an email address")
    else:
        out["email"] = email
    for col in ("phone", "company", "project", "unit_type", "source", "notes"):
        if vals.get(col):
            out[col] = vals[col]
    for col in ("budget_min", "budget_max"):
        if vals.get(col):
            try:
                out[col] = parse_money(vals[col])
            except ValueError:
                err(col, f"'{vals[col][:40]}' is not an amount")
    if "budget_min" in out and "budget_max" in out and out["budget_min"] > out["budget_max"]:
        err("budget_min", "is greater than budget_max")
    if vals.get("status"):
        try:
            out["status"] = parse_status(vals["status"])
        except ValueError:
            err("status", f"'{vals['status'][:40]}' is not one of {', '.join(LEAD_STATUSES)}")
    if vals.get("owner"):
        owner = agents.get(vals["owner"].lower()) or agents.get("name:" + normalise(vals["owner"]))
        if owner is None:
            err("owner", f"no agent with email '{vals['owner'][:80]}'")
        else:
            out["owner_id"] = owner.id
    return out if len(errors) == before else None


def import_leads(
    session: Session,
    rows: Iterable[list[str]],
    *,
    dry_run: bool = False,
    skip_bad_rows: bool = False,
    actor: Agent | None = None,
    default_owner: Agent | None = None,
) -> ImportReport:
    """Upsert leads by email. With errors nothing is written unless ``skip_bad_rows``.

    The caller owns the transaction: this function only adds to the session and flushes.
    """
    report = ImportReport(dry_run=dry_run)
    it = iter(rows)
    try:
        headers = next(it)
    except StopIteration:
        raise InvalidInput("the file is empty") from None
    mapping = map_headers(headers)
    fields = set(mapping.values())
    if "email" not in fields or not ({"name", "first_name", "last_name"} & fields):
        raise InvalidInput("the header must have a name column and an email column "
                           f"(found: {', '.join(h for h in headers if h) or 'nothing'})")
    agents: dict[str, Agent] = {}
    for a in session.scalars(select(Agent)):
        agents[a.email.lower()] = a
        agents["name:" + normalise(a.name)] = a
    existing = {lead.email: lead for lead in session.scalars(select(Lead).where(Lead.email.is_not(None)))}

    cleaned: list[tuple[int, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for rownum, raw in enumerate(it, start=2):
        if not any((c or "").strip() for c in raw):
            continue
        row = _clean_row(raw, mapping, rownum, agents, report.errors)
        if row is None:
            report.skipped += 1
            continue
        if row["email"] in seen:
            report.errors.append(RowError(rownum, "email", f"duplicate of row {seen[row['email']]}"))
            report.skipped += 1
            continue
        seen[row["email"]] = rownum
        cleaned.append((rownum, row))

    if report.errors and not skip_bad_rows:
        report.skipped = 0
        return report

    new_leads = []
    for _, row in cleaned:
        lead = existing.get(row["email"])
        if lead is None:
            row.setdefault("owner_id", default_owner.id if default_owner else None)
            row.setdefault("status", "new")
            row["token"] = secrets.token_urlsafe(16)
            new_leads.append(Lead(**row))
            report.created += 1
        elif dry_run:
            changed = any(getattr(lead, k) != v for k, v in row.items())
            report.updated += changed
            report.unchanged += not changed
        else:
            changed = set_audited(session, lead, row, actor=actor, channel="import")
            report.updated += bool(changed)
            report.unchanged += not changed
    if not dry_run:
        session.add_all(new_leads)
        session.flush()
        report.committed = True
    return report
