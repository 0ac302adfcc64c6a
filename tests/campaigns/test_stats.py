"""Campaign results: counted only from what happened after each lead's email was sent."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from crm.audit import set_audited
from crm.models import FollowUp, InboundMessage, Interaction, Lead, OutboxMessage, Plan
from handlers.campaigns.stats import campaign_stats, funnel_chart


def test_stats_count_replies_opt_outs_bounces_and_goals_after_the_send(committed, smtp, seed, drainer_factory,
                                                                        tmp_path):
    recorder, _ = smtp
    s = seed(9)
    recorder.rcpt_replies[s.emails[8]] = ["550 5.1.1 No such user"]
    drainer_factory().drain()
    later = datetime.now(timezone.utc) + timedelta(minutes=5)
    before = datetime.now(timezone.utc) - timedelta(days=2)
    with committed.begin() as session:
        rows = {r.lead_id: r for r in session.scalars(select(OutboxMessage)
                                                       .where(OutboxMessage.campaign_id == s.campaign_id))}
        leads = {i: session.get(Lead, lead_id) for i, lead_id in enumerate(s.lead_ids)}

        def inbound(i: int, classification: str, *, at: datetime = later, linked: bool = True) -> None:
            session.add(InboundMessage(source="smtp", raw=b"x", state="processed", classification=classification,
                                       lead_id=leads[i].id, outbox_id=rows[leads[i].id].id if linked else None,
                                       received_at=at))

        inbound(0, "interested")
        inbound(0, "question", linked=False)  # a second reply, matched by its sender after the send
        inbound(1, "auto_reply")  # an out-of-office is not a reply
        inbound(1, "question", at=before, linked=False)  # a message from before the campaign
        inbound(2, "bounce")
        leads[3].opted_out_at = later
        set_audited(session, leads[4], {"status": "qualified"}, actor=None, channel="email")
        session.add(Interaction(lead_id=leads[5].id, kind="viewing", summary="Booked from the campaign",
                                occurred_at=later, created_at=later))
        session.add(Plan(id="plan-meet-6", conversation_key="email:6", channel="email", source="lead_reply",
                         actions=[], status="executed"))
        session.add(FollowUp(lead_id=leads[6].id, title="Viewing on Friday", due_at=later, plan_id="plan-meet-6",
                             created_at=later))
        set_audited(session, leads[7], {"status": "closed_lost"}, actor=None, channel="console")  # not a goal

    with committed() as session:
        stats = campaign_stats(session, s.campaign_id)

    assert (stats.audience, stats.sent, stats.failed, stats.waiting) == (9, 8, 1, 0)
    assert (stats.replied, stats.responders) == (2, 1)
    assert stats.opt_outs == 1
    assert stats.bounces == 2  # one refused at SMTP, one bounced back later
    assert stats.goals == 3  # qualified, a viewing, a meeting proposed from a reply
    assert stats.state == "finished"

    chart = funnel_chart(stats, tmp_path / "charts" / "funnel.png")
    data = chart.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000


def test_a_campaign_nobody_answered_has_zero_rates(committed, smtp, seed, drainer_factory):
    s = seed(2)
    drainer_factory().drain()
    with committed() as session:
        stats = campaign_stats(session, s.campaign_id)
    assert (stats.sent, stats.replied, stats.goals, stats.rate(stats.goals)) == (2, 0, 0, 0.0)
    assert stats.to_dict()["name"].startswith("Launch")
