"""Audience filters over leads, on the real database."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from crm.errors import InvalidInput
from handlers.campaigns.audience import Audience, audience_query, count


def names(session, audience: Audience) -> list[str]:  # noqa: ANN001
    return sorted(lead.name for lead in session.scalars(audience_query(audience)))


@pytest.fixture
def team(session, make_agent, make_lead):  # noqa: ANN001, ANN201
    alex, sam = make_agent("Alex Morgan"), make_agent("Sam Lee")
    jan = datetime(2026, 1, 10, tzinfo=timezone.utc)
    jun = datetime(2026, 6, 10, tzinfo=timezone.utc)
    make_lead("Ann New", owner=alex, status="new", project="Harbour View", unit_type="2BR", budget_min=500_000,
              budget_max=700_000, source="portal")
    make_lead("Ben Contacted", owner=alex, status="contacted", project="harbour view", unit_type="3BR",
              budget_min=900_000, budget_max=1_200_000, last_contacted_at=jan, source="referral")
    make_lead("Cal Qualified", owner=sam, status="qualified", project="Beachgate", unit_type="2BR",
              budget_min=1_500_000, last_contacted_at=jun, source="portal")
    make_lead("Dee NoBudget", owner=sam, status="new", project="Beachgate")
    make_lead("Eve OptedOut", owner=alex, status="new", project="Harbour View", opted_out_at=jun)
    make_lead("Fay Bouncing", owner=alex, status="new", project="Harbour View", email_bouncing=True)
    make_lead("Gus NoEmail", owner=alex, status="new", project="Harbour View", email=None)
    return alex, sam, jan, jun


def test_nobody_opted_out_bouncing_or_without_email_is_ever_in_an_audience(session, team):
    assert names(session, Audience()) == ["Ann New", "Ben Contacted", "Cal Qualified", "Dee NoBudget"]
    assert names(session, Audience(project=("Harbour View",))) == ["Ann New", "Ben Contacted"]


def test_list_filters_ignore_case_and_combine(session, team):
    alex, sam, _, _ = team
    assert names(session, Audience(status=("new", "contacted"))) == ["Ann New", "Ben Contacted", "Dee NoBudget"]
    assert names(session, Audience(unit_type=("2br",), source=("PORTAL",))) == ["Ann New", "Cal Qualified"]
    assert names(session, Audience(owner_ids=(sam.id,))) == ["Cal Qualified", "Dee NoBudget"]
    assert names(session, Audience(project=("harbour view",), status=("contacted",))) == ["Ben Contacted"]


def test_budget_filters_keep_leads_whose_range_reaches_them(session, team):
    assert names(session, Audience(budget_min=1_000_000)) == ["Ben Contacted", "Cal Qualified"]
    assert names(session, Audience(budget_max=800_000)) == ["Ann New"]
    assert names(session, Audience(budget_min=600_000, budget_max=1_000_000)) == ["Ann New", "Ben Contacted"]


def test_last_contacted_filters(session, team):
    _, _, jan, jun = team
    march = datetime(2026, 3, 1, tzinfo=timezone.utc)
    # "Not contacted since March" includes leads never contacted.
    assert names(session, Audience(contacted_before=march)) == ["Ann New", "Ben Contacted", "Dee NoBudget"]
    assert names(session, Audience(contacted_after=march)) == ["Cal Qualified"]
    assert count(session, Audience(contacted_after=march)) == 1


def test_an_agent_campaign_is_limited_to_their_own_leads(session, team):
    alex, sam, _, _ = team
    assert names(session, Audience().restricted_to_owner(alex.id)) == ["Ann New", "Ben Contacted"]
    assert names(session, Audience(owner_ids=(sam.id,)).restricted_to_owner(alex.id)) == []


def test_filters_round_trip_through_json():
    a = Audience.from_dict({"status": ["New", "qualified"], "project": "Beachgate", "budget_min": "900000",
                            "contacted_before": "2026-03-01T00:00:00+00:00", "owner_ids": [3]})
    assert a.status == ("new", "qualified") and a.project == ("Beachgate",) and a.budget_min == 900000
    assert Audience.from_dict(a.to_dict()) == a
    assert Audience.from_dict({}).to_dict() == {}


@pytest.mark.parametrize("bad, message", [
    ({"colour": ["red"]}, "unknown audience filter 'colour'"),
    ({"status": ["won"]}, "unknown status 'won'"),
    ({"budget_min": "lots"}, "whole numbers"),
    ({"budget_min": 5, "budget_max": 1}, "budget_min is above budget_max"),
    ({"contacted_before": "yesterday"}, "ISO date"),
    ({"contacted_before": "2026-03-01"}, "time zone"),
])
def test_bad_filters_are_refused_with_the_reason(bad, message):
    with pytest.raises(InvalidInput, match=message):
        Audience.from_dict(bad)
