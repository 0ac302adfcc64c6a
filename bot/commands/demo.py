"""`crmbot demo`: load demo data (team, leads, history, documents), then open the console."""
from __future__ import annotations

import importlib
from pathlib import Path

from crm import migrate
from crm.demo import load_demo

DEMO_DOCUMENTS = Path(__file__).resolve().parents[2] / "data" / "demo" / "documents"


def register(sub) -> None:  # noqa: ANN001
    p = sub.add_parser("demo", help="load demo data and start chatting with the bot",
                       description="Create the database, load a demo sales team with ~50 leads, "
                       "interactions, follow-ups and property documents (once), then open the console.")
    p.add_argument("--no-chat", action="store_true", help="load the data and exit")
    p.add_argument("--as", dest="as_email", default="alex@agency.example", help="who to chat as")
    p.set_defaults(func=_demo)


def _demo(args, ctx) -> int:  # noqa: ANN001
    migrate.upgrade(ctx.engine)
    with ctx.sessions.begin() as session:
        report = load_demo(session)
    if report.already_loaded:
        print("demo data already loaded")
    else:
        print(f"demo data: {report.agents} agents, {report.leads} leads, {report.interactions} interactions, "
              f"{report.follow_ups} follow-ups")
    _ingest_documents(ctx)
    if args.no_chat:
        return 0
    chat = _optional("bot.commands.chat")
    if chat is None:
        print("the console is not available in this build; try `crmbot --help`")
        return 0
    return chat.run_chat(ctx, as_email=args.as_email)


def _ingest_documents(ctx) -> None:  # noqa: ANN001
    docs = _optional("bot.commands.docs")
    if docs is None or not DEMO_DOCUMENTS.is_dir():
        return
    docs.ingest_demo(ctx, DEMO_DOCUMENTS)


def _optional(module: str):  # noqa: ANN202
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        raise
