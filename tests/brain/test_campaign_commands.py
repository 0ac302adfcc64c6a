"""`campaign …` typed in chat: reading commands answer at once, changes wait for a yes, then are audited."""
from __future__ import annotations

import json
from datetime import datetime
from email import message_from_bytes
from email.policy import default
from pathlib import Path

from sqlalchemy import select, update

from bot.messages import Message
from crm.models import AuditEntry, Campaign, OutboxMessage, Plan


def _say(brain, team, text_: str = "", *, who: str = "alex", action=None):  # noqa: ANN001, ANN202
    return brain.handle(Message(text=text_, agent_id=team.agents[who], channel="console",
                                conversation_key=f"console:{who}", action=action))


def _campaign(team, name: str = "Spring launch") -> Campaign | None:  # noqa: ANN001
    with team.ctx.sessions() as s:
        return s.scalar(select(Campaign).where(Campaign.name == name))


def _create(brain, team, who: str = "alex", name: str = "Spring launch", extra: str = "") -> None:  # noqa: ANN001
    plan = _say(brain, team, f"campaign create {name} --template new_launch {extra}", who=who)
    assert plan[-1].kind == "plan", plan
    done = _say(brain, team, "yes", who=who)
    assert done[-1].kind == "done", done


def test_creating_a_campaign_shows_a_plan_and_changes_nothing_until_confirmed(team, make_brain):
    brain = make_brain(team)
    replies = _say(brain, team, "campaign create Spring launch --template new_launch --status new --status contacted")
    plan = replies[-1]
    assert plan.kind == "plan" and [c.label for c in plan.choices] == ["Confirm", "Cancel"]
    # Alex owns John Doe, John Smith (contacted) and Mary Poppins (new): the audience is limited to his leads.
    assert 'create campaign "Spring launch" as a draft' in plan.text and "3 leads" in plan.text
    assert "Alex Morgan <alex@agency.example>" in plan.text
    assert _campaign(team) is None
    done = _say(brain, team, "yes")
    assert done[-1].kind == "done"
    campaign = _campaign(team)
    assert campaign is not None and campaign.state == "draft" and campaign.timezone == "Europe/London"
    assert campaign.audience["status"] == ["new", "contacted"]
    assert campaign.audience["owner_ids"] == [team.agents["alex"]]
    with team.ctx.sessions() as s:
        rows = s.execute(select(AuditEntry.field, AuditEntry.new_value, AuditEntry.channel, AuditEntry.plan_id)
                         .where(AuditEntry.entity == "campaigns")).all()
        plan_row = s.scalar(select(Plan).where(Plan.status == "executed"))
    assert {r.field for r in rows} >= {"name", "template", "sender", "state"}
    assert {r.channel for r in rows} == {"console"} and {r.plan_id for r in rows} == {plan_row.id}
    assert plan_row.source == "campaign"


def test_cancelling_the_plan_creates_nothing(team, make_brain):
    brain = make_brain(team)
    _say(brain, team, "campaign create Spring launch --template new_launch")
    assert "nothing was changed" in _say(brain, team, "no")[-1].text.lower()
    assert _campaign(team) is None


def test_scheduling_reads_a_time_in_the_campaigns_zone_and_is_confirmed_by_button(team, make_brain):
    brain = make_brain(team)
    _create(brain, team)
    # The team's clock: Wed 18 Nov 2026 15:30 UTC; Alex is in London.
    plan = _say(brain, team, "campaign schedule spring launch --at tomorrow 9am")[-1]
    assert "send once Thu 19 Nov 09:00 (Europe/London)" in plan.text
    confirm = json.loads(plan.choices[0].value)
    assert _say(brain, team, plan.choices[0].label, action=confirm)[-1].kind == "done"
    campaign = _campaign(team)
    assert campaign.state == "scheduled"
    assert datetime.fromisoformat(campaign.schedule["at"]) == datetime.fromisoformat("2026-11-19T09:00:00+00:00")
    with team.ctx.sessions() as s:
        changed = dict(s.execute(select(AuditEntry.field, AuditEntry.new_value)
                                 .where(AuditEntry.entity == "campaigns", AuditEntry.old_value.is_not(None))).all())
    assert changed["state"] == "scheduled" and "2026-11-19T09:00:00+00:00" in changed["schedule"]


