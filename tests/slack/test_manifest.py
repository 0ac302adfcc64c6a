from pathlib import Path

import yaml
from apscheduler.schedulers.background import BackgroundScheduler

from bot import wiring
from bot.channels.slack import dedupe

MANIFEST = Path(__file__).resolve().parents[2] / "slack_manifest.yaml"


def test_the_manifest_declares_the_command_events_interactivity_and_scopes_the_app_uses():
    m = yaml.safe_load(MANIFEST.read_text())
    command = m["features"]["slash_commands"][0]
    assert command["command"] == "/crm" and command["should_escape"] is True
    assert m["features"]["app_home"]["home_tab_enabled"] is True
    settings = m["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im", "app_home_opened"}
    assert settings["interactivity"]["is_enabled"] is True
    urls = {command["url"], settings["event_subscriptions"]["request_url"], settings["interactivity"]["request_url"]}
    assert len(urls) == 1 and urls.pop().endswith("/slack/events")
    assert set(m["oauth_config"]["scopes"]["bot"]) == {
        "commands", "chat:write", "files:write", "im:history", "app_mentions:read", "users:read", "users:read.email", "im:write"}


def test_the_slack_parts_are_wired_into_the_web_and_worker_processes():
    assert "bot.channels.slack.http:routes" in wiring.WEB_ROUTES
    assert "bot.channels.slack.http:socket_component" in wiring.WEB_COMPONENTS
    assert "bot.channels.slack.deliver:component" in wiring.WORKER_COMPONENTS
    assert "bot.channels.slack.dedupe:register" in wiring.WORKER_JOBS


def test_the_worker_forgets_old_delivery_keys_daily():
    scheduler = BackgroundScheduler()
    dedupe.register(scheduler, ctx=object())
    job = scheduler.get_job("slack-prune-processed-events")
    assert job.func is dedupe.prune_job and job.trigger.interval.total_seconds() == 24 * 3600
