"""The Bolt app: which Slack requests the bot listens to, acknowledged at once, handled after.

``process_before_response=True`` makes Bolt run each listener's ack function inline, so the
HTTP response (or the Socket Mode acknowledgement) leaves as soon as ``ack()`` returns, and
start the lazy functions in the app's thread pool for the real work
(https://docs.slack.dev/tools/bolt-python/concepts/lazy-listeners). The ack functions touch
neither the database nor the network: Slack wants an answer within 3 seconds.
"""
from __future__ import annotations

import logging
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from slack_bolt import Ack, App
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.channels.slack import render
from bot.channels.slack.work import BrainLike, SlackWork, is_help
from bot.context import AppContext
from bot.settings import Settings

log = logging.getLogger("crmbot.slack")

COMMAND = "/crm"
WORKERS = 16


def slack_configured(settings: Settings) -> bool:
    return bool(settings.slack_bot_token)


def http_mode(settings: Settings) -> bool:
    """HTTP needs the signing secret; with an app-level token the app uses Socket Mode instead."""
    return bool(settings.slack_bot_token and settings.slack_signing_secret and not settings.slack_app_token)


def socket_mode(settings: Settings) -> bool:
    return bool(settings.slack_bot_token and settings.slack_app_token)


def make_client(settings: Settings) -> WebClient:
    kwargs: dict[str, Any] = {}
    if settings.slack_api_url:
        # WebClient joins method names onto base_url, which therefore must end with a slash.
        kwargs["base_url"] = settings.slack_api_url.rstrip("/") + "/"
    return WebClient(token=settings.slack_bot_token, timeout=10,
                     retry_handlers=[ConnectionErrorRetryHandler(), RateLimitErrorRetryHandler(max_retry_count=2)],
                     **kwargs)


def default_brain(ctx: AppContext) -> BrainLike:
    """The same brain the console uses, with the question answerer (documents and CRM data)."""
    import handlers.answers as answers  # both load models; only when Slack is on
    from bot.brain import Brain

    factory = getattr(answers, "build_answerer", None)
    answerer = factory(ctx) if factory is not None else answers.Answerer(ctx=ctx)
    return Brain(ctx=ctx, answerer=answerer)


def build_app(ctx: AppContext, *, brain: BrainLike | None = None, client: WebClient | None = None,
              socket: bool = False, workers: int = WORKERS) -> App:
    """A Bolt App wired to the brain. ``socket`` turns off request signing (Socket Mode has none)."""
    s = ctx.settings
    client = client or make_client(s)
    work = SlackWork(sessions=ctx.sessions, brain=brain or default_brain(ctx), undo_minutes=s.undo_minutes)
    app = _bolt_app(s, client, socket=socket, workers=workers)
    register(app, work, undo_minutes=s.undo_minutes)
    return app


def _bolt_app(s: Settings, client: WebClient, *, socket: bool, workers: int) -> App:
    options: dict[str, Any] = dict(
        client=client,
        signing_secret=s.slack_signing_secret or "",
        request_verification_enabled=not socket,
        process_before_response=True,
        listener_executor=ThreadPoolExecutor(max_workers=workers, thread_name_prefix="slack"),
        logger=logging.getLogger("crmbot.slack.bolt"),
        name="crmbot",
    )
    try:
        # auth.test now, at start-up, so the first request does not pay for it.
        return App(token_verification_enabled=True, **options)
    except BoltError:
        log.warning("slack auth.test failed at start-up; retrying on the first request")
        return App(token_verification_enabled=False, **options)


def register(app: App, work: SlackWork, *, undo_minutes: int) -> None:
    def ack_command(ack: Ack, body: dict[str, Any]) -> None:
        if is_help(body.get("text") or ""):
            # Help needs nothing but a template, so it goes back in the acknowledgement itself.
            blocks = render.help_blocks(undo_minutes=undo_minutes)
            ack(text=render.first_text(blocks)[:300], blocks=blocks)
        else:
            ack()

    def ack_only(ack: Ack) -> None:
        ack()

    app.command(COMMAND)(ack=ack_command, lazy=[_lazy("command", work.command)])
    app.event("app_mention")(ack=ack_only, lazy=[_lazy("mention", work.event)])
    app.event("message")(ack=ack_only, lazy=[_lazy("message", work.event)])
    app.event("app_home_opened")(ack=ack_only, lazy=[_lazy("home", work.home)])
    app.action(re.compile("^" + re.escape(render.ACTION_PREFIX)))(ack=ack_only, lazy=[_lazy("action", work.action)])


def _lazy(name: str, fn: Callable[[Any, WebClient], None]) -> Callable[..., None]:
    """A lazy listener with the argument names Bolt injects; a distinct name per listener."""
    def run(body: dict[str, Any], client: WebClient) -> None:
        fn(body, client)

    run.__name__ = run.__qualname__ = f"crm_{name}"
    return run
