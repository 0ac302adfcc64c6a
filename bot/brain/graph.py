"""The brain: one LangGraph graph that every channel's messages go through.

```
START ─► understand ─┬─► help · undo · decide · follow_up · stale · clarify · answer ─► END
                     ├─► campaign ─┬─► plan ─► confirm ─► execute ─► END
                     │             └─► END  (reading commands, refusals)
                     └─► resolve ─┬─► show ─┬─► plan ─► confirm ─► execute ─► END
                                  ├─► plan  └─► END
                                  └─► END  (refusal, unknown status, dropped)
interrupt(): in resolve "which lead?", in confirm "confirm?"
```

- ``understand`` recognises fixed commands (help, yes/no/cancel, undo, buttons) by rule and
  sends everything else to the understander; it never writes.
- ``resolve`` turns understood actions into plan actions for one lead each. When a name fits
  several leads it asks which one with ``interrupt()`` and the answer continues the same plan;
  another agent's lead ends the turn with a refusal naming the owner.
- ``campaign`` handles ``campaign …`` commands (a fixed grammar, never the understander):
  reading ones answer at once, changing ones become a one-action plan.
- ``plan`` stores the plan (pending); ``confirm`` waits for yes/no with ``interrupt()``;
  ``execute`` runs ``decide_plan`` in one transaction.

A node that calls ``interrupt()`` runs again from its start when resumed, so nothing before an
``interrupt()`` writes anything: the plan is written by ``plan`` (idempotent per plan id, which
``resolve`` chooses) and run by ``execute`` (idempotent per plan id). State and interrupt
payloads are plain JSON.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import asdict, is_dataclass
from datetime import datetime
from typing import Any, Callable, Literal, Mapping, TypedDict

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt
from sqlalchemy.orm import Session, sessionmaker

from bot.brain import replies
from bot.brain.campaigns import CampaignDesk
from bot.campaign_grammar import is_campaign_command, parse_chat
from bot.brain.fixed import fixed_command, status_change_word
from crm.errors import CrmError
from crm.models import LEAD_STATUSES, Agent, Lead
from handlers.actions import (
    NotOwner,
    complete_follow_up,
    create_plan,
    decide_plan,
    lead_card,
    may_act,
    normalise_status,
    pending_plan,
    snooze_follow_up,
    undo_last,
)

log = logging.getLogger("crmbot.brain")

ACTS = ("update_status", "log_interaction", "schedule_follow_up")
LEAD_INTENTS = ACTS + ("show_lead",)
QUESTIONS = ("ask_documents", "ask_data")
CLARIFY_BELOW = 0.55  # the understander's own threshold for asking rather than acting
WHOLE_MESSAGE_REASONS = ("empty", "language", "too_long")

Route = Literal["help", "undo", "decide", "follow_up", "stale", "clarify", "answer", "resolve", "campaign"]


class BrainState(TypedDict, total=False):
    message: dict[str, Any]  # text, agent_id, channel, conversation_key, action
    now: str  # ISO time the message arrived
    command: str | None  # a fixed command or button: help | undo | decide | follow_up | stale
    decision: dict[str, Any] | None  # yes/no for the waiting plan, with who decided and when
    understanding: dict[str, Any] | None
    clarify: str | None  # why to ask instead of act
    draft: list[dict[str, Any]]  # plan actions, resolved to one lead each
    cards: list[int]  # leads to show
    plan_id: str | None
    route: str | None
    replies: list[dict[str, Any]]  # Reply.to_dict() of this turn
    last_lead_id: int | None  # the conversation's last lead, for "him"/"her" in the next message


def jsonable(value: Any) -> Any:
    """Understanding output as plain JSON: datetimes as ISO strings, dataclasses as dicts."""
    if isinstance(value, datetime):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return jsonable(asdict(value))
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def clarify_reason(u: Mapping[str, Any]) -> str | None:
    if u.get("clarify") in WHOLE_MESSAGE_REASONS:
        return u["clarify"]
    actions = u.get("actions") or []
    if not actions:
        return "low_confidence"
    for a in actions:
        f = a.get("fields") or {}
        if a["intent"] == "unknown" or a.get("confidence", 0) < CLARIFY_BELOW:
            return "low_confidence"
        if f.get("alternative"):
            return "close_intents"
        if a["intent"] in LEAD_INTENTS and f.get("lead_id") is None and not f.get("ambiguous"):
            return "missing_lead"
        if a["intent"] == "schedule_follow_up":
            if f.get("due_past"):
                return "due_in_past"
            if not f.get("due"):
                return "missing_due"
    return None


def _add(state: Mapping[str, Any], *new: Any) -> list[dict[str, Any]]:
    return list(state.get("replies") or []) + [r.to_dict() for r in new]


class Nodes:
    """The graph's nodes. Each opens its own short transaction; none holds one across nodes."""

    def __init__(self, *, sessions: sessionmaker[Session], understander: Any, answerer: Any, plan_ttl_minutes: int,
                 undo_minutes: int, campaigns: CampaignDesk | None = None) -> None:
        self.sessions = sessions
        self.campaigns = campaigns
        self.understander = understander
        self.answerer = answerer
        self.plan_ttl = plan_ttl_minutes
        self.undo_minutes = undo_minutes

    # -- understand ----------------------------------------------------------------------------
    def understand(self, state: BrainState) -> dict[str, Any]:
        out: dict[str, Any] = {"understanding": None, "clarify": None, "command": None}
        msg = state.get("message")
        if msg is None:  # an answer to a question whose checkpoint another process has since removed
            return {**out, "command": "stale"}
        action = msg.get("action") or {}
        if action.get("follow_up_id") is not None:
            return {**out, "command": "follow_up"}
        if action.get("decision") in ("confirm", "cancel"):
            return {**out, "command": "decide"}
        if action.get("decision") == "choice":
            return {**out, "command": "stale"}
        fixed = fixed_command(msg.get("text") or "")
        if fixed == "help":
            return {**out, "command": "help"}
        if fixed == "undo":
            return {**out, "command": "undo"}
        if fixed in ("yes", "no", "cancel"):
            return {**out, "command": "decide"}
        if is_campaign_command(msg.get("text") or ""):
            return {**out, "command": "campaign"}
        now = datetime.fromisoformat(state["now"])
        with self.sessions() as s:
            agent = s.get(Agent, msg["agent_id"])
            u = self.understander.understand(
                msg.get("text") or "", channel="agent", speaker=agent, now=now, tz=agent.timezone, session=s,
                context={"last_lead_id": state.get("last_lead_id")},
            )
        understood = {
            "actions": [{"intent": a.intent, "fields": jsonable(a.fields), "confidence": a.confidence,
                         "span": list(a.span)} for a in u.actions],
            "reply": u.reply, "choice": u.choice, "clarify": u.clarify,
        }
        if u.reply == "choice":
            return {**out, "command": "stale"}
        if u.reply in ("yes", "no", "cancel"):
            return {**out, "command": "decide"}
        reason = clarify_reason(understood)
        if reason == "low_confidence" and any((a["fields"] or {}).get("lead_id") for a in understood["actions"]):
            word = status_change_word(msg.get("text") or "")
            if word and normalise_status(word) not in LEAD_STATUSES:
                understood["unknown_status"] = word
                reason = "unknown_status"
        return {**out, "understanding": understood, "clarify": reason}

    @staticmethod
    def route(state: BrainState) -> Route:
        if state.get("command"):
            return state["command"]  # type: ignore[return-value]
        if state.get("clarify"):
            return "clarify"
        intents = [a["intent"] for a in (state.get("understanding") or {}).get("actions", [])]
        if any(i in LEAD_INTENTS for i in intents):
            return "resolve"
        if any(i in QUESTIONS for i in intents):
            return "answer"
        if intents and all(i == "help" for i in intents):
            return "help"
        return "clarify"

    # -- resolve: one lead per action, asking which when several fit -------------------------------
    def resolve(self, state: BrainState) -> dict[str, Any]:
        msg = state["message"]
        end = {"route": "end", "draft": [], "cards": [], "plan_id": None}
        wanted = [a for a in state["understanding"]["actions"] if a["intent"] in LEAD_INTENTS]  # type: ignore[index]
        # 1. One lead per action, asking when several fit. Nothing here reads or writes the CRM:
        #    on resume this node starts again from the top and replays the answers given so far.
        chosen: dict[str, int] = {}
        lead_ids: list[int] = []
        for a in wanted:
            f = a["fields"]
            if not f.get("ambiguous"):
                lead_ids.append(f.get("lead_id"))
                continue
            cands = f.get("candidates") or []
            key = ",".join(str(c["lead_id"]) for c in cands)
            if key not in chosen:
                answer = interrupt({"kind": "choose", "count": len(cands),
                                    "candidates": [{k: c.get(k) for k in ("lead_id", "name", "company", "email")}
                                                   for c in cands],
                                    "reply": replies.which_lead(cands, intent=a["intent"]).to_dict()})
                if answer.get("cancel"):
                    return {**end, "replies": _add(state, replies.simple("dropped"))}
                chosen[key] = cands[int(answer["choice"]) - 1]["lead_id"]
            lead_ids.append(chosen[key])
        # 2. Check each lead (it exists, the speaker may act on it) and build the plan actions.
        draft: list[dict[str, Any]] = []
        cards: list[int] = []
        last_lead = state.get("last_lead_id")
        with self.sessions() as s:
            agent = s.get(Agent, msg["agent_id"])
            for a, lead_id in zip(wanted, lead_ids):
                f = a["fields"]
                lead = s.get(Lead, lead_id)
                if lead is None:
                    return {**end, "replies": _add(state, replies.simple("lead_not_found", "error"))}
                if not may_act(agent, lead):
                    exc = NotOwner(lead_id=lead.id, lead_name=lead.name,
                                   owner_name=lead.owner.name if lead.owner else None)
                    refused = replies.not_owner_view(exc) if a["intent"] == "show_lead" else replies.refusal(exc)
                    return {**end, "replies": _add(state, refused)}
                last_lead = lead.id
                conf = a.get("confidence")
                if a["intent"] == "show_lead":
                    if lead.id not in cards:
                        cards.append(lead.id)
                elif a["intent"] == "update_status":
                    status = f.get("status")
                    if not status:
                        return {**end, "replies": _add(state, replies.missing_status(lead.name)),
                                "last_lead_id": last_lead}
                    if normalise_status(status) not in LEAD_STATUSES:
                        return {**end, "replies": _add(state, replies.unknown_status(status))}
                    draft.append({"type": "update_status", "lead_id": lead.id, "to": normalise_status(status),
                                  "confidence": conf})
                elif a["intent"] == "log_interaction":
                    draft.append({"type": "log_interaction", "lead_id": lead.id, "kind": f.get("kind") or "note",
                                  "summary": f.get("note") or "", "occurred_at": state["now"], "confidence": conf})
                elif a["intent"] == "schedule_follow_up":
                    draft.append({"type": "schedule_follow_up", "lead_id": lead.id, "title": f.get("title") or "",
                                  "due_at": f.get("due"), "confidence": conf})
        route = "show" if cards else ("plan" if draft else "end")
        return {"draft": draft, "cards": cards, "last_lead_id": last_lead, "route": route,
                "plan_id": str(uuid.uuid4()) if draft else None}

    def show(self, state: BrainState) -> dict[str, Any]:
        msg = state["message"]
        now = datetime.fromisoformat(state["now"])
        out = []
        with self.sessions() as s:
            agent = s.get(Agent, msg["agent_id"])
            for lead_id in state.get("cards") or []:
                try:
                    out.append(replies.card(lead_card(s, lead_id, actor=agent, now=now), tz=agent.timezone, now=now))
                except NotOwner as exc:
                    out.append(replies.not_owner_view(exc))
                except CrmError:
                    out.append(replies.simple("lead_not_found", "error"))
        return {"replies": _add(state, *out), "route": "plan" if state.get("draft") else "end"}

    # -- campaign commands ---------------------------------------------------------------------------
    def campaign(self, state: BrainState) -> dict[str, Any]:
        msg = state["message"]
        end = {"route": "end", "draft": [], "plan_id": None}
        if self.campaigns is None:
            return {**end, "replies": _add(state, replies.simple("campaigns_unavailable", "error"))}
        now = datetime.fromisoformat(state["now"])
        try:
            request = parse_chat(msg.get("text") or "")
            assert request is not None  # routed here because it is a campaign command
            with self.sessions() as s:  # never committed: changes are only tried, then rolled back
                agent = s.get(Agent, msg["agent_id"])
                if not request.changes:
                    return {**end, "replies": _add(state, self.campaigns.read(s, request, actor=agent))}
                action = self.campaigns.draft(s, request, actor=agent, now=now)
        except CrmError as exc:  # typed, user-safe refusals: bad syntax, unknown campaign, not allowed
            return {**end, "replies": _add(state, replies.campaign_refused(exc))}
        return {"draft": [action], "cards": [], "route": "plan", "plan_id": str(uuid.uuid4())}

    # -- plan, confirm, execute ---------------------------------------------------------------------
    def plan(self, state: BrainState) -> dict[str, Any]:
        msg = state["message"]
        now = datetime.fromisoformat(state["now"])
        try:
            with self.sessions.begin() as s:
                agent = s.get(Agent, msg["agent_id"])
                p = create_plan(s, actions=state["draft"], agent=agent, conversation_key=msg["conversation_key"],
                                channel=msg["channel"], ttl_minutes=self.plan_ttl, now=now, plan_id=state["plan_id"])
                reply = replies.plan(p, ttl_minutes=self.plan_ttl)
        except CrmError as exc:  # typed refusals from the action engine: NotOwner, UnknownStatus, ...
            refused = replies.refusal(exc)
            if refused is None:
                raise
            return {"replies": _add(state, refused), "route": "end", "plan_id": None}
        return {"replies": _add(state, reply), "route": "confirm"}

    def confirm(self, state: BrainState) -> dict[str, Any]:
        answer = interrupt({"kind": "confirm", "plan_id": state["plan_id"]})
        return {"decision": answer}

    def execute(self, state: BrainState) -> dict[str, Any]:
        d = state["decision"] or {}
        who = d.get("message") or state["message"]
        reply = self._decide(state["plan_id"] or "", d.get("decision", "cancel"), agent_id=who["agent_id"],
                             channel=who["channel"], now=datetime.fromisoformat(d.get("now") or state["now"]))
        return {"replies": _add(state, reply)}

    def _decide(self, plan_id: str, decision: str, *, agent_id: int, channel: str, now: datetime) -> Any:
        with self.sessions.begin() as s:
            agent = s.get(Agent, agent_id)
            outcome = decide_plan(s, plan_id, decision, actor=agent, channel=channel, now=now)
        log.info("plan decided", extra={"plan_id": plan_id, "outcome": outcome.status, "agent_id": agent_id})
        return replies.outcome(outcome, undo_minutes=self.undo_minutes)

    # -- fixed commands ------------------------------------------------------------------------------
    def decide(self, state: BrainState) -> dict[str, Any]:
        """yes/no/cancel with no question open in this conversation, or a button for any plan by id."""
        msg = state["message"]
        action = msg.get("action") or {}
        now = datetime.fromisoformat(state["now"])
        plan_id = action.get("plan_id")
        decision = action.get("decision")
        if decision not in ("confirm", "cancel"):
            decision = "confirm" if fixed_command(msg.get("text") or "") == "yes" else "cancel"
        if plan_id is None:
            with self.sessions() as s:
                agent = s.get(Agent, msg["agent_id"])
                waiting = pending_plan(s, agent=agent, conversation_key=msg["conversation_key"])
                plan_id = waiting.id if waiting is not None else None
            if plan_id is None:
                return {"replies": _add(state, replies.simple("nothing_pending"))}
        reply = self._decide(plan_id, decision, agent_id=msg["agent_id"], channel=msg["channel"], now=now)
        return {"replies": _add(state, reply)}

    def undo(self, state: BrainState) -> dict[str, Any]:
        msg = state["message"]
        with self.sessions.begin() as s:
            agent = s.get(Agent, msg["agent_id"])
            outcome = undo_last(s, actor=agent, channel=msg["channel"], window_minutes=self.undo_minutes,
                                now=datetime.fromisoformat(state["now"]))
        return {"replies": _add(state, replies.undo(outcome))}

    def follow_up(self, state: BrainState) -> dict[str, Any]:
        msg = state["message"]
        action = msg["action"]
        now = datetime.fromisoformat(state["now"])
        with self.sessions.begin() as s:
            agent = s.get(Agent, msg["agent_id"])
            fn = snooze_follow_up if action.get("decision") == "snooze" else complete_follow_up
            outcome = fn(s, action["follow_up_id"], actor=agent, channel=msg["channel"], now=now)
            tz = agent.timezone
        return {"replies": _add(state, replies.follow_up(outcome, tz=tz, now=now))}

    def help(self, state: BrainState) -> dict[str, Any]:
        return {"replies": _add(state, replies.help_reply(undo_minutes=self.undo_minutes))}

    def stale(self, state: BrainState) -> dict[str, Any]:
        return {"replies": _add(state, replies.simple("stale_choice"))}

    def clarify(self, state: BrainState) -> dict[str, Any]:
        reason = state.get("clarify") or "low_confidence"
        if reason == "unknown_status":
            word = (state.get("understanding") or {})["unknown_status"]
            return {"replies": _add(state, replies.unknown_status(word))}
        first = second = ""
        if reason == "close_intents":
            for a in (state.get("understanding") or {}).get("actions", []):
                if a.get("fields", {}).get("alternative"):
                    first, second = a["intent"], a["fields"]["alternative"]
                    break
        return {"replies": _add(state, replies.clarify(reason, first=first, second=second))}

    def answer(self, state: BrainState) -> dict[str, Any]:
        if self.answerer is None:
            return {"replies": _add(state, replies.simple("answer_unavailable"))}
        msg = state["message"]
        try:
            with self.sessions() as s:
                agent = s.get(Agent, msg["agent_id"])
                now = datetime.fromisoformat(state["now"]) if state.get("now") else None
                reply = self.answerer.answer(msg.get("text") or "", session=s, agent=agent, now=now)
        except Exception:  # an answer failing must not end the conversation; details go to the log only
            log.exception("answering failed")
            reply = replies.simple("answer_failed", "error")
        return {"replies": _add(state, reply)}


