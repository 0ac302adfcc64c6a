"""``Brain.handle(message) -> replies``: the one entry point every channel calls.

The conversation's graph state lives in the checkpointer under ``thread_id =
message.conversation_key``. Before running the graph the brain looks at that state: when the
graph is waiting (for "which lead?" or for "confirm?") and the message answers it, the graph is
resumed with the answer; anything else starts a new turn.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from langgraph.types import Command

from bot.brain import replies
from bot.brain.campaigns import CampaignDesk
from bot.brain.checkpoint import Checkpointer, open_checkpointer, prune
from bot.brain.fixed import fixed_command, parse_choice
from bot.brain.graph import Nodes, build_graph
from bot.messages import Message, Reply
from crm.lookup import normalise
from handlers.campaigns.compose import composer_from_settings
from handlers.campaigns.transport import transport_from_settings
from handlers.email_in.decisions import decide as decide_email
from handlers.email_in.decisions import is_email_action
from crm.models import Agent

log = logging.getLogger("crmbot.brain")

# Persist the conversation once per turn (when the turn ends or waits), not after every node:
# every node's writes are idempotent, so a turn cut short by a crash is simply asked again.
DURABILITY = "exit"
TURN_LOCKS = 64


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Brain:
    def __init__(self, *, ctx: Any, understander: Any = None, answerer: Any = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.ctx = ctx
        self.clock = clock or _utcnow
        if understander is None:
            from bot.understanding import Understander

            llm = None
            if ctx.settings.llm_enabled:  # optional: only messages the rules are unsure of reach it
                from bot.understanding.llm import OpenAIJSON

                llm = OpenAIJSON.from_settings(ctx.settings)
            understander = Understander(llm=llm)
        self.understander = understander
        self.answerer = answerer
        settings = ctx.settings
        campaigns = CampaignDesk(composer=lambda: composer_from_settings(settings),
                                 transport=lambda: transport_from_settings(settings), maildir=str(settings.maildir),
                                 charts=settings.data_dir / "charts")
        self.nodes = Nodes(sessions=ctx.sessions, understander=understander, answerer=answerer,
                           plan_ttl_minutes=settings.plan_ttl_minutes, undo_minutes=settings.undo_minutes,
                           campaigns=campaigns)
        self._checkpointer: Checkpointer | None = None
        self._graph = None
        self._lock = threading.Lock()
        # One turn at a time per conversation in this process (a double click handled by two
        # threads); striped so the number of locks stays fixed.
        self._turns = [threading.Lock() for _ in range(TURN_LOCKS)]

    @property
    def graph(self):  # noqa: ANN201
        with self._lock:
            if self._graph is None:
                self._checkpointer = open_checkpointer(self.ctx.engine)
                self._graph = build_graph(self.nodes, checkpointer=self._checkpointer.saver)
            return self._graph

    def close(self) -> None:
        with self._lock:
            if self._checkpointer is not None:
                self._checkpointer.close()
            self._checkpointer = None
            self._graph = None

    # -- the entry point ---------------------------------------------------------------------------
    def handle(self, message: Message) -> list[Reply]:
        try:
            with self._turns[hash(message.conversation_key) % TURN_LOCKS]:
                return self._handle(message)
        except Exception:  # the channel gets a plain apology; the details go to the log only
            log.exception("the brain failed on a message", extra={"conversation": message.conversation_key})
            return [replies.simple("error", "error")]

    def _handle(self, message: Message) -> list[Reply]:
        now = self.clock()
        if message.agent_id is None or not self._known(message.agent_id):
            return [replies.simple("unknown_agent", "error")]
        if is_email_action(message.action):
            return [self._decide_email(message, now)]
        graph = self.graph
        config = {"configurable": {"thread_id": message.conversation_key}}
        snapshot = graph.get_state(config)
        waiting = snapshot.interrupts[0].value if snapshot.interrupts else None
        msg = {"text": message.text, "agent_id": message.agent_id, "channel": message.channel,
               "conversation_key": message.conversation_key, "action": message.action}
        resume = self._answer_to(waiting, message, msg, now) if waiting else None
        if isinstance(resume, Reply):
            return [resume]
        if resume is not None:
            before = len(snapshot.values.get("replies") or [])
            # Resume the very checkpoint that asked the question: if another process answered it
            # meanwhile (a double click), this turn replays from there and hears "already done"
            # instead of echoing the other turn's replies.
            result = graph.invoke(Command(resume=resume), snapshot.config, durability=DURABILITY)
        else:
            before = 0
            result = graph.invoke(self._new_turn(msg, now), config, durability=DURABILITY)
        out = list(result.get("replies") or [])[before:]
        interrupts = result.get("__interrupt__") or []
        for it in interrupts:
            if isinstance(it.value, Mapping) and it.value.get("reply"):
                out.append(it.value["reply"])
        if not interrupts:
            self._prune(message.conversation_key)
        return [Reply.from_dict(r) for r in out]

    def _decide_email(self, message: Message, now: datetime) -> Reply:
        """A button on a lead's email (send/edit/discard a draft, create a lead from an unknown sender)."""
        settings = self.ctx.settings
        with self.ctx.sessions.begin() as session:
            actor = session.get(Agent, message.agent_id)
            return decide_email(session, message.action or {}, actor=actor,
                                transport=transport_from_settings(settings), mail_from=settings.mail_from,
                                domain=(settings.mail_domains or ("crmbot.local",))[0],
                                understander=self.understander, now=now, timezone=settings.timezone,
                                answerer=self.answerer, domains=settings.mail_domains)

    @staticmethod
    def _new_turn(msg: dict[str, Any], now: datetime) -> dict[str, Any]:
        # Every key but the conversation's memory (last_lead_id) starts afresh each turn.
        return {"message": msg, "now": now.isoformat(), "command": None, "decision": None, "understanding": None,
                "clarify": None, "draft": [], "cards": [], "plan_id": None, "route": None, "replies": []}

    def _known(self, agent_id: int) -> bool:
        with self.ctx.sessions() as s:
            agent = s.get(Agent, agent_id)
            return agent is not None and agent.active

    def _answer_to(self, waiting: Mapping[str, Any], message: Message, msg: dict[str, Any],
                   now: datetime) -> dict[str, Any] | Reply | None:
        """The resume value when ``message`` answers the graph's open question, else None."""
        action = message.action or {}
        fixed = fixed_command(message.text or "") if not action else None
        if waiting.get("kind") == "confirm":
            if action.get("decision") in ("confirm", "cancel") and action.get("plan_id") == waiting.get("plan_id"):
                return {"decision": action["decision"], "message": msg, "now": now.isoformat()}
            if fixed in ("yes", "no", "cancel"):
                return {"decision": "confirm" if fixed == "yes" else "cancel", "message": msg, "now": now.isoformat()}
            return None
        if waiting.get("kind") == "choose":
            count = int(waiting.get("count") or 0)
            if action.get("decision") == "choice":
                n = int(action.get("choice") or 0)
                return {"choice": n} if 1 <= n <= count else replies.which_lead_again(count)
            if fixed in ("no", "cancel"):
                return {"cancel": True}
            if fixed == "yes":
                return replies.which_lead_again(count)
            if action:
                return None
            n = parse_choice(message.text or "", count)
            if n == 0:
                return replies.which_lead_again(count)
            if n is None and len((message.text or "").split()) <= 4:
                n = _named(waiting.get("candidates") or [], message.text or "")
            return {"choice": n} if n else None
        return None

    def _prune(self, thread_id: str) -> None:
        try:
            if self._checkpointer is not None:
                prune(self._checkpointer, thread_id)
        except Exception:  # pruning is housekeeping; a failure must not fail the turn
            log.warning("could not prune the conversation's old checkpoints", exc_info=True)


def _named(candidates: list[Mapping[str, Any]], text: str) -> int | None:
    """The one candidate the answer names ("John Smith", "the Acme one", an email), if exactly one."""
    said = f" {normalise(text)} "
    hits = []
    for n, c in enumerate(candidates, start=1):
        names = [c.get("name"), c.get("company"), c.get("email")]
        parts = [normalise(p) for p in names if p]
        company = normalise(c.get("company") or "").split()
        if company and len(company[0]) >= 3:
            parts.append(company[0])
        # A full name, company or email counts; so does a surname that only this candidate has.
        if any(p and f" {p} " in said for p in parts):
            hits.append(n)
    if len(hits) == 1:
        return hits[0]
    last_names = {}
    for n, c in enumerate(candidates, start=1):
        words = normalise(c.get("name") or "").split()
        if len(words) > 1:
            last_names.setdefault(words[-1], []).append(n)
    picks = {ns[0] for w, ns in last_names.items() if len(ns) == 1 and f" {w} " in said}
    return picks.pop() if len(picks) == 1 else None
