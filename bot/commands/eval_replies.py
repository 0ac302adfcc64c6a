"""`crmbot eval replies DIR [--json OUT]`: how well quoted history is stripped from replies.

``DIR/expected.json`` lists ``{"file", "expected_visible_text", "also_acceptable"?, "kind",
"duplicate_of"?, "compare"?}`` (EVAL_FORMATS.md, section 3). Items of kind ``reply`` (a
plain-text body) and ``html_reply`` (an HTML body) are scored; an item with ``duplicate_of`` is
skipped. Texts are compared after normalising: CRLF to LF, trailing spaces stripped from each
line, blank lines dropped, the whole stripped; ``"compare": "whitespace_removed"`` removes all
white space first. Nothing here touches the database.
"""
from __future__ import annotations

from bot.commands import eval_group
from crm.encoding import decode_guess

import difflib
import json
import math
import re
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from crm.errors import InvalidInput
from handlers.email_in.quotes import visible_text, visible_text_html

SCORED_KINDS = ("reply", "html_reply")
COMPARE_MODES = (None, "exact", "whitespace_removed")
SHOWN_FAILURES = 10

# A file of kind "reply" may hold a whole message rather than its body: then it is parsed first.
_HEADER_LINE = re.compile(rb"^[A-Za-z][A-Za-z0-9-]{1,40}:[ \t]")
_MESSAGE_HEADERS = (b"mime-version:", b"content-type:", b"received:", b"message-id:", b"return-path:")


@dataclass(frozen=True)
class Item:
    index: int
    file: str
    kind: str
    expected: str | None
    also_acceptable: tuple[str, ...]
    duplicate_of: str | None
    compare: str | None


@dataclass
class Failure:
    file: str
    kind: str
    expected: str
    got: str
    diff: str


@dataclass
class ReplyReport:
    directory: str
    items: int
    scored: int
    skipped: dict[str, int]
    accuracy: float
    per_kind: dict[str, dict[str, float | int]]
    failures: list[Failure] = field(default_factory=list)
    latency_ms: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def register(sub) -> None:  # noqa: ANN001
    p = eval_group(sub).add_parser(
        "replies",
        help="score quote and signature stripping on a corpus of replies",
        description="Score quote and signature stripping on DIR/expected.json (EVAL_FORMATS.md, section 3).",
    )
    p.add_argument("directory", metavar="DIR", type=Path, help="folder holding expected.json and the messages")
    p.add_argument("--json", dest="json_out", metavar="OUT", type=Path, help="write the full report here")
    p.set_defaults(func=_run)


def _run(args, ctx) -> int:  # noqa: ANN001, ARG001 - ctx unused: the evaluation needs no database
    report = evaluate(args.directory)
    print(summary(report))
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


# --- loading -------------------------------------------------------------------------------

def load_items(directory: Path) -> list[Item]:
    """The items of ``directory/expected.json``; InvalidInput names the bad field and item."""
    path = directory / "expected.json"
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{path}: not valid JSON ({exc.__class__.__name__})") from None
    if not isinstance(data, list):
        raise InvalidInput(f"{path}: the top level must be a list of items")
    return [_item(path, index, raw, directory) for index, raw in enumerate(data)]


def _item(path: Path, index: int, raw: object, directory: Path) -> Item:
    def bad(name: str, why: str) -> InvalidInput:
        return InvalidInput(f"{path}: item {index}: field '{name}' {why}")

    if not isinstance(raw, dict):
        raise InvalidInput(f"{path}: item {index}: must be an object")
    file = raw.get("file")
    if not isinstance(file, str) or not file.strip():
        raise bad("file", "must be a non-empty string")
    kind = raw.get("kind")
    if not isinstance(kind, str) or not kind:
        raise bad("kind", "must be a non-empty string")
    duplicate_of = raw.get("duplicate_of")
    if duplicate_of is not None and not isinstance(duplicate_of, str):
        raise bad("duplicate_of", "must be a string")
    compare = raw.get("compare")
    if compare not in COMPARE_MODES:
        raise bad("compare", "must be \"whitespace_removed\" when given")
    expected = raw.get("expected_visible_text")
    also = raw.get("also_acceptable", [])
    if also is None:
        also = []
    if not isinstance(also, list) or not all(isinstance(a, str) for a in also):
        raise bad("also_acceptable", "must be a list of strings")
    scored = kind in SCORED_KINDS and duplicate_of is None
    if scored:
        if "expected_visible_text" not in raw:
            raise bad("expected_visible_text", "is missing")
        if not isinstance(expected, str):
            raise bad("expected_visible_text", "must be a string")
        target = (directory / file).resolve()
        if not target.is_file():
            raise bad("file", f"names a missing file ({file})")
    elif expected is not None and not isinstance(expected, str):
        raise bad("expected_visible_text", "must be a string or null")
    return Item(index, file, kind, expected, tuple(also), duplicate_of, compare)


