"""The Bolt app: which Slack requests the bot listens to, acknowledged at once, handled after.

With ``process_before_response=True`` Bolt runs each listener inline and answers with what it
passed to ``ack()`` (https://docs.slack.dev/tools/bolt-python/concepts/acknowledge). Every
listener here acknowledges first and hands the request to a small pool of work threads; it
touches neither the database nor the network, because Slack wants an answer within 3 seconds
and retries otherwise. The work (identity, de-duplication, the brain, the replies) runs after.
"""
from __future__ import annotations

import logging
import os
import re
import threading
import time
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
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
# The work after ack is mostly CPU (understanding, planning) plus short Web API calls. A few
# threads keep Slack's calls overlapping; more would only fight the acknowledgements for the GIL.
WORKERS = 4
# Work threads run at a lower OS priority (nice) than the thread that acknowledges, so a burst
# of work does not delay the acknowledgements of the requests behind it.
WORK_NICENESS = 10


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


@dataclass
class SlackApp:
    """A Bolt app with its work pool. ``ready``: auth.test already ran, so no request needs the network."""

    bolt: App
    ready: bool
    work: SlackWork
    executor: ThreadPoolExecutor

    def close(self) -> None:
        """Finish the work in hand, then let go of the brain's connections."""
        self.executor.shutdown(wait=True)
        close = getattr(self.work.brain, "close", None)
        if close is not None:
            close()


def build_app(ctx: AppContext, *, brain: BrainLike | None = None, client: WebClient | None = None,
              socket: bool = False, workers: int = WORKERS) -> App:
    """A Bolt App wired to the brain. ``socket`` turns off request signing (Socket Mode has none)."""
    return build(ctx, brain=brain, client=client, socket=socket, workers=workers).bolt


def build(ctx: AppContext, *, brain: BrainLike | None = None, client: WebClient | None = None,
          socket: bool = False, workers: int = WORKERS) -> SlackApp:
    s = ctx.settings
    client = client or make_client(s)
    work = SlackWork(sessions=ctx.sessions, brain=brain or default_brain(ctx), undo_minutes=s.undo_minutes)
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="slack-work", initializer=_lower_priority)
    options: dict[str, Any] = dict(
        client=client,
        signing_secret=s.slack_signing_secret or "",
        request_verification_enabled=not socket,
        process_before_response=True,
        listener_executor=executor,
        logger=logging.getLogger("crmbot.slack.bolt"),
        name="crmbot",
    )
    try:
        # auth.test now, at start-up, so no request has to wait for it.
        app, ready = App(token_verification_enabled=True, **options), True
    except BoltError:
        log.warning("slack auth.test failed at start-up; retrying on the first request")
        app, ready = App(token_verification_enabled=False, **options), False
    register(app, work, executor=executor, undo_minutes=s.undo_minutes)
    return SlackApp(app, ready, work, executor)


def _lower_priority() -> None:
    try:
        # On Linux, PRIO_PROCESS with a thread id sets that thread's nice value (setpriority(2)).
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORK_NICENESS)
    except (AttributeError, OSError):
        pass  # elsewhere the work runs at normal priority


def register(app: App, work: SlackWork, *, executor: Executor, undo_minutes: int) -> None:
    """Listeners that acknowledge and hand the request to the work pool, in that order.

    They submit to the pool themselves rather than use Bolt's lazy listeners: those deep-copy
    the whole request for each lazy function, the largest cost on the acknowledgement path.
    """
    quiet = AcksFirst()

    def after_acks(fn: Callable[[dict[str, Any], WebClient], None], body: dict[str, Any], client: WebClient) -> None:
        quiet.wait()
        fn(body, client)

    def later(fn: Callable[[dict[str, Any], WebClient], None]) -> Callable[..., None]:
        def listener(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            ack()
            quiet.touch()
            executor.submit(after_acks, fn, body, client)

        return listener

    def on_command(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        if is_help(body.get("text") or ""):
            # Help needs nothing but a template, so it goes back in the acknowledgement itself.
            blocks = render.help_blocks(undo_minutes=undo_minutes)
            ack(text=render.first_text(blocks)[:300], blocks=blocks)
            return
        ack()
        quiet.touch()
        executor.submit(after_acks, work.command, body, client)

    app.command(COMMAND)(on_command)
    app.event("app_mention")(later(work.event))
    app.event("message")(later(work.event))
    app.event("app_home_opened")(later(work.home))
    app.action(re.compile("^" + re.escape(render.ACTION_PREFIX)))(later(work.action))


class AcksFirst:
    """Lets work wait while requests are still arriving, so a burst is acknowledged before it is worked on.

    Work and acknowledgements share one interpreter lock; work started in the middle of a burst
    slows every acknowledgement behind it. A work thread waits (sleeping, so without the lock)
    until no request has come in for ``quiet`` seconds, and never longer than ``longest``.
    """

    def __init__(self, *, quiet: float = 0.02, longest: float = 1.0) -> None:
        self.quiet, self.longest = quiet, longest
        self._last = 0.0

    def touch(self) -> None:
        self._last = time.monotonic()  # one float store: atomic under the interpreter lock

    def wait(self) -> None:
        deadline = time.monotonic() + self.longest
        while True:
            now = time.monotonic()
            idle = now - self._last
            if idle >= self.quiet or now >= deadline:
                return
            time.sleep(min(self.quiet - idle, deadline - now))
