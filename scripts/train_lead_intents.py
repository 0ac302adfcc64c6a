"""Train the lead-reply intent model shipped as bot/understanding/lead_intents.json.

    .venv/bin/python scripts/train_lead_intents.py [FILE ...] [--out PATH] [--cv K]

FILE are data sets in the `crmbot eval nlu` format, whose `lead` channel examples (first intent
of each) are training data, or training files that map each intent to a list of replies
(data/train/lead_replies.json). The default is the development sets and that training file, so
that the hold-out sets (nlu_heldout*, nlu_stress_holdout, nlu_leads_wide_holdout) stay unseen.
`--cv K` first prints the model's K-fold cross-validated accuracy on those examples (the model
alone, without rules).
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.understanding.lead_model import WEIGHTS_FILE, train  # noqa: E402
from bot.understanding.model import LEAD_INTENTS  # noqa: E402

DEFAULT_FILES = ("data/eval/nlu_dev.json", "data/eval/nlu_stress.json", "data/eval/nlu_leads_wide.json",
                 "data/train/lead_replies.json")


def lead_examples(paths: list[Path]) -> list[tuple[str, str]]:
    out = []
    for path in paths:
        data = json.loads(path.read_text(encoding="utf-8"))
        if "examples" not in data:  # a training file: {intent: [reply, ...]}
            out.extend((text, intent) for intent in LEAD_INTENTS for text in data.get(intent, ()))
            continue
        for ex in data["examples"]:
            if ex.get("channel") == "lead" and ex.get("actions"):
                out.append((ex["text"], ex["actions"][0]["intent"]))
    return out


def cross_validate(examples: list[tuple[str, str]], k: int) -> float:
    shuffled = examples[:]
    random.Random(7).shuffle(shuffled)
    right = 0
    for fold in range(k):
        test = shuffled[fold::k]
        trainset = [e for n, e in enumerate(shuffled) if n % k != fold]
        model = train(trainset, LEAD_INTENTS)
        right += sum(model.predict(text)[0] == intent for text, intent in test)
    return right / len(examples)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="*", type=Path)
    p.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    p.add_argument("--cv", type=int, default=0, help="K-fold cross-validation before training (0: skip)")
    args = p.parse_args()
    files = args.files or [ROOT / f for f in DEFAULT_FILES]
    examples = lead_examples(files)
    print(f"{len(examples)} lead replies from {len(files)} file(s)")
    if args.cv > 1:
        print(f"{args.cv}-fold accuracy of the model alone: {cross_validate(examples, args.cv):.3f}")
    model = train(examples, LEAD_INTENTS)
    args.out.write_text(json.dumps(model.to_json(), separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(model.weights)} features, {args.out.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
