"""`/crm campaign …` in Slack: signed requests to the real Bolt app, the real brain and database,
and the fake Web API recording what the bot posted."""
from __future__ import annotations

from sqlalchemy import select

from crm.models import AuditEntry, Campaign, OutboxMessage
from crm.types import utcnow
from handlers.campaigns import outbox
from tests.slack.slackfake import all_text, buttons, command_body, is_plan, press


def _command(server, text: str, trigger: str, user: str = "U0ALEX"):  # noqa: ANN001, ANN202
    resp = server.command(command_body(text, trigger_id=trigger, user=user,
                                       response_url=server.api.response_url(trigger)))
    assert resp.status_code == 200 and resp.content == b""


def _campaign(sessions) -> Campaign | None:  # noqa: ANN001
    with sessions() as s:
        return s.scalars(select(Campaign)).first()


def _started_campaign(server, sessions, name: str, *, sent: bool) -> Campaign:  # noqa: ANN001
    """Created through Slack (plan, Confirm), then started as the worker would; every email sent if ``sent``."""
    _command(server, f"campaign create {name} --template new_launch", f"{name}.create")
    press(server, server.api.wait_for("chat.postMessage", where=is_plan)[0], "Confirm", trigger=f"{name}.confirm")
    server.api.wait_for("chat.update")
    with sessions.begin() as s:
        campaign = s.scalars(select(Campaign).where(Campaign.name == name)).one()
        outbox.start(s, campaign, domain="crmbot.test", now=utcnow())
        campaign.state, campaign.started_at = "running", utcnow()
        for row in s.scalars(select(OutboxMessage)) if sent else ():
            row.state, row.sent_at = "sent", utcnow()
    return campaign


def test_a_campaign_is_created_only_after_the_confirm_button(slack_server, team):
    _command(slack_server, "campaign create “Spring launch” --template new_launch --status contacted", "c.1")
    call = slack_server.api.wait_for("chat.postMessage", where=is_plan)[0]
    text = all_text(call.params["blocks"])
    assert 'create campaign "Spring launch" as a draft' in text and "1 lead in its audience" in text
    assert "Alex Morgan &lt;alex@agency.example&gt;" in text  # escaped for mrkdwn
    assert _campaign(team) is None
    press(slack_server, call, "Confirm", trigger="p.1")
    updated = slack_server.api.wait_for("chat.update")[0]
    assert not buttons(updated.params["blocks"]) and "Done by <@U0ALEX>" in all_text(updated.params["blocks"])
    campaign = _campaign(team)
    assert campaign.name == "Spring launch" and campaign.state == "draft"
    with team() as s:
        assert set(s.scalars(select(AuditEntry.channel).where(AuditEntry.entity == "campaigns"))) == {"slack"}


def test_a_refused_campaign_command_is_shown_only_to_the_asker(slack_server, team):
    _command(slack_server, "campaign schedule Nothing Here --now", "r.1")
    refusal = slack_server.api.wait_for("chat.postEphemeral")[0]
    assert refusal.params["user"] == "U0ALEX" and "no campaign named 'Nothing Here'" in refusal.params["text"]
    assert slack_server.api.of("chat.postMessage") == []


def test_stats_in_slack_show_the_numbers_and_the_funnel(slack_server, team):
    campaign = _started_campaign(slack_server, team, "Autumn", sent=True)
    _command(slack_server, "campaign stats Autumn", "s.3")
    posted = slack_server.api.wait_for("chat.postMessage", 2)[-1]
    text = all_text(posted.params["blocks"])
    assert '"Autumn" (running): 2 of 2 sent.' in text
    assert "Goals reached" in text and "```" in text and "█" * 20 in text
    # The funnel chart goes up as a PNG under the message, in the same channel.
    url = slack_server.api.wait_for("files.getUploadURLExternal")[0]
    assert url.params["filename"] == f"campaign-{campaign.id}-funnel.png"
    done = slack_server.api.wait_for("files.completeUploadExternal")[0]
    uploaded = [c for c in slack_server.api.calls if c.method.startswith("upload/")]
    assert len(uploaded) == 1 and uploaded[0].params["bytes"].startswith(b"\x89PNG\r\n")
    assert done.params["channel_id"] == "C0SALES" and "Autumn" in done.params["files"]


def test_without_the_files_scope_the_stats_still_arrive_without_the_picture(slack_server, team):
    slack_server.api.failures["files.getUploadURLExternal"] = "missing_scope"
    _started_campaign(slack_server, team, "Autumn", sent=False)
    _command(slack_server, "campaign stats Autumn", "m.3")
    posted = slack_server.api.wait_for("chat.postMessage", 2)[-1]
    assert "0 of 2 sent, 2 waiting" in all_text(posted.params["blocks"])
    slack_server.api.wait_for("files.getUploadURLExternal")
    assert slack_server.api.of("files.completeUploadExternal") == []
    assert slack_server.api.of("chat.postEphemeral") == []  # no error shown: the numbers are there
