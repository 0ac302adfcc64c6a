"""`crmbot campaign …`: create, preview, test, schedule, pause, resume, cancel, stats, list."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from bot.templating import render
from crm.errors import InvalidInput, NotFound
from crm.importer import parse_money
from crm.models import Agent
from handlers.campaigns import service
from handlers.campaigns.compose import Composer, composer_from_settings
from handlers.campaigns.render import Renderer
from handlers.campaigns.stats import funnel_chart
from handlers.campaigns.transport import SendError, transport_from_settings

MAX_TEMPLATE_BYTES = 256 * 1024


def register(sub) -> None:  # noqa: ANN001
    p = sub.add_parser("campaign", help="personalised email campaigns",
                       description="Create, check, schedule and follow email campaigns. Sending happens in "
                       "`crmbot worker`.")
    csub = p.add_subparsers(dest="campaign_command", metavar="ACTION", required=True)

    ls = csub.add_parser("list", help="list campaigns")
    _by(ls)
    ls.set_defaults(func=_list)

    tl = csub.add_parser("templates", help="list the templates in templates/campaigns/")
    tl.set_defaults(func=_templates)

    create = csub.add_parser("create", help="create a draft campaign",
                             description="Create a draft campaign. Audience filters narrow the leads; repeat a "
                             "filter for alternatives (--status new --status contacted). Opted-out and bouncing "
                             "leads, and leads without email, are always left out.")
    create.add_argument("name")
    src = create.add_mutually_exclusive_group(required=True)
    src.add_argument("--template", help="a template name from templates/campaigns/ (see `campaign templates`)")
    src.add_argument("--template-file", type=Path, help="a template file with subject, text and html blocks")
    create.add_argument("--sender", help="From address, e.g. 'Alex Morgan <alex@agency.example>' "
                        "(default: the --by agent, else CRMBOT_MAIL_FROM)")
    for flag in ("status", "project", "unit-type", "source"):
        create.add_argument(f"--{flag}", action="append", default=[], metavar=flag.upper().replace("-", "_"))
    create.add_argument("--owner", action="append", default=[], metavar="AGENT_EMAIL")
    create.add_argument("--budget-min", metavar="AMOUNT", help="budget reaches at least this (900k, 1.2m, …)")
    create.add_argument("--budget-max", metavar="AMOUNT", help="budget starts at or below this")
    create.add_argument("--contacted-before", metavar="DATE", help="not contacted since DATE (YYYY-MM-DD)")
    create.add_argument("--contacted-after", metavar="DATE", help="last contacted on or after DATE")
    create.add_argument("--rate", type=float, metavar="PER_SECOND", help="at most this many emails per second")
    create.add_argument("--max-failures", type=int, default=10, help="pause after this many failures in a row")
    create.add_argument("--timezone", help="IANA time zone for the schedule (default: the agent's)")
    create.add_argument("--passages", type=int, default=0,
                        help="add this many passages about the lead's project from the documents (0-5)")
    create.add_argument("--personal-paragraph", action="store_true",
                        help="add a paragraph written by the configured LLM from those passages")
    _by(create)
    create.set_defaults(func=_create)

    preview = csub.add_parser("preview", help="show the email one lead would get")
    preview.add_argument("name")
    preview.add_argument("--lead", required=True, metavar="NAME_OR_EMAIL")
    preview.add_argument("--html", action="store_true", help="show the HTML part too")
    preview.add_argument("--raw", action="store_true", help="print the whole message as sent")
    _by(preview)
    preview.set_defaults(func=_preview)

    test = csub.add_parser("test", help="send one email to an agent")
    test.add_argument("name")
    test.add_argument("--to", metavar="AGENT_EMAIL", help="the agent to send it to (default: the --by agent)")
    test.add_argument("--lead", metavar="NAME_OR_EMAIL", help="render it for this lead (default: the first in the audience)")
    _by(test)
    test.set_defaults(func=_test)

    sched = csub.add_parser("schedule", help="send once at a time, now, or on a cron rule")
    sched.add_argument("name")
    when = sched.add_mutually_exclusive_group(required=True)
    when.add_argument("--at", metavar="'YYYY-MM-DD HH:MM'", help="local time in the campaign's time zone")
    when.add_argument("--cron", metavar="'m h dom mon dow'", help="e.g. '0 9 * * MON'; each run adds new audience members")
    when.add_argument("--now", action="store_true")
    sched.add_argument("--timezone", help="IANA time zone (default: the campaign's)")
    _by(sched)
    sched.set_defaults(func=_schedule)

    for action, helptext in (("pause", "stop sending for now"), ("resume", "carry on after a pause"),
                             ("cancel", "stop for good")):
        ap = csub.add_parser(action, help=helptext)
        ap.add_argument("name")
        _by(ap)
        ap.set_defaults(func=_change, action=action)

    stats = csub.add_parser("stats", help="what came back: sent, replies, opt-outs, bounces, goals")
    stats.add_argument("name")
    stats.add_argument("--chart", type=Path, metavar="OUT.png", help="also draw the funnel as a PNG")
    stats.add_argument("--json", action="store_true", help="print JSON")
    _by(stats)
    stats.set_defaults(func=_stats)


def _by(parser) -> None:  # noqa: ANN001
    parser.add_argument("--by", metavar="AGENT_EMAIL", help="act as this agent (their permissions apply)")


def _actor(session, email: str | None) -> Agent | None:  # noqa: ANN001
    if not email:
        return None
    agent = session.scalar(select(Agent).where(Agent.email == email.strip().lower()))
    if agent is None:
        raise NotFound(f"no agent with email {email}")
    return agent


def _composer(ctx) -> Composer:  # noqa: ANN001
    return composer_from_settings(ctx.settings)


def _show(name: str, **kw: object) -> None:
    print(render(f"campaigns/cli/{name}.txt.j2", **kw))


def _list(args, ctx) -> int:  # noqa: ANN001
    with ctx.sessions() as session:
        campaigns = service.list_campaigns(session, actor=_actor(session, args.by))
    _show("list", campaigns=campaigns)
    return 0


def _templates(args, ctx) -> int:  # noqa: ANN001
    _show("templates", names=Renderer().available())
    return 0


def _create(args, ctx) -> int:  # noqa: ANN001
    source = label = None
    if args.template_file is not None:
        if not args.template_file.is_file():
            raise InvalidInput(f"{args.template_file}: no such file")
        if args.template_file.stat().st_size > MAX_TEMPLATE_BYTES:
            raise InvalidInput(f"{args.template_file}: a template may be at most 256 KB")
        source = args.template_file.read_text(encoding="utf-8")
        label = args.template_file.name
    with ctx.sessions.begin() as session:
        actor = _actor(session, args.by)
        tz_name = args.timezone or (actor.timezone if actor else ctx.settings.timezone)
        tz = _zone(tz_name)
        owners = []
        for email in args.owner:
            owner = _actor(session, email)
            assert owner is not None
            owners.append(owner.id)
        audience = {
            "status": args.status, "project": args.project, "unit_type": args.unit_type, "source": args.source,
            "owner_ids": owners,
            "budget_min": _money(args.budget_min), "budget_max": _money(args.budget_max),
            "contacted_before": _day(args.contacted_before, tz), "contacted_after": _day(args.contacted_after, tz),
        }
        sender = args.sender or (f"{actor.name} <{actor.email}>" if actor else ctx.settings.mail_from)
        view = service.create_campaign(
            session, name=args.name, sender=sender, audience=audience, composer=_composer(ctx),
            template=args.template, template_source=source, template_label=label, timezone_name=tz_name,
            rate_per_second=args.rate, max_consecutive_failures=args.max_failures,
            options={"passages": args.passages, "personal_paragraph": args.personal_paragraph}, actor=actor,
        )
    _show("created", campaign=view)
    return 0


def _preview(args, ctx) -> int:  # noqa: ANN001
    with ctx.sessions() as session:
        preview = service.preview_campaign(session, args.name, lead_query=args.lead, composer=_composer(ctx),
                                           actor=_actor(session, args.by))
    if args.raw:
        print(preview.raw.decode("ascii", "replace"))
        return 0
    _show("preview", preview=preview, show_html=args.html)
    return 0


def _test(args, ctx) -> int:  # noqa: ANN001
    with ctx.sessions() as session:
        actor = _actor(session, args.by)
        to_agent = _actor(session, args.to) or actor
        if to_agent is None:
            raise InvalidInput("say which agent gets the test email: --to AGENT_EMAIL")
        try:
            sent = service.send_test(session, args.name, to_agent=to_agent, composer=_composer(ctx),
                                     transport=transport_from_settings(ctx.settings), lead_query=args.lead, actor=actor)
        except SendError as exc:
            _show("test_failed", reason=exc.summary(), permanent=exc.permanent)
            return 1
    _show("tested", sent=sent, maildir=str(ctx.settings.maildir))
    return 0


def _schedule(args, ctx) -> int:  # noqa: ANN001
    with ctx.sessions.begin() as session:
        view = service.schedule_campaign(session, args.name, actor=_actor(session, args.by), at=args.at,
                                         cron=args.cron, now=args.now, timezone_name=args.timezone)
    _show("scheduled", campaign=view)
    return 0


def _change(args, ctx) -> int:  # noqa: ANN001
    fn = {"pause": service.pause_campaign, "resume": service.resume_campaign, "cancel": service.cancel_campaign}
    with ctx.sessions.begin() as session:
        view = fn[args.action](session, args.name, actor=_actor(session, args.by))
    _show("changed", campaign=view, action=args.action)
    return 0


def _stats(args, ctx) -> int:  # noqa: ANN001
    with ctx.sessions() as session:
        stats = service.stats(session, args.name, actor=_actor(session, args.by))
    chart = funnel_chart(stats, args.chart) if args.chart else None
    if args.json:
        print(json.dumps({**stats.to_dict(), "chart": str(chart) if chart else None}, indent=2))
        return 0
    _show("stats", stats=stats, chart=str(chart) if chart else None)
    return 0


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {name!r} (use an IANA name like Europe/London)") from None


def _money(raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        return parse_money(raw)
    except ValueError:
        raise InvalidInput(f"{raw!r} is not an amount (try 900000, 900k or 1.2m)") from None


def _day(raw: str | None, tz: ZoneInfo) -> str | None:
    if raw is None:
        return None
    try:
        when = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput(f"{raw!r} is not a date (use YYYY-MM-DD)") from None
    return (when if when.tzinfo else when.replace(tzinfo=tz)).isoformat()
