"""`crmbot eval answers FILE [--json OUT]` on a small file in the format of EVAL_FORMATS section 2."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from handlers.answers.evaluation import value_matches

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "answers" / "mini_eval.json"


def test_it_scores_routing_data_and_documents_and_writes_the_json_report(tmp_path, capsys):
    out = tmp_path / "report.json"
    assert main(["eval", "answers", str(FIXTURE), "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "routing accuracy   1.000" in printed
    report = json.loads(out.read_text())
    assert report["questions"] == 5
    assert report["routing_accuracy"] == 1.0
    assert report["data_accuracy"] == 1.0  # includes "£1.7m" for 1,700,000 and a date for a datetime
    assert report["document_hit_rate"] == 1.0 and report["document_mrr"] == 1.0
    assert report["errors"] == []
    assert set(report["latency_ms"]) == {"p50", "p95"}
    by_id = {r["id"]: r for r in report["results"]}
    assert by_id["q1"]["value"] == 2 and "owner_id" in by_id["q1"]["sql"]
    assert by_id["q3"]["sources"][0] == "seagrass"


@pytest.mark.parametrize(("change", "named"), [
    (lambda d: d["questions"][1].update(route="sql"), "questions[1].route"),
    (lambda d: d["leads"][2].update(owner="Nobody Here"), "leads[2].owner"),
    (lambda d: d["interactions"][0].update(at="yesterday"), "interactions[0].at"),
    (lambda d: d["questions"][0]["expected"].update(leads="John Doe"), "questions[0].expected.leads"),
    (lambda d: d.pop("questions"), "questions"),
])
def test_a_malformed_file_exits_2_naming_the_field_and_index(tmp_path, capsys, change, named):
    data = json.loads(FIXTURE.read_text())
    change(data)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    assert main(["eval", "answers", str(bad)]) == 2
    assert f"'{named}'" in capsys.readouterr().err


def test_values_compare_as_numbers_whatever_their_format_and_strings_ignoring_case():
    from zoneinfo import ZoneInfo
    from datetime import datetime, timezone

    tz = ZoneInfo("Europe/London")
    assert value_matches(1_200_000, "1,200,000", tz=tz)
    assert value_matches("£1.2m", 1_230_000, tz=tz) and not value_matches("£1.2m", 1_300_000, tz=tz)
    assert value_matches(937500, 937500.0, tz=tz)
    assert value_matches("Closed Won", "closed_won", tz=tz)
    assert value_matches(3_000_000, (2_500_000, 3_000_000), tz=tz)
    moment = datetime(2026, 10, 20, 23, 30, tzinfo=timezone.utc)  # already the 21st in London (BST)
    assert value_matches("2026-10-21", moment, tz=tz) and not value_matches("2026-10-20", moment, tz=tz)
    assert value_matches("2026-10-21T00:30", moment, tz=tz)
    assert not value_matches(3, None, tz=tz)


def test_a_budget_range_matches_either_end_or_the_whole_range_written_out():
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("UTC")
    assert value_matches("600,000-750,000", (600_000, 750_000), tz=tz)
    assert value_matches("600k to 750k", (600_000, 750_000), tz=tz)
    assert not value_matches("600k to 800k", (600_000, 750_000), tz=tz)


def test_the_repo_data_set_has_enough_questions_of_each_kind():
    from handlers.answers.evalset import load_eval_file

    for name, data_min, docs_min in (("answers.json", 40, 30), ("answers_us_admin.json", 25, 10)):
        ev = load_eval_file(Path(__file__).resolve().parents[2] / "data" / "eval" / name)
        routes = [q.route for q in ev.questions]
        assert routes.count("data") >= data_min and routes.count("documents") >= docs_min