def _after(key: str, *names: str) -> Callable[[BrainState], str]:
    def pick(state: BrainState) -> str:
        value = state.get(key)
        return value if value in names else END  # type: ignore[return-value]

    return pick


def build_graph(nodes: Nodes, *, checkpointer: BaseCheckpointSaver):  # noqa: ANN201
    g = StateGraph(BrainState)
    g.add_node("understand", nodes.understand)
    for name in ("help", "undo", "decide", "follow_up", "stale", "clarify", "answer"):
        g.add_node(name, getattr(nodes, name))
        g.add_edge(name, END)
    g.add_node("campaign", nodes.campaign)
    g.add_node("resolve", nodes.resolve)
    g.add_node("show", nodes.show)
    g.add_node("plan", nodes.plan)
    g.add_node("confirm", nodes.confirm)
    g.add_node("execute", nodes.execute)
    g.add_edge(START, "understand")
    g.add_conditional_edges("understand", nodes.route,
                            ["help", "undo", "decide", "follow_up", "stale", "clarify", "answer", "resolve",
                             "campaign"])
    g.add_conditional_edges("campaign", _after("route", "plan"), ["plan", END])
    g.add_conditional_edges("resolve", _after("route", "show", "plan"), ["show", "plan", END])
    g.add_conditional_edges("show", _after("route", "plan"), ["plan", END])
    g.add_conditional_edges("plan", _after("route", "confirm"), ["confirm", END])
    g.add_edge("confirm", "execute")
    g.add_edge("execute", END)
    return g.compile(checkpointer=checkpointer)
