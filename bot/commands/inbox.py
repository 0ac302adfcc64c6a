"""`crmbot inbox`: what came in by email, what failed, and handling it again.

    crmbot inbox list [--failed | --unmatched] [--limit N]
    crmbot inbox show ID
    crmbot inbox retry ID | --all
    crmbot inbox add FILE.eml          feed a message by hand, as if it had arrived
    crmbot inbox create-lead ID [--owner EMAIL] --as EMAIL   make an unknown sender a lead
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.templating import render
from crm.errors import InvalidInput, NotFound
from crm.models import Agent, InboundMessage, Lead
from crm.types import utcnow

MAX_FILE_BYTES = 64 * 1024 * 1024


def register(sub) -> None:  # noqa: ANN001
    p = sub.add_parser("inbox", help="inbound email: list, show, retry, add",
                       description="Inbound email kept by the bot: list it, show one, retry failures, "
                                   "feed a message by hand.")
    isub = p.add_subparsers(dest="inbox_command", metavar="ACTION", required=True)

    ls = isub.add_parser("list", help="list inbound messages, newest first")
    which = ls.add_mutually_exclusive_group()
    which.add_argument("--failed", action="store_true", help="only messages that failed")
    which.add_argument("--unmatched", action="store_true", help="only messages from unknown senders")
    ls.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    ls.set_defaults(func=_list)

    show = isub.add_parser("show", help="show one inbound message")
    show.add_argument("id", type=int)
    show.set_defaults(func=_show)

    retry = isub.add_parser("retry", help="handle failed or unmatched messages again")
    target = retry.add_mutually_exclusive_group(required=True)
    target.add_argument("id", type=int, nargs="?", help="one message")
    target.add_argument("--all", action="store_true", help="every failed message and any left unprocessed")
    retry.set_defaults(func=_retry)

    add = isub.add_parser("add", help="feed a message file (.eml) to the inbox")
    add.add_argument("file", type=Path)
    add.set_defaults(func=_add)

    create = isub.add_parser("create-lead", help="make the sender of an unmatched message a lead")
    create.add_argument("id", type=int)
    create.add_argument("--as", dest="actor", metavar="EMAIL", required=True, help="the agent doing it")
    create.add_argument("--owner", metavar="EMAIL", help="the new lead's owner (default: the agent doing it)")
    create.set_defaults(func=_create_lead)


def _service(ctx):  # noqa: ANN001, ANN202
    from handlers.email_in.service import InboxService

    return InboxService.from_context(ctx)


def _list(args, ctx) -> int:  # noqa: ANN001
    from handlers.email_in.inbox import listing

    states = ["failed"] if args.failed else ["unmatched"] if args.unmatched else None
    with ctx.sessions() as session:
        rows = listing(session, states=states, limit=max(1, args.limit))
        leads = {lead.id: lead.name for lead in session.scalars(
            select(Lead).where(Lead.id.in_({m.lead_id for m in rows if m.lead_id})))}
        print(render("email_in/cli_list.j2", rows=rows, leads=leads, states=states))
    return 0


def _show(args, ctx) -> int:  # noqa: ANN001
    with ctx.sessions() as session:
        msg = session.get(InboundMessage, args.id)
        if msg is None:
            raise NotFound(f"no inbound message {args.id}")
        lead = session.get(Lead, msg.lead_id) if msg.lead_id else None
        print(render("email_in/cli_show.j2", msg=msg, lead=lead))
    return 0


def _retry(args, ctx) -> int:  # noqa: ANN001
    from handlers.email_in.inbox import RETRYABLE

    service = _service(ctx)
    if args.all:
        with ctx.sessions() as session:
            ids = list(session.scalars(select(InboundMessage.id).where(
                InboundMessage.state.in_(["failed", "received"])).order_by(InboundMessage.id)))
    else:
        with ctx.sessions() as session:
            msg = session.get(InboundMessage, args.id)
            if msg is None:
                raise NotFound(f"no inbound message {args.id}")
            if msg.state not in RETRYABLE:
                raise InvalidInput(f"inbound message {args.id} is {msg.state}; only failed, unmatched or "
                                   "unprocessed messages are retried")
        ids = [args.id]
    results = [service.process(i, states=RETRYABLE) for i in ids]
    print(render("email_in/cli_results.j2", results=results))
    return 1 if any(r.state == "failed" for r in results) else 0


def _add(args, ctx) -> int:  # noqa: ANN001
    if not args.file.is_file():
        raise InvalidInput(f"{args.file}: no such file")
    if args.file.stat().st_size > MAX_FILE_BYTES:
        raise InvalidInput(f"{args.file}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    service = _service(ctx)
    inbound_id = service.store(args.file.read_bytes(), source="cli", mail_from=None, rcpt_to=None)
    if inbound_id is None:
        print(render("email_in/cli_duplicate.j2", file=str(args.file)))
        return 0
    result = service.process(inbound_id)
    print(render("email_in/cli_results.j2", results=[result]))
    return 1 if result.state == "failed" else 0


def _create_lead(args, ctx) -> int:  # noqa: ANN001
    from handlers.email_in.unmatched import create_lead_from

    service = _service(ctx)
    deps = service.deps()
    with ctx.sessions.begin() as session:
        actor = _agent(session, args.actor)
        owner = _agent(session, args.owner) if args.owner else None
        created = create_lead_from(session, args.id, actor=actor, owner=owner, now=utcnow(), **deps)
        print(render("email_in/cli_created_lead.j2", lead=created.lead, existed=created.existed,
                     msg=created.message))
    return 0


def _agent(session, email: str) -> Agent:  # noqa: ANN001
    agent = session.scalar(select(Agent).where(Agent.email == email.strip().lower()))
    if agent is None:
        raise NotFound(f"no agent with email {email}")
    return agent
