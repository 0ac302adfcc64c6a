"""`crmbot eval answers FILE [--json OUT]`: how well questions are routed and answered.

The file (EVAL_FORMATS.md, section 2) carries its own CRM and documents; they are loaded into
a temporary database and document store, so the command needs neither. Offline by default;
``--llm`` uses the configured model (OPENAI_BASE_URL / OPENAI_API_KEY) for document answers
and for data questions the offline parser cannot place.
"""
from __future__ import annotations

from bot.commands import eval_group

import json
import sys
from pathlib import Path


def register(sub) -> None:  # noqa: ANN001
    p = eval_group(sub).add_parser(
        "answers",
        help="score question routing, data answers and document retrieval",
        description="Score answers on FILE (EVAL_FORMATS.md, section 2).",
    )
    p.add_argument("file", metavar="FILE", type=Path, help="the evaluation file (JSON)")
    p.add_argument("--json", dest="json_out", metavar="OUT", type=Path, help="write the full report here")
    p.add_argument("--llm", action="store_true", help="use the configured LLM (default: offline)")
    p.set_defaults(func=_run)


def _run(args, ctx) -> int:  # noqa: ANN001
    from handlers.answers.evalset import load_eval_file
    from handlers.answers.evaluation import evaluate, summary

    ev = load_eval_file(args.file)  # InvalidInput (exit 2) names the bad field and index
    llm = None
    if args.llm:
        from handlers.documents.llm import chat_model_from_settings

        llm = chat_model_from_settings(ctx.settings)
        if llm is None:
            print("crmbot: --llm needs OPENAI_BASE_URL or OPENAI_API_KEY", file=sys.stderr)
            return 2
    report = evaluate(ev, llm=llm)
    print(summary(report))
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0
