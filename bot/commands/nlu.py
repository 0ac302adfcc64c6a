"""`crmbot eval nlu FILE [--json OUT]` and `crmbot parse "TEXT"`: the understanding step, measured
and shown.

`eval nlu` reads a data set in the format of EVAL_FORMATS.md section 1, builds an in-memory CRM
from its agents and leads, and scores intents, fields and whole examples. `parse` prints what the
bot understands from one message, against the configured CRM database.
"""
from __future__ import annotations

from bot.commands import eval_group

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from crm.errors import InvalidInput


def register(sub) -> None:  # noqa: ANN001
    p = eval_group(sub).add_parser(
        "nlu",
        help="score intent and entity understanding on a data set",
        description="Score the understanding step on FILE (EVAL_FORMATS.md, section 1).",
    )
    p.add_argument("file", metavar="FILE", type=Path, help="the data set (JSON)")
    p.add_argument("--json", dest="json_out", metavar="OUT", type=Path, help="write the full report here")
    p.add_argument("--errors", type=int, default=15, help="errors to show in the summary (default 15)")
    p.set_defaults(func=_eval)

    q = sub.add_parser(
        "parse",
        help="show what the bot understands from a message",
        description="Show the actions, leads, statuses and due times the bot reads in TEXT.",
    )
    q.add_argument("text", metavar="TEXT", help="the message, in quotes")
    q.add_argument("--as", dest="as_email", metavar="EMAIL", help="the agent speaking (default: the only agent, if one)")
    q.add_argument("--now", metavar="ISO", help="the time to read the message at (default: now)")
    q.add_argument("--tz", metavar="TZ", help="the speaker's time zone (default: the agent's, else CRMBOT_TIMEZONE)")
    q.add_argument("--channel", choices=("agent", "lead"), default="agent", help="who wrote it (default agent)")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=_parse)


def _eval(args, ctx) -> int:  # noqa: ANN001, ARG001 - the evaluation builds its own in-memory CRM
    from bot.understanding import evaluation

    dataset = evaluation.load(args.file)
    report = evaluation.evaluate(dataset, understander=_understander(ctx))
    print(evaluation.summary(report, shown_errors=args.errors))
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


def _understander(ctx):  # noqa: ANN001, ANN202
    from bot.understanding import Understander

    llm = None
    settings = getattr(ctx, "settings", None)
    if settings is not None and settings.llm_enabled:
        from bot.understanding.llm import OpenAIJSON

        llm = OpenAIJSON.from_settings(settings)
    return Understander(llm=llm)


def _parse(args, ctx) -> int:  # noqa: ANN001
    from sqlalchemy import select

    from crm.models import Agent
    from bot.understanding.dates import zone
    from bot.understanding.evaluation import describe

    with ctx.sessions() as session:
        speaker = None
        if args.channel == "agent":
            if args.as_email:
                speaker = session.scalars(select(Agent).where(Agent.email == args.as_email.strip().lower())).first()
                if speaker is None:
                    raise InvalidInput(f"no agent with the email {args.as_email}")
            else:
                agents = session.scalars(select(Agent).limit(2)).all()
                speaker = agents[0] if len(agents) == 1 else None
        tz = args.tz or (speaker.timezone if speaker is not None else None) or ctx.settings.timezone
        now = _now(args.now, tz)
        u = _understander(ctx).understand(args.text, channel=args.channel, speaker=speaker, now=now, tz=tz,
                                          session=session)
    out: dict[str, Any] = {
        "actions": [dict(describe(a, tz), span=list(a.span), **_extra(a)) for a in u.actions],
        "reply": u.reply, "choice": u.choice, "clarify": u.clarify,
    }
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2, default=str))
        return 0
    if u.reply:
        print(f"reply: {u.reply}" + (f" ({u.choice})" if u.choice else ""))
    for n, a in enumerate(out["actions"], 1):
        bits = [f"{k}={v}" for k, v in a.items() if k not in ("intent", "span", "confidence") and v not in (None, "", [])]
        print(f"{n}. {a['intent']} ({a['confidence']:.2f})  " + "  ".join(bits))
    if u.clarify:
        print(f"would ask first: {u.clarify}")
    return 0


def _extra(a) -> dict[str, Any]:  # noqa: ANN001
    f = a.fields
    return {k: f[k] for k in ("title", "note", "due_past", "due_rolled", "owned_by_other", "alternative") if f.get(k)}


def _now(value: str | None, tz: str) -> datetime:
    from bot.understanding.dates import zone

    if not value:
        return datetime.now(zone(tz))
    try:
        d = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput("--now must be an ISO 8601 date and time, e.g. 2026-11-18T15:30") from None
    return d.replace(tzinfo=zone(tz)) if d.tzinfo is None else d


if __name__ == "__main__":
    from bot.cli import main

    sys.exit(main(["eval", "nlu", *sys.argv[1:]]))
