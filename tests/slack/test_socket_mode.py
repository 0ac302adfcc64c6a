"""Socket Mode: the app connects out over a WebSocket and acknowledges envelopes on it.

A local WebSocket server plays Slack's side (https://api.slack.com/apis/socket-mode): the fake
Web API's ``apps.connections.open`` hands out its URL, it says hello, sends a slash command
envelope, and waits for the acknowledgement carrying the same ``envelope_id``.
"""
from __future__ import annotations

import json
import threading
import urllib.parse
from typing import Any

from sqlalchemy import select
from websockets.sync.server import serve as ws_serve

from bot.channels.slack import http as slack_http
from bot.context import AppContext
from crm.models import Plan
from tests.slack.conftest import slack_settings
from tests.slack.slackfake import FIXTURES, all_text, is_plan


def command_envelope(text: str) -> dict[str, Any]:
    fields = dict(urllib.parse.parse_qsl((FIXTURES / "slash_command.txt").read_text().strip(), keep_blank_values=True))
    fields.update(text=text, trigger_id="sock.1", response_url="http://127.0.0.1:9/unused")
    return {"envelope_id": "env-0001", "type": "slash_commands", "accepts_response_payload": True, "payload": fields}


def test_socket_mode_acknowledges_on_the_socket_and_posts_the_plan(engine, slack_api, team):
    acks: list[dict[str, Any]] = []
    acked = threading.Event()

    def slack_side(ws) -> None:  # noqa: ANN001
        ws.send(json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0CRM"}}))
        ws.send(json.dumps(command_envelope("move John Doe to negotiating")))
        for raw in ws:
            acks.append(json.loads(raw))
            acked.set()

    with ws_serve(slack_side, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.socket.getsockname()[1]
        slack_api.extra["apps.connections.open"] = {"url": f"ws://127.0.0.1:{port}/link"}
        ctx = AppContext(slack_settings(slack_api, slack_app_token="xapp-test-token", slack_signing_secret=None),
                         _engine=engine)
        assert slack_http.http_mode(ctx.settings) is False
        component = slack_http.socket_component(ctx)
        assert component is not None
        component.start()
        try:
            assert acked.wait(20)
            plan = slack_api.wait_for("chat.postMessage", where=is_plan)[0]
        finally:
            component.stop()
            server.shutdown()
    assert acks[0]["envelope_id"] == "env-0001"
    assert slack_api.of("apps.connections.open")[0].token == "xapp-test-token"
    assert "John Doe (Acme Ltd): status contacted → negotiating" in all_text(plan.params["blocks"])
    with team() as s:
        assert s.scalars(select(Plan.status)).all() == ["pending"]


def test_no_socket_without_an_app_token(engine, slack_api):
    assert slack_http.socket_component(AppContext(slack_settings(slack_api), _engine=engine)) is None
