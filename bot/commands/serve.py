"""`crmbot serve`: the web process (Slack endpoint, SMTP inbound, unsubscribe, /healthz)."""
from __future__ import annotations


def register(sub) -> None:  # noqa: ANN001
    p = sub.add_parser("serve", help="run the web process (Slack, SMTP in, unsubscribe, /healthz)",
                       description="Run the web process until SIGTERM or Ctrl-C.")
    p.add_argument("--no-migrate", action="store_true", help="do not apply migrations at start")
    p.set_defaults(func=_serve)


def _serve(args, ctx) -> int:  # noqa: ANN001
    from bot import serve
    from crm import migrate

    if not args.no_migrate:
        migrate.upgrade(ctx.engine)
    serve.run(ctx)
    return 0