# --- scoring -------------------------------------------------------------------------------

def normalise(text: str, *, whitespace_removed: bool = False) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(line for line in lines if line.strip()).strip()
    if whitespace_removed:
        text = re.sub(r"\s+", "", text)
    return text


def evaluate(directory: Path, *, strip: Callable[[Item, bytes], str] | None = None) -> ReplyReport:
    items = load_items(directory)
    strip = strip or _strip_item
    skipped = {"duplicate": 0, "not_scored_kind": 0}
    per_kind: dict[str, list[bool]] = {}
    failures: list[Failure] = []
    timings: list[float] = []
    for item in items:
        if item.kind not in SCORED_KINDS:
            skipped["not_scored_kind"] += 1
            continue
        if item.duplicate_of is not None:
            skipped["duplicate"] += 1
            continue
        raw = (directory / item.file).read_bytes()
        started = time.perf_counter()
        got = strip(item, raw)
        timings.append((time.perf_counter() - started) * 1000)
        squash = item.compare == "whitespace_removed"
        wanted = [normalise(t, whitespace_removed=squash) for t in (item.expected or "", *item.also_acceptable)]
        right = normalise(got, whitespace_removed=squash) in wanted
        per_kind.setdefault(item.kind, []).append(right)
        if not right:
            failures.append(Failure(item.file, item.kind, item.expected or "", got, _diff(item.expected or "", got)))
    results = [r for rs in per_kind.values() for r in rs]
    return ReplyReport(
        directory=str(directory),
        items=len(items),
        scored=len(results),
        skipped=skipped,
        accuracy=_share(results),
        per_kind={kind: {"scored": len(rs), "accuracy": _share(rs)} for kind, rs in sorted(per_kind.items())},
        failures=failures,
        latency_ms=_latency(timings),
    )


def _strip_item(item: Item, raw: bytes) -> str:
    if _is_whole_message(item.file, raw):
        from handlers.email_in.parsing import parse_email

        return parse_email(raw).visible_text
    text = decode_guess(raw)
    return visible_text_html(text) if item.kind == "html_reply" else visible_text(text)


def _is_whole_message(name: str, raw: bytes) -> bool:
    if name.lower().endswith(".eml"):
        return True
    head, _, _ = raw.partition(b"\n\n")
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    if not lines or not _HEADER_LINE.match(lines[0]):
        return False
    lowered = head.lower()
    return any(b"\n" + h in b"\n" + lowered for h in _MESSAGE_HEADERS)


def _share(results: list[bool]) -> float:
    return round(sum(results) / len(results), 4) if results else 0.0


def _latency(timings: list[float]) -> dict[str, float]:
    if not timings:
        return {"p50": 0.0, "p95": 0.0}
    ordered = sorted(timings)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]  # nearest-rank percentile
    return {"p50": round(statistics.median(ordered), 3), "p95": round(p95, 3)}


def _diff(expected: str, got: str) -> str:
    lines = difflib.unified_diff(
        normalise(expected).splitlines(), normalise(got).splitlines(), "expected", "got", lineterm="", n=1
    )
    return "\n".join(lines)


# --- the human summary ---------------------------------------------------------------------

def summary(report: ReplyReport) -> str:
    out = [
        f"replies: {report.directory}",
        f"  scored {report.scored} of {report.items} items "
        f"(skipped: {report.skipped['duplicate']} duplicates, {report.skipped['not_scored_kind']} other kinds)",
        f"  accuracy {report.accuracy:.3f}",
    ]
    for kind, figures in report.per_kind.items():
        out.append(f"    {kind:<12} {figures['scored']:>4} scored  accuracy {figures['accuracy']:.3f}")
    out.append(f"  time per message: p50 {report.latency_ms['p50']:.2f} ms, p95 {report.latency_ms['p95']:.2f} ms")
    if report.failures:
        out.append(f"  failures ({len(report.failures)}):")
        for failure in report.failures[:SHOWN_FAILURES]:
            out.append(f"  - {failure.file} ({failure.kind})")
            out.extend("      " + line for line in failure.diff.splitlines()[2:])
        if len(report.failures) > SHOWN_FAILURES:
            out.append(f"  … {len(report.failures) - SHOWN_FAILURES} more in the JSON report")
    return "\n".join(out)


if __name__ == "__main__":
    from bot.cli import main

    sys.exit(main(["eval", "replies", *sys.argv[1:]]))
