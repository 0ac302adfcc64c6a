"""`crmbot campaign …`: create, preview, test, schedule, pause, resume, cancel, stats, list."""
from __future__ import annotations

import json
from pathlib import Path


from bot.templating import render
from crm.errors import InvalidInput
from crm.models import Agent
from bot import campaign_grammar as grammar
from handlers.campaigns import service
from handlers.campaigns.compose import Composer, composer_from_settings
from handlers.campaigns.render import Renderer
from handlers.campaigns.stats import funnel_chart
from handlers.campaigns.transport import SendError, transport_from_settings

MAX_TEMPLATE_BYTES = 256 * 1024


def register(sub) -> None:  # noqa: ANN001
    p = sub.add_parser("campaign", help="personalised email campaigns",
                       description="Create, check, schedule and follow email campaigns. Sending happens in "
                       "`crmbot worker`. The same actions work in Slack and the console as `campaign ...`.")
    csub = p.add_subparsers(dest="campaign_command", metavar="ACTION", required=True)
    parsers = grammar.add_actions(csub, cli=True)
    for name, parser in parsers.items():
        if name != "templates":
            _by(parser)
    handlers = {"list": _list, "templates": _templates, "create": _create, "preview": _preview, "test": _test,
                "schedule": _schedule, "stats": _stats}
    for name, parser in parsers.items():
        parser.set_defaults(func=_words_joined(handlers.get(name, _change)), action=name)


def _words_joined(fn):  # noqa: ANN001, ANN202
    """Names, leads, times and senders may be given as several words; the handlers see one string."""
    def run(args, ctx) -> int:  # noqa: ANN001
        grammar.join_words(args)
        for key in ("template_file", "chart"):
            if getattr(args, key, None) is not None:
                setattr(args, key, Path(getattr(args, key)))
        return fn(args, ctx)

    return run


def _by(parser) -> None:  # noqa: ANN001
    parser.add_argument("--by", metavar="AGENT_EMAIL", help="act as this agent (their permissions apply)")


def _actor(session, email: str | None) -> Agent | None:  # noqa: ANN001
    return grammar.agent_by_email(session, email) if email else None


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
        audience = grammar.audience(session, vars(args), service.zone(tz_name))
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
