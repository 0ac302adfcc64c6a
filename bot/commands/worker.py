"""`crmbot worker`: the background process (scheduler, IMAP poller, outbox)."""
from __future__ import annotations


def register(sub) -> None:  # noqa: ANN001
    p = sub.add_parser("worker", help="run the worker process (scheduler, IMAP poller, outbox)",
                       description="Run the worker until SIGTERM or Ctrl-C. Run exactly one per deployment.")
    p.add_argument("--no-migrate", action="store_true", help="do not apply migrations at start")
    p.set_defaults(func=_worker)


def _worker(args, ctx) -> int:  # noqa: ANN001
    from bot import worker
    from crm import migrate

    if not args.no_migrate:
        migrate.upgrade(ctx.engine)
    worker.run(ctx)
    return 0
