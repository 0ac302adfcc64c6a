"""The action engine: plans the agent confirms, run once in one transaction with audit rows.

Plan actions are JSON shared by the brain, email proposals and Slack:
``{"type": "update_status", "lead_id", "lead_name", "from", "to"}``,
``{"type": "log_interaction", "lead_id", "lead_name", "kind", "summary", "occurred_at"}``,
``{"type": "schedule_follow_up", "lead_id", "lead_name", "title", "due_at", "notes"}``,
``{"type": "opt_out", "lead_id", "lead_name"}``; each may carry ``confidence``. Times are ISO
8601 with an offset.
"""
from handlers.actions.card import LeadCard, lead_card
from handlers.actions.describe import describe, lead_label, local_time
from handlers.actions.errors import InvalidAction, LeadNotFound, NotOwner, UnknownKind, UnknownStatus
from handlers.actions.follow_ups import FollowUpOutcome, complete_follow_up, snooze_follow_up
from handlers.actions.plans import Outcome, create_plan, decide_plan, pending_plan
from handlers.actions.scope import may_act
from handlers.actions.undo import UndoOutcome, undo_last
from handlers.actions.validate import PLAN_ACTION_TYPES, normalise_status

__all__ = [
    "PLAN_ACTION_TYPES", "FollowUpOutcome", "InvalidAction", "LeadCard", "LeadNotFound", "NotOwner", "Outcome",
    "UndoOutcome", "UnknownKind", "UnknownStatus", "complete_follow_up", "create_plan", "decide_plan", "describe",
    "lead_card", "lead_label", "local_time", "may_act", "normalise_status", "pending_plan", "snooze_follow_up",
    "undo_last",
]
