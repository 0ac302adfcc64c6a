"""`crmbot chat [--as EMAIL]`: the console channel, through the same brain as Slack.

The adapter only translates: a typed line becomes a ``Message`` (a number or a button label
that answers the bot's last choices becomes ``Message.action``), and each ``Reply`` is printed.
At every prompt it first shows the agent's pending notifications (reminders, proposals from
leads' replies) and marks them delivered.
"""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, TextIO

from sqlalchemy import func, select

from bot.messages import Message, Reply
from bot.notify import mark_delivered, pending
from bot.templating import render
from crm.models import Agent

if TYPE_CHECKING:
    from bot.brain import Brain

# The brain (spaCy, LangGraph) is imported when a chat starts, not when `crmbot --help` lists
# this command.

PROMPT = "you> "
SHOWN_PER_PROMPT = 5
QUIT = ("quit", "exit", ":q", "bye")


def register(sub) -> None:  # noqa: ANN001
    p = sub.add_parser("chat", help="talk to the bot in this terminal",
                       description="Chat with the bot as an agent: log calls, change statuses, schedule "
                       "follow-ups, ask questions. Every change is shown as a plan to confirm (yes/no).")
    p.add_argument("--as", dest="as_email", default=None,
                   help="the agent to chat as (default: the only agent, if there is just one)")
    p.set_defaults(func=_chat)


def _chat(args, ctx) -> int:  # noqa: ANN001
    return run_chat(ctx, as_email=args.as_email)


def _find_agent(ctx, as_email: str | None) -> tuple[int | None, list[str]]:  # noqa: ANN001
    with ctx.sessions() as s:
        if as_email:
            agent = s.scalar(select(Agent).where(func.lower(Agent.email) == as_email.strip().lower()))
        else:
            only = list(s.scalars(select(Agent).where(Agent.active.is_(True)).limit(2)))
            agent = only[0] if len(only) == 1 else None
        emails = [] if agent else list(s.scalars(
            select(Agent.email).where(Agent.active.is_(True)).order_by(Agent.email)))
        return (agent.id if agent is not None and agent.active else None), emails


def format_reply(reply: Reply, *, first: int = 1) -> str:
    """The reply as text; its choices are numbered from ``first``."""
    widths: list[int] = []
    for row in reply.table:
        for i, cell in enumerate(row):
            if i >= len(widths):
                widths.append(0)
            widths[i] = max(widths[i], len(str(cell)))
    table = ["  ".join(str(c).ljust(widths[i]) for i, c in enumerate(row)).rstrip() for row in reply.table]
    return render("brain/console_reply.j2", r=reply, table=table, first=first)