def test_a_cron_rule_may_be_written_without_quotes(team, make_brain):
    brain = make_brain(team)
    _create(brain, team)
    plan = _say(brain, team, "campaign schedule Spring launch --cron 0 9 * * MON")[-1]
    assert 'on cron "0 9 * * MON" (Europe/London), first Mon 23 Nov 09:00' in plan.text
    _say(brain, team, "yes")
    assert _campaign(team).schedule == {"kind": "cron", "cron": "0 9 * * MON"}


def test_a_time_in_the_past_is_refused_before_any_plan(team, make_brain):
    brain = make_brain(team)
    _create(brain, team)
    with team.ctx.sessions() as s:
        plans_before = len(s.scalars(select(Plan)).all())
    reply = _say(brain, team, "campaign schedule Spring launch --at 2026-11-01 09:00")[-1]
    assert reply.kind == "error" and "passed" in reply.text
    reply = _say(brain, team, "campaign schedule Spring launch --at whenever you like")[-1]
    assert reply.kind == "error" and "can't read" in reply.text
    with team.ctx.sessions() as s:
        assert len(s.scalars(select(Plan)).all()) == plans_before
    assert _campaign(team).state == "draft"


def test_bad_commands_get_their_usage_and_change_nothing(team, make_brain):
    brain = make_brain(team)
    cases = {
        "campaign create Spring": "--template",
        "campaign frobnicate now": "unknown campaign action",
        'campaign create "Spring launch --template new_launch': "quote is not closed",
        "campaign create Spring --template ../../etc/passwd": "no campaign template",
        "campaign create Spring --template new_launch --status dreaming": "unknown status",
        "campaign create Spring --template new_launch --budget-min lots": "not an amount",
        "campaign create Spring --template new_launch --timezone Mars/Olympus": "unknown time zone",
        "campaign pause Nothing Here": "no campaign named",
        "campaign schedule Nothing --now": "no campaign named",
    }
    for text_, expected in cases.items():
        reply = _say(brain, team, text_)[-1]
        assert reply.kind == "error" and reply.ephemeral, text_
        assert expected in reply.text, (text_, reply.text)
    with team.ctx.sessions() as s:
        assert s.scalars(select(Campaign)).all() == [] and s.scalars(select(Plan)).all() == []


def test_typographic_quotes_from_a_phone_count_as_quotes(team, make_brain):
    brain = make_brain(team)
    plan = _say(brain, team, "campaign create “Spring launch” --template new_launch")[-1]
    assert plan.kind == "plan" and '"Spring launch"' in plan.text


def test_an_agent_cannot_touch_a_colleagues_campaign_but_an_admin_can(team, make_brain):
    brain = make_brain(team)
    _create(brain, team, who="alex")
    refused = _say(brain, team, "campaign pause Spring launch", who="sam")[-1]
    assert refused.kind == "error" and "belongs to another agent" in refused.text
    assert _say(brain, team, "campaign stats Spring launch", who="sam")[-1].kind == "error"
    assert "Spring launch" not in (_say(brain, team, "campaign list", who="sam")[-1].text
                                   + str(_say(brain, team, "campaign list", who="sam")[-1].table))
    _say(brain, team, "campaign schedule Spring launch --now", who="dana")
    assert _say(brain, team, "yes", who="dana")[-1].kind == "done"
    assert _campaign(team).state == "scheduled"


def test_reading_commands_answer_at_once(team, make_brain):
    brain = make_brain(team)
    _create(brain, team, extra="--status contacted")
    listing = _say(brain, team, "campaign list")[-1]
    assert listing.table[0][:2] == ("Campaign", "State") and listing.table[1][:2] == ("Spring launch", "draft")
    assert "new_launch" in _say(brain, team, "campaign templates")[-1].text
    preview = _say(brain, team, "campaign preview Spring launch --lead John Doe")[-1]
    assert "Preview of \"Spring launch\" for John Doe" in preview.text and "Hello John" in preview.text
    stats = _say(brain, team, "campaign stats Spring launch")[-1]
    assert "has not started sending" in stats.text and "2 leads" in stats.text
    help_ = _say(brain, team, "campaign help")[-1]
    assert help_.kind == "help" and "campaign schedule NAME --at TIME" in help_.text
    with team.ctx.sessions() as s:
        assert s.scalar(select(Plan).where(Plan.status == "pending")) is None


