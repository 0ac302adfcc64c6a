"""The `crmbot` command. Each subcommand lives in a module under bot/commands/ listed below."""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from sqlalchemy.exc import OperationalError

from bot import __version__
from bot.context import AppContext
from bot.logs import configure
from bot.settings import Settings
from crm.errors import CrmError

COMMANDS = [
    "bot.commands.db",
    "bot.commands.leads",
    "bot.commands.agents",
    "bot.commands.demo",
    "bot.commands.chat",
    "bot.commands.docs",
    "bot.commands.serve",
    "bot.commands.worker",
    "bot.commands.inbox",
    "bot.commands.campaign",
    "bot.commands.eval_replies",
    "bot.commands.eval_answers",
    "bot.commands.nlu",
]

log = logging.getLogger("crmbot")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crmbot",
        description="Run your CRM from Slack or a console, and answer leads' email replies.",
    )
    parser.add_argument("--version", action="version", version=f"crmbot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0 if args.command is None else 2
    ctx = None
    try:
        settings = Settings.from_env()
        configure(settings.log_level, settings.log_format)
        ctx = AppContext(settings)
        return int(args.func(args, ctx) or 0)
    except CrmError as exc:
        print(f"crmbot: {exc}", file=sys.stderr)
        return exc.exit_code
    except OperationalError:
        print("crmbot: cannot use the database (is DATABASE_URL right, and has `crmbot db upgrade` run?)",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:  # the last line of defence: one clear line, details only in debug
        if os.environ.get("CRMBOT_DEBUG"):
            raise
        print(f"crmbot: unexpected error ({type(exc).__name__}); set CRMBOT_DEBUG=1 for details",
              file=sys.stderr)
        return 1
    finally:
        if ctx is not None:
            ctx.close()


if __name__ == "__main__":
    sys.exit(main())
