"""`crmbot ingest PATH...` and `crmbot docs list|remove|ask`: the document store behind answers."""
from __future__ import annotations

from pathlib import Path

from crm.errors import NotFound


def register(sub) -> None:  # noqa: ANN001
    ing = sub.add_parser(
        "ingest", help="add documents (PDF, Markdown, text, HTML) for answering questions",
        description="Split documents into passages and store them for answering questions. Directories "
        "are searched for .pdf, .md, .txt and .html files. A changed file replaces its passages; an "
        "unchanged one is skipped. PDF pages without a text layer (scans) are reported.")
    ing.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    ing.add_argument("--project", help="project the documents belong to (overrides the file's own)")
    ing.add_argument("--title", help="title of the document (a single file only)")
    ing.add_argument("--no-progress", action="store_true", help="do not show a progress bar")
    ing.set_defaults(func=_ingest)

    docs = sub.add_parser("docs", help="list, remove or query ingested documents",
                          description="Manage the documents the bot answers from.")
    dsub = docs.add_subparsers(dest="docs_command", metavar="ACTION", required=True)
    lst = dsub.add_parser("list", help="list ingested documents")
    lst.add_argument("--project", help="only this project's documents")
    lst.set_defaults(func=_list)
    rm = dsub.add_parser("remove", help="remove a document and its passages")
    rm.add_argument("doc_id", metavar="ID")
    rm.set_defaults(func=_remove)
    ask = dsub.add_parser("ask", help="answer a question from the documents, with sources")
    ask.add_argument("question", nargs="+")
    ask.add_argument("--project", help="search this project's documents only")
    ask.add_argument("-k", type=int, default=4, help="passages to cite (default 4)")
    ask.add_argument("--extractive", action="store_true", help="quote the documents even when an LLM is configured")
    ask.set_defaults(func=_ask)


def _store(ctx):  # noqa: ANN001, ANN202
    from handlers.documents.store import store_from_settings

    return store_from_settings(ctx.settings)


def _ingest(args, ctx) -> int:  # noqa: ANN001
    from handlers.documents.ingest import ingest_paths

    report = ingest_paths(args.paths, store=_store(ctx), project=args.project, title=args.title,
                          progress=not args.no_progress)
    print_report(report)
    return 1 if report.failed and not (report.added or report.replaced or report.unchanged) else 0


def print_report(report) -> None:  # noqa: ANN001
    for d in report.documents:
        where = f" ({d.project})" if d.project else ""
        if d.status in ("added", "replaced"):
            print(f"{d.status:<9} {d.doc_id}: {d.title}{where}, {d.passages} passages")
        elif d.status == "unchanged":
            print(f"unchanged {d.doc_id}: {d.title}{where}")
        else:
            print(f"{'skipped':<9} {d.source or d.doc_id}: {d.reason}")
        if d.pages_without_text:
            pages = ", ".join(str(p) for p in d.pages_without_text)
            print(f"          pages without a text layer (not searchable; scanned?): {pages}")
    rate = f", {report.passages_per_second:.0f} passages/s" if report.passages else ""
    print(f"{len(report.added)} added, {len(report.replaced)} replaced, {len(report.unchanged)} unchanged, "
          f"{len(report.failed)} skipped; {report.passages} passages in {report.seconds:.1f} s{rate}")


def _list(args, ctx) -> int:  # noqa: ANN001
    docs = _store(ctx).documents(project=args.project)
    if not docs:
        print("no documents; add some with `crmbot ingest PATH`")
        return 0
    width = max(len(d.doc_id) for d in docs)
    for d in docs:
        extra = f", {len(d.pages_without_text)} pages without text" if d.pages_without_text else ""
        print(f"{d.doc_id:<{width}}  {d.title}  [{d.project or '-'}]  {d.passages} passages{extra}  "
              f"{d.ingested_at}")
    return 0


def _remove(args, ctx) -> int:  # noqa: ANN001
    removed = _store(ctx).remove_document(args.doc_id)
    if not removed:
        raise NotFound(f"no document with id {args.doc_id} (see `crmbot docs list`)")
    print(f"removed {args.doc_id} ({removed} passages)")
    return 0


def _ask(args, ctx) -> int:  # noqa: ANN001
    from handlers.documents.answer import answer_from_documents, render_document_answer
    from handlers.documents.llm import chat_model_from_settings

    llm = None if args.extractive else chat_model_from_settings(ctx.settings)
    answer = answer_from_documents(" ".join(args.question), store=_store(ctx), k=args.k, project=args.project,
                                   llm=llm)
    print(render_document_answer(answer))
    return 0


def ingest_demo(ctx, directory: Path) -> None:  # noqa: ANN001
    """Used by `crmbot demo`: ingest the demo documents (unchanged ones are skipped)."""
    from handlers.documents.ingest import ingest_paths

    report = ingest_paths([directory], store=_store(ctx), progress=False)
    print(f"demo documents: {len(report.added) + len(report.replaced)} ingested, "
          f"{len(report.unchanged)} unchanged, {report.passages} passages")
