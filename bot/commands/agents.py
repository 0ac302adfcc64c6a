"""`crmbot agents add|list|link`: the people who use the bot."""
from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from crm.errors import InvalidInput, NotFound
from crm.models import Agent


def register(sub) -> None:  # noqa: ANN001
    p = sub.add_parser("agents", help="manage agents", description="Add, list and link agents.")
    asub = p.add_subparsers(dest="agents_command", metavar="ACTION", required=True)
    add = asub.add_parser("add", help="add or update an agent")
    add.add_argument("email")
    add.add_argument("--name", required=True)
    add.add_argument("--role", choices=("agent", "admin"), default="agent")
    add.add_argument("--timezone", default="UTC")
    add.add_argument("--slack-user", help="Slack user id (U...)")
    add.set_defaults(func=_add)
    ls = asub.add_parser("list", help="list agents")
    ls.set_defaults(func=_list)
    link = asub.add_parser("link", help="link a Slack user id to an agent")
    link.add_argument("email")
    link.add_argument("slack_user")
    link.set_defaults(func=_link)


def _add(args, ctx) -> int:  # noqa: ANN001
    try:
        ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {args.timezone!r} (use an IANA name like Europe/London)") from None
    with ctx.sessions.begin() as session:
        agent = session.scalar(select(Agent).where(Agent.email == args.email.lower()))
        if agent is None:
            agent = Agent(email=args.email.lower(), name=args.name)
            session.add(agent)
        agent.name, agent.role, agent.timezone = args.name, args.role, args.timezone
        if args.slack_user:
            agent.slack_user_id = args.slack_user
    print(f"agent {args.email.lower()} saved")
    return 0


def _list(args, ctx) -> int:  # noqa: ANN001
    with ctx.sessions() as session:
        for a in session.scalars(select(Agent).order_by(Agent.name)):
            print(f"{a.email:<32} {a.name:<24} {a.role:<6} {a.timezone:<20} {a.slack_user_id or '-'}")
    return 0


def _link(args, ctx) -> int:  # noqa: ANN001
    with ctx.sessions.begin() as session:
        agent = session.scalar(select(Agent).where(Agent.email == args.email.lower()))
        if agent is None:
            raise NotFound(f"no agent with email {args.email}")
        agent.slack_user_id = args.slack_user
    print(f"{args.email.lower()} linked to Slack user {args.slack_user}")
    return 0