def test_stats_show_the_funnel_once_emails_went_out(team, make_brain):
    brain = make_brain(team)
    _create(brain, team, extra="--status contacted")
    campaign = _campaign(team)
    with team.ctx.sessions.begin() as s:
        from crm.types import utcnow
        from handlers.campaigns import outbox

        c = s.get(Campaign, campaign.id)
        outbox.start(s, c, domain="crmbot.test", now=utcnow())
        c.state, c.started_at = "running", utcnow()
        first = s.scalars(select(OutboxMessage).where(OutboxMessage.campaign_id == c.id)).first()
        first.state, first.sent_at = "sent", utcnow()
    stats = _say(brain, team, "campaign stats Spring launch")[-1]
    assert "1 of 2 sent, 1 waiting" in stats.text
    rows = {r[0]: r[1:] for r in stats.table[1:]}
    assert rows["Audience"][:2] == ("2", "100%") and rows["Sent"][:2] == ("1", "50%")
    assert rows["Audience"][2] == "█" * 20 and rows["Sent"][2] == "█" * 10
    chart = Path(stats.image)
    assert chart.name == f"campaign-{campaign.id}-funnel.png" and chart.read_bytes().startswith(b"\x89PNG\r\n")


def test_test_email_goes_to_the_agent_asking_without_a_plan(team, make_brain, tmp_path):
    brain = make_brain(team, outbox_maildir=tmp_path / "box")
    _create(brain, team)
    reply = _say(brain, team, "campaign test Spring launch --lead Mary Poppins")[-1]
    assert reply.kind == "done" and "sent to alex@agency.example, rendered for Mary Poppins" in reply.text
    files = list((tmp_path / "box" / "new").iterdir())
    assert len(files) == 1
    sent = message_from_bytes(files[0].read_bytes(), policy=default)
    assert sent["To"].addresses[0].addr_spec == "alex@agency.example"
    assert sent["To"].addresses[0].display_name == "Alex Morgan"
    assert sent["X-Crmbot-Test"] == "yes" and "Hello Mary" in sent.get_body(("plain",)).get_content()


def test_a_campaign_cancelled_between_plan_and_yes_fails_the_plan_and_changes_nothing(team, make_brain):
    brain = make_brain(team)
    _create(brain, team)
    _say(brain, team, "campaign schedule Spring launch --now")
    with team.ctx.sessions.begin() as s:
        s.execute(update(Campaign).values(state="cancelled"))
    failed = _say(brain, team, "yes")[-1]
    assert failed.kind == "error" and "is cancelled" in failed.text and "Nothing was changed" in failed.text
    with team.ctx.sessions() as s:
        by_op = {p.actions[0]["op"]: p.status for p in s.scalars(select(Plan).where(Plan.source == "campaign"))}
        assert by_op == {"create": "executed", "schedule": "failed"}
        assert s.scalar(select(Campaign.state)) == "cancelled"


def test_undo_does_not_reverse_a_campaign_change(team, make_brain):
    brain = make_brain(team)
    _create(brain, team)
    _say(brain, team, "campaign schedule Spring launch --now")
    _say(brain, team, "yes")
    reply = _say(brain, team, "undo")[-1]
    assert "campaign pause NAME" in reply.text
    assert _campaign(team).state == "scheduled"


def test_pause_then_resume_then_cancel(team, make_brain):
    brain = make_brain(team)
    _create(brain, team)
    for command, state in (("schedule Spring launch --cron 0 9 * * MON", "scheduled"), ("pause Spring launch", "paused"),
                           ("resume Spring launch", "scheduled"), ("cancel Spring launch", "cancelled")):
        assert _say(brain, team, f"campaign {command}")[-1].kind == "plan"
        assert _say(brain, team, "yes")[-1].kind == "done"
        assert _campaign(team).state == state, command
    again = _say(brain, team, "campaign cancel Spring launch")[-1]
    assert again.kind == "error" and "already cancelled" in again.text
