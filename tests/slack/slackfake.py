"""Test doubles at Slack's network edge: a local Web API server, signed requests, payloads.

The fake Web API is a real HTTP server on port 0 that records every call and answers as Slack
does (``{"ok": true, ...}``), so the app's real ``WebClient`` talks to it through ``base_url``.
Payloads are built from the files in tests/fixtures/slack, which follow Slack's own formats.
"""
from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "slack"
BOT_USER = "U0BOT"
SECRET = "test-signing-secret-0123456789abcdef"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str | None


@dataclass
class FakeSlackApi:
    """Slack's Web API on localhost. ``users`` maps user ids to profile emails for users.info."""

    users: dict[str, str] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # method -> Slack error code
    extra: dict[str, dict[str, Any]] = field(default_factory=dict)  # method -> extra response fields
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _ts: Any = field(default_factory=lambda: itertools.count(1))

    def start(self) -> "FakeSlackApi":
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                self._handle()

            def do_POST(self) -> None:  # noqa: N802
                self._handle()

            def _handle(self) -> None:
                parsed = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                params: dict[str, Any] = {k: v[0] for k, v in urllib.parse.parse_qs(parsed.query).items()}
                ctype = self.headers.get("content-type") or ""
                if parsed.path.startswith("/upload/"):
                    params["bytes"] = raw  # a file's content, as Slack's upload URL receives it
                elif raw and "json" in ctype:
                    params.update(json.loads(raw))
                elif raw:
                    params.update({k: v[0] for k, v in urllib.parse.parse_qs(raw.decode()).items()})
                auth = self.headers.get("authorization") or ""
                token = auth.removeprefix("Bearer ") or params.get("token")
                path = parsed.path.strip("/")
                method = path.removeprefix("api/") if path.startswith("api/") else path
                status, body = api._answer(method, params, token)
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "text/plain" if isinstance(body, str) else "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def response_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/response/{name}"

    def _answer(self, method: str, params: dict[str, Any], token: str | None) -> tuple[int, Any]:
        with self._cond:
            self.calls.append(Call(method, params, token))
            self._cond.notify_all()
        if method.startswith("response/"):
            return 200, "ok"
        if method.startswith("upload/"):
            return 200, f"OK - {len(params.get('bytes') or b'')}"
        if method in self.failures:
            return 200, {"ok": False, "error": self.failures[method]}
        body: dict[str, Any] = {"ok": True}
        if method == "auth.test":
            body.update(user_id=BOT_USER, bot_id="B0CRM", team_id="T0CRM", team="Agency", url="https://agency.slack.com/")
        elif method == "chat.postMessage":
            ts = f"1700001000.{next(self._ts):06d}"
            body.update(channel=params.get("channel"), ts=ts, message={"ts": ts, "blocks": params.get("blocks")})
        elif method == "chat.update":
            body.update(channel=params.get("channel"), ts=params.get("ts"))
        elif method == "chat.postEphemeral":
            body.update(message_ts=f"1700002000.{next(self._ts):06d}")
        elif method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts):06d}"
            body.update(file_id=file_id, upload_url=f"http://127.0.0.1:{self.server.server_address[1]}/upload/{file_id}")
        elif method == "files.completeUploadExternal":
            files = json.loads(params.get("files") or "[]")
            body.update(files=[{"id": f["id"], "title": f.get("title")} for f in files])
        elif method == "users.info":
            user = params.get("user")
            if user not in self.users:
                return 200, {"ok": False, "error": "user_not_found"}
            body["user"] = {"id": user, "is_bot": False, "deleted": False,
                            "profile": {"email": self.users[user], "real_name": user}}
        body.update(self.extra.get(method, {}))
        return 200, body

    # --- what tests look at ---------------------------------------------------------------

    def of(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, *, timeout: float = 20.0,
                 where: Callable[[Call], bool] = lambda c: True) -> list[Call]:
        """The calls of ``method`` once there are ``count`` of them (the work runs after ack)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self.calls if c.method == method and where(c)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [c.method for c in self.calls]
                    raise AssertionError(f"expected {count} {method} call(s); saw {seen}")
                self._cond.wait(left)

    def clear(self) -> None:
        with self._cond:
            self.calls.clear()


def eventually(check: Callable[[], Any], *, timeout: float = 20.0) -> Any:
    """The first truthy result of ``check``: for effects of work that runs after the acknowledgement."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.02)


# --- signing ----------------------------------------------------------------------------------

