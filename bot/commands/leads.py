"""`crmbot import leads FILE`: upsert leads from CSV or XLSX."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from crm.errors import InvalidInput, NotFound
from crm.importer import import_leads, read_rows
from crm.models import Agent

MAX_ERRORS_SHOWN = 50


def register(sub) -> None:  # noqa: ANN001
    p = sub.add_parser("import", help="import data", description="Import data into the CRM.")
    isub = p.add_subparsers(dest="import_command", metavar="WHAT", required=True)
    leads = isub.add_parser(
        "leads",
        help="import leads from a CSV or XLSX file (upsert by email)",
        description="Import leads from CSV or XLSX. Headers are matched case-insensitively with common "
        "aliases; owners are given by agent email. A file with any bad row imports nothing unless "
        "--skip-bad-rows is given.",
    )
    leads.add_argument("file", type=Path)
    leads.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    leads.add_argument("--skip-bad-rows", action="store_true", help="import the good rows, report the bad")
    leads.add_argument("--owner", metavar="EMAIL", help="owner for rows that name none")
    leads.set_defaults(func=_import_leads)


def _import_leads(args, ctx) -> int:  # noqa: ANN001
    if not args.file.is_file():
        raise InvalidInput(f"{args.file}: no such file")
    with ctx.sessions() as session:
        owner = None
        if args.owner:
            owner = session.scalar(select(Agent).where(Agent.email == args.owner.lower()))
            if owner is None:
                raise NotFound(f"no agent with email {args.owner}")
        report = import_leads(session, read_rows(args.file), dry_run=args.dry_run,
                              skip_bad_rows=args.skip_bad_rows, default_owner=owner)
        for e in report.errors[:MAX_ERRORS_SHOWN]:
            print(f"error: {e}")
        if len(report.errors) > MAX_ERRORS_SHOWN:
            print(f"... and {len(report.errors) - MAX_ERRORS_SHOWN} more errors")
        if report.errors and not args.skip_bad_rows:
            session.rollback()
            print(f"nothing imported: {len(report.errors)} bad row(s); fix them or use --skip-bad-rows")
            return 1
        if args.dry_run:
            session.rollback()
        else:
            session.commit()
    verb = "would import" if args.dry_run else "imported"
    print(f"{verb}: {report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
          f"{report.skipped} skipped")
    return 0
