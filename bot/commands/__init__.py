"""CLI subcommands; each module exposes ``register(subparsers)``."""


def eval_group(sub):  # noqa: ANN001, ANN201
    """The `eval` command's own subparsers, shared by every `crmbot eval …` module."""
    parser = sub.choices.get("eval")
    if parser is None:
        parser = sub.add_parser("eval", help="evaluate the bot on data sets", description="Evaluate the bot on data sets.")
        parser.add_subparsers(dest="eval_command", metavar="DATASET", required=True)
    for action in parser._actions:  # noqa: SLF001 - argparse keeps its subparsers only there
        if action.__class__.__name__ == "_SubParsersAction":
            return action
    return parser.add_subparsers(dest="eval_command", metavar="DATASET", required=True)