def signature(body: str, *, secret: str = SECRET, timestamp: int | str | None = None) -> tuple[str, str]:
    """Slack's v0 signature (https://api.slack.com/authentication/verifying-requests-from-slack)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = f"v0:{ts}:{body}".encode()
    return ts, "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(body: str, *, content_type: str, secret: str = SECRET, timestamp: int | None = None,
                   retry: int | None = None) -> dict[str, str]:
    ts, sig = signature(body, secret=secret, timestamp=timestamp)
    headers = {"content-type": content_type, "x-slack-request-timestamp": ts, "x-slack-signature": sig}
    if retry is not None:
        headers.update({"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"})
    return headers


# --- payloads in Slack's formats ------------------------------------------------------------

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def command_body(text: str, *, user: str = "U0ALEX", channel: str = "C0SALES", trigger_id: str,
                 response_url: str) -> str:
    fields = dict(urllib.parse.parse_qsl((FIXTURES / "slash_command.txt").read_text().strip(), keep_blank_values=True))
    fields.update(text=text, user_id=user, channel_id=channel, trigger_id=trigger_id, response_url=response_url)
    return urllib.parse.urlencode(fields)


def _event(name: str, **event: Any) -> dict[str, Any]:
    body = json.loads((FIXTURES / name).read_text())
    event_id = event.pop("event_id", None)
    body["event"].update(event)
    if event_id:
        body["event_id"] = event_id
    return body


def mention_body(text: str, *, event_id: str, user: str = "U0ALEX", channel: str = "C0SALES",
                 ts: str = "1700000100.000300", thread_ts: str | None = None) -> str:
    extra = {"thread_ts": thread_ts} if thread_ts else {}
    return json.dumps(_event("app_mention.json", text=f"<@{BOT_USER}> {text}", user=user, channel=channel, ts=ts,
                             event_ts=ts, event_id=event_id, **extra))


def dm_body(text: str, *, event_id: str, user: str = "U0ALEX", channel: str = "D0ALEX", **extra: Any) -> str:
    return json.dumps(_event("message_im.json", text=text, user=user, channel=channel, event_id=event_id, **extra))


def home_body(*, event_id: str, user: str = "U0ALEX", tab: str = "home") -> str:
    return json.dumps(_event("app_home_opened.json", user=user, tab=tab, event_id=event_id))


def url_verification_body() -> str:
    return (FIXTURES / "url_verification.json").read_text()


def action_payload(button: dict[str, Any], *, message_blocks: list[dict[str, Any]], channel: str, message_ts: str,
                   user: str = "U0ALEX", response_url: str, thread_ts: str | None = None,
                   ephemeral: bool = False, trigger_id: str = "2222.3333.bbbb") -> dict[str, Any]:
    """A block_actions payload for pressing ``button`` (as the bot rendered it) on a message."""
    body = json.loads((FIXTURES / "block_actions.json").read_text())
    body["user"]["id"] = user
    body["container"].update(channel_id=channel, message_ts=message_ts, is_ephemeral=ephemeral)
    body["channel"]["id"] = channel
    body["message"].update(ts=message_ts, blocks=message_blocks)
    if thread_ts:
        body["message"]["thread_ts"] = thread_ts
    if ephemeral:
        body.pop("message")
    body["trigger_id"] = trigger_id
    body["response_url"] = response_url
    body["actions"] = [{
        "action_id": button["action_id"], "block_id": "crm_blk", "text": button["text"], "value": button["value"],
        "type": "button", "action_ts": "1700000001.000200", **({"style": button["style"]} if "style" in button else {}),
    }]
    return body


def action_body(payload: dict[str, Any]) -> str:
    """Interactivity arrives form-encoded, the JSON in one ``payload`` field."""
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b.get("type") == "actions" for e in b["elements"]]


def is_plan(call: Call) -> bool:
    """A chat.postMessage that carries a plan's Confirm button."""
    return any(b["text"]["text"] == "Confirm" for b in buttons(call.params.get("blocks") or []))


def button(blocks: list[dict[str, Any]], label: str) -> dict[str, Any]:
    for e in buttons(blocks):
        if e["text"]["text"] == label:
            return e
    raise AssertionError(f"no {label!r} button in {blocks}")


def all_text(blocks: list[dict[str, Any]]) -> str:
    out = []
    for b in blocks or []:
        if isinstance(b.get("text"), dict):
            out.append(b["text"]["text"])
        for e in b.get("elements", []):
            if isinstance(e, dict) and isinstance(e.get("text"), str):
                out.append(e["text"])
            elif isinstance(e, dict) and isinstance(e.get("text"), dict):
                out.append(e["text"]["text"])
    return "\n".join(out)


# --- whole steps, as the app tests take them -------------------------------------------------

def post_plan(server, text: str = "move John Doe to negotiating", *, trigger: str = "1111.2222.a1", **kw):  # noqa: ANN001, ANN201
    before = len([c for c in server.api.of("chat.postMessage") if is_plan(c)])
    resp = server.command(command_body(text, trigger_id=trigger, response_url=server.api.response_url(trigger), **kw))
    assert resp.status_code == 200
    return server.api.wait_for("chat.postMessage", before + 1, where=is_plan)[-1]


def press(server, call, label: str, *, user: str = "U0ALEX", trigger: str = "2222.3333.p1"):  # noqa: ANN001, ANN201
    blocks = call.params["blocks"]
    payload = action_payload(button(blocks, label), message_blocks=blocks, channel=call.params["channel"],
                             message_ts=f"ts-of-{call.params['channel']}", user=user,
                             response_url=server.api.response_url("press-" + trigger), trigger_id=trigger,
                             thread_ts=call.params.get("thread_ts"))
    return server.action(action_body(payload))
