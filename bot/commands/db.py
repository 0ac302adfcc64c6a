"""`crmbot db upgrade|current`: apply and inspect migrations."""
from __future__ import annotations

from crm import migrate


def register(sub) -> None:  # noqa: ANN001
    p = sub.add_parser("db", help="database migrations", description="Apply or inspect database migrations.")
    dsub = p.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = dsub.add_parser("upgrade", help="apply all migrations (safe to run again)")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=_upgrade)
    cur = dsub.add_parser("current", help="show the applied revision")
    cur.set_defaults(func=_current)


def _upgrade(args, ctx) -> int:  # noqa: ANN001
    migrate.upgrade(ctx.engine, args.revision)
    print(f"database at {migrate.current(ctx.engine)}")
    return 0


def _current(args, ctx) -> int:  # noqa: ANN001
    print(migrate.current(ctx.engine) or "empty (run `crmbot db upgrade`)")
    return 0