class Console:
    """One console session: who is speaking, and the choices the last reply offered."""

    def __init__(self, ctx, *, agent_id: int, brain: Brain, out: TextIO,  # noqa: ANN001
                 clock: Callable[[], datetime]) -> None:
        self.ctx, self.agent_id, self.brain, self.out, self.clock = ctx, agent_id, brain, out, clock
        with ctx.sessions() as s:
            self.email = s.get(Agent, agent_id).email
        self.key = f"console:{self.email}"
        # Every choice shown since the user last typed, numbered on from one reply to the next so
        # that "3" means the same button whichever reply offered it.
        self.choices: list[dict[str, Any]] = []
        self.labels: list[str] = []
        self.notified_plan: str | None = None  # a proposal shown as a notification, for a typed yes/no

    def show(self, reply: Reply, *, notification: bool = False) -> None:
        self.out.write(format_reply(reply, first=len(self.choices) + 1) + "\n\n")
        self.choices += [_choice_action(reply, c.value) for c in reply.choices]
        self.labels += [c.label.strip().lower() for c in reply.choices]
        if reply.plan_id and reply.kind in ("plan", "proposal"):
            self.notified_plan = reply.plan_id if notification else None

    def notifications(self) -> None:
        from handlers.reminders import send_due_reminders

        now = self.clock()
        with self.ctx.sessions.begin() as s:
            # The worker queues reminders; doing it here too means a console with no worker still
            # gets them, and the claim in send_due_reminders keeps it to one reminder either way.
            send_due_reminders(s, now=now, agent_id=self.agent_id)
        with self.ctx.sessions.begin() as s:
            waiting = pending(s, agent_id=self.agent_id, limit=SHOWN_PER_PROMPT + 1)
            for n in waiting[:SHOWN_PER_PROMPT]:
                self.show(Reply.from_dict(n.payload), notification=True)
                mark_delivered(s, n, via="console")
            if len(waiting) > SHOWN_PER_PROMPT:
                more = len(pending(s, agent_id=self.agent_id, limit=1000))
                self.out.write(render("brain/console_more.j2", count=more) + "\n\n")

    def message(self, text: str) -> Message:
        action = self._action_for(text)
        return Message(text=text, agent_id=self.agent_id, channel="console", conversation_key=self.key, action=action)

    def _action_for(self, text: str) -> dict[str, Any] | None:
        from bot.brain.fixed import fixed_command

        t = text.strip().lower()
        if self.choices:
            if t.isdigit() and 1 <= int(t) <= len(self.choices):
                return self.choices[int(t) - 1]
            if t in self.labels:  # a label offered twice means the newest offer
                return self.choices[len(self.labels) - 1 - self.labels[::-1].index(t)]
        if self.notified_plan and fixed_command(t) in ("yes", "no", "cancel"):
            decision = "confirm" if fixed_command(t) == "yes" else "cancel"
            return {"plan_id": self.notified_plan, "decision": decision}
        return None

    def say(self, text: str) -> None:
        msg = self.message(text)
        self.choices, self.labels, self.notified_plan = [], [], None
        for reply in self.brain.handle(msg):
            self.show(reply)


def _choice_action(reply: Reply, value: str) -> dict[str, Any]:
    """A choice's value as Message.action; a bare "confirm"/"cancel" on a plan gets the plan's id."""
    try:
        decoded = json.loads(value)
    except ValueError:
        decoded = value
    if not isinstance(decoded, dict):
        decoded = {"decision": str(decoded)}
    if reply.plan_id and decoded.get("decision") in ("confirm", "cancel"):
        decoded.setdefault("plan_id", reply.plan_id)
    return decoded


def run_chat(ctx, *, as_email: str | None, stdin: TextIO | None = None, stdout: TextIO | None = None,  # noqa: ANN001
             brain: Brain | None = None, clock: Callable[[], datetime] | None = None) -> int:
    """Read lines until end of input or "quit"; returns the exit status."""
    if stdin is None and logging.getLogger().level == logging.INFO:
        # In a terminal, progress lines on stderr would interleave with the conversation.
        logging.getLogger().setLevel(logging.WARNING)
    stdin = stdin or sys.stdin
    out = stdout or sys.stdout
    clock = clock or (lambda: datetime.now(timezone.utc))
    agent_id, emails = _find_agent(ctx, as_email)
    if agent_id is None:
        out.write(render("brain/console_no_agent.j2", email=as_email, agents=emails) + "\n")
        return 2
    own = brain is None
    if brain is None:
        from bot.brain import Brain

        brain = Brain(ctx=ctx, clock=clock, answerer=_default_answerer(ctx))
    try:
        console = Console(ctx, agent_id=agent_id, brain=brain, out=out, clock=clock)
        with ctx.sessions() as s:
            a = s.get(Agent, agent_id)
            out.write(render("brain/console_welcome.j2", agent_name=a.name, email=a.email, admin=a.is_admin,
                             timezone=a.timezone) + "\n\n")
        while True:
            console.notifications()
            out.write(PROMPT)
            out.flush()
            line = stdin.readline()
            if not line:
                out.write("\n")
                return 0
            text = line.strip()
            if not text:
                continue
            if text.lower() in QUIT:
                return 0
            if stdin is not sys.stdin or not stdin.isatty():
                out.write(text + "\n")  # echo piped input so a transcript reads as a conversation
            console.say(text)
    finally:
        if own:
            brain.close()


def _default_answerer(ctx):  # noqa: ANN001, ANN202
    """The question answerer (documents and CRM data); it opens its models on first use."""
    import handlers.answers as answers

    factory = getattr(answers, "build_answerer", None)
    return factory(ctx) if factory is not None else answers.Answerer(ctx=ctx)
