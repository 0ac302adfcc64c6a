import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.commands.eval_replies import evaluate, normalise

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "email" / "replies"
ROOT = Path(__file__).resolve().parents[2]


def test_the_report_scores_reply_kinds_and_skips_duplicates_and_other_kinds():
    report = evaluate(CORPUS)
    assert report.items == 9
    assert report.scored == 7
    assert report.skipped == {"duplicate": 1, "not_scored_kind": 1}
    assert report.per_kind == {"html_reply": {"scored": 2, "accuracy": 1.0}, "reply": {"scored": 5, "accuracy": 0.8}}
    assert report.accuracy == round(6 / 7, 4)
    assert [(f.file, f.expected, f.got) for f in report.failures] == [
        ("plain/german.txt", "Wir melden uns morgen, versprochen.", "Wir melden uns morgen.")]
    assert "-Wir melden uns morgen, versprochen." in report.failures[0].diff
    assert set(report.latency_ms) == {"p50", "p95"}


def test_comparison_normalises_line_endings_trailing_spaces_and_blank_lines():
    assert normalise("a  \r\n\r\n\r\nb \n\n") == "a\nb"
    assert normalise("a b\n c", whitespace_removed=True) == "abc"


def test_the_command_prints_a_summary_and_writes_the_json_report(tmp_path, capsys):
    out = tmp_path / "report.json"
    assert main(["eval", "replies", str(CORPUS), "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "accuracy 0.857" in printed
    assert "plain/german.txt" in printed
    report = json.loads(out.read_text(encoding="utf-8"))
    assert {"scored", "accuracy", "per_kind", "failures", "latency_ms"} <= set(report)
    assert report["failures"][0].keys() >= {"file", "expected", "got"}


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ({"not": "a list"}, "the top level must be a list"),
        ([{"file": "plain/gmail.txt", "kind": "reply", "expected_visible_text": "x"}, {"kind": "reply"}],
         "item 1: field 'file'"),
        ([{"file": "plain/gmail.txt", "kind": "reply"}], "item 0: field 'expected_visible_text' is missing"),
        ([{"file": "missing.txt", "kind": "reply", "expected_visible_text": "x"}], "item 0: field 'file'"),
        ([{"file": "plain/gmail.txt", "kind": "reply", "expected_visible_text": "x", "compare": "fuzzy"}],
         "item 0: field 'compare'"),
        ([{"file": "plain/gmail.txt", "kind": "reply", "expected_visible_text": "x", "also_acceptable": "y"}],
         "item 0: field 'also_acceptable'"),
    ],
)
def test_a_malformed_expected_file_exits_2_naming_the_field_and_item(tmp_path, capsys, items, message):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "expected.json").write_text(json.dumps(items), encoding="utf-8")
    assert main(["eval", "replies", str(corpus)]) == 2
    error = capsys.readouterr().err
    assert message in error
    assert len(error.strip().splitlines()) == 1


def test_invalid_json_exits_2(tmp_path, capsys):
    (tmp_path / "expected.json").write_text("[{", encoding="utf-8")
    assert main(["eval", "replies", str(tmp_path)]) == 2
    assert "not valid JSON" in capsys.readouterr().err


def test_the_evaluation_never_creates_a_database(tmp_path):
    result = subprocess.run([sys.executable, "-m", "bot.cli", "eval", "replies", str(CORPUS)], capture_output=True,
                            text=True, cwd=ROOT, timeout=120,
                            env={"PATH": "/usr/bin:/bin", "CRMBOT_DATA_DIR": str(tmp_path),
                                 "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nothing"})
    assert result.returncode == 0
    assert list(tmp_path.iterdir()) == []


def test_a_whole_message_file_of_kind_reply_is_parsed_first(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS.parents[0] / "gmail_reply.eml", corpus / "gmail.eml")
    (corpus / "expected.json").write_text(json.dumps([{
        "file": "gmail.eml", "kind": "reply",
        "expected_visible_text": "Yes, Saturday at 11 works for me. Could you also bring the floor plans?"}]))
    assert evaluate(corpus).accuracy == 1.0
