"""What came back from a campaign, counted from the outbox, inbound mail, audit rows and
interactions. Everything a lead did counts only if it happened after their email was sent.

- audience: outbox rows (everyone the campaign was for, whatever became of them);
- sent / failed / skipped / waiting: outbox states;
- replied: inbound messages threaded to a sent row, or from its lead after the send, that are
  replies (not bounces, auto-replies, complaints or duplicates); responders: distinct leads;
- opt-outs: leads who opted out after their send;
- bounces: leads whose send was refused for good (5xx) or came back as a bounce;
- goals: leads who moved to qualified or beyond (audit rows), or booked a meeting or viewing
  (a meeting/viewing interaction, or a follow-up proposed from their reply) after their send.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import and_, distinct, func, or_, select
from sqlalchemy.orm import Session

from crm.models import AuditEntry, Campaign, FollowUp, InboundMessage, Interaction, Lead, OutboxMessage, Plan

GOAL_STATUSES = ("qualified", "negotiating", "closed_won")
MEETING_KINDS = ("meeting", "viewing")
NOT_REPLIES = ("bounce", "auto_reply", "complaint", "delivery_report", "receipt", "bulk", "loop", "unreadable")
NOT_REPLY_STATES = ("duplicate", "failed")
FUNNEL = (("audience", "Audience"), ("sent", "Sent"), ("responders", "Replied"), ("goals", "Goals reached"))
SIDE = (("failed", "Failed"), ("bounces", "Bounced"), ("opt_outs", "Opted out"))


@dataclass(frozen=True)
class CampaignStats:
    campaign_id: int
    name: str
    state: str
    audience: int
    waiting: int
    sent: int
    failed: int
    skipped: int
    replied: int
    responders: int
    opt_outs: int
    bounces: int
    goals: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def rate(self, part: int) -> float:
        return part / self.sent if self.sent else 0.0


def campaign_stats(session: Session, campaign_id: int) -> CampaignStats:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise LookupError(campaign_id)
    by_state = dict(session.execute(
        select(OutboxMessage.state, func.count()).where(OutboxMessage.campaign_id == campaign_id)
        .group_by(OutboxMessage.state)).all())
    sent_rows = (select(OutboxMessage.id.label("oid"), OutboxMessage.lead_id.label("lead_id"),
                        OutboxMessage.sent_at.label("sent_at"))
                 .where(OutboxMessage.campaign_id == campaign_id, OutboxMessage.state == "sent",
                        OutboxMessage.lead_id.is_not(None))
                 .subquery())

    replies = (
        select(InboundMessage.id, sent_rows.c.lead_id)
        .join(sent_rows, or_(InboundMessage.outbox_id == sent_rows.c.oid,
                             and_(InboundMessage.lead_id == sent_rows.c.lead_id,
                                  InboundMessage.received_at >= sent_rows.c.sent_at)))
        .where(or_(InboundMessage.classification.is_(None), InboundMessage.classification.not_in(NOT_REPLIES)),
               InboundMessage.state.not_in(NOT_REPLY_STATES))
        .subquery()
    )
    replied, responders = session.execute(
        select(func.count(distinct(replies.c.id)), func.count(distinct(replies.c.lead_id)))).one()

    opt_outs = session.scalar(
        select(func.count(distinct(Lead.id))).join(sent_rows, sent_rows.c.lead_id == Lead.id)
        .where(Lead.opted_out_at.is_not(None), Lead.opted_out_at >= sent_rows.c.sent_at)) or 0

    refused = (select(OutboxMessage.lead_id.label("lead_id"))
               .where(OutboxMessage.campaign_id == campaign_id, OutboxMessage.state == "failed",
                      OutboxMessage.last_error.like("5%"), OutboxMessage.lead_id.is_not(None)))
    bounced_back = (select(sent_rows.c.lead_id.label("lead_id"))
                    .join(InboundMessage, or_(InboundMessage.outbox_id == sent_rows.c.oid,
                                              and_(InboundMessage.lead_id == sent_rows.c.lead_id,
                                                   InboundMessage.received_at >= sent_rows.c.sent_at)))
                    .where(InboundMessage.classification == "bounce"))
    bounce_union = refused.union(bounced_back).subquery()
    bounces = session.scalar(select(func.count(distinct(bounce_union.c.lead_id)))) or 0

    moved = (select(sent_rows.c.lead_id.label("lead_id"))
             .join(AuditEntry, and_(AuditEntry.entity == "leads", AuditEntry.entity_id == sent_rows.c.lead_id))
             .where(AuditEntry.field == "status", AuditEntry.new_value.in_(GOAL_STATUSES),
                    AuditEntry.at >= sent_rows.c.sent_at))
    met = (select(sent_rows.c.lead_id.label("lead_id"))
           .join(Interaction, Interaction.lead_id == sent_rows.c.lead_id)
           .where(Interaction.kind.in_(MEETING_KINDS), Interaction.created_at >= sent_rows.c.sent_at))
    proposed = (select(sent_rows.c.lead_id.label("lead_id"))
                .join(FollowUp, FollowUp.lead_id == sent_rows.c.lead_id)
                .join(Plan, Plan.id == FollowUp.plan_id)
                .where(Plan.source == "lead_reply", FollowUp.created_at >= sent_rows.c.sent_at))
    goal_union = moved.union(met, proposed).subquery()
    goals = session.scalar(select(func.count(distinct(goal_union.c.lead_id)))) or 0

    return CampaignStats(
        campaign_id=campaign.id, name=campaign.name, state=campaign.state,
        audience=sum(by_state.values()),
        waiting=sum(by_state.get(s, 0) for s in ("pending", "retry", "sending")),
        sent=by_state.get("sent", 0), failed=by_state.get("failed", 0), skipped=by_state.get("skipped", 0),
        replied=int(replied or 0), responders=int(responders or 0), opt_outs=int(opt_outs),
        bounces=int(bounces), goals=int(goals),
    )


def funnel_chart(stats: CampaignStats, path: Path | str, *, title: str | None = None) -> Path:
    """A PNG: the funnel (audience → sent → replied → goals) and what fell out on the way."""
    import matplotlib

    matplotlib.use("Agg")  # no display: the worker, the CLI and CI have none
    from matplotlib.figure import Figure

    values = stats.to_dict()
    fig = Figure(figsize=(7, 3.6), dpi=120)
    main, side = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1.3]})
    labels = [label for _, label in FUNNEL]
    counts = [values[key] for key, _ in FUNNEL]
    bars = main.barh(labels[::-1], counts[::-1], color=["#2e7d32", "#1565c0", "#42a5f5", "#90a4ae"])
    top = max(counts + [1])
    for bar, n in zip(bars, counts[::-1]):
        share = f" ({n / stats.audience:.0%})" if stats.audience else ""
        main.text(bar.get_width() + top * 0.01, bar.get_y() + bar.get_height() / 2, f"{n}{share}", va="center",
                  fontsize=8)
    main.set_xlim(0, top * 1.3)
    main.set_title(title or stats.name, fontsize=10)
    main.spines[["top", "right"]].set_visible(False)
    side_labels = [label for _, label in SIDE]
    side_counts = [values[key] for key, _ in SIDE]
    side.barh(side_labels[::-1], side_counts[::-1], color="#c62828")
    for i, n in enumerate(side_counts[::-1]):
        side.text(n + max(side_counts + [1]) * 0.02, i, str(n), va="center", fontsize=8)
    side.set_xlim(0, max(side_counts + [1]) * 1.4)
    side.spines[["top", "right"]].set_visible(False)
    side.tick_params(labelsize=8)
    main.tick_params(labelsize=8)
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="png")
    return out
