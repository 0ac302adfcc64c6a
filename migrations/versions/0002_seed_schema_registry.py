"""Seed the schema registry that the question answerer reads.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ENTRIES = [
    ("leads", "People or companies enquiring about a property; each has one owning agent.", {
        "name": "full name", "email": "email address", "company": "company name",
        "project": "property project enquired about", "unit_type": "unit type such as 2BR or studio",
        "budget_min": "lowest budget in the currency's units", "budget_max": "highest budget",
        "status": "new, contacted, qualified, negotiating, closed_won, closed_lost, follow_up",
        "owner_id": "agents.id of the owning agent", "source": "where the lead came from",
        "created_at": "when the lead was created (UTC)", "last_contacted_at": "last interaction (UTC)",
        "opted_out_at": "when the lead unsubscribed (UTC), null if subscribed",
        "email_bouncing": "true when mail to the lead bounces",
    }),
    ("agents", "Sales agents and admins who use the bot.", {
        "name": "full name", "email": "email address", "role": "agent or admin",
        "timezone": "IANA time zone", "slack_user_id": "linked Slack user",
    }),
    ("interactions", "Calls, meetings, viewings, emails and notes logged against a lead.", {
        "lead_id": "leads.id", "agent_id": "agents.id", "kind": "call, meeting, viewing, email, note",
        "summary": "what happened", "occurred_at": "when it happened (UTC)", "channel": "slack, console, email",
    }),
    ("follow_ups", "Tasks to do for a lead by a due time.", {
        "lead_id": "leads.id", "agent_id": "agents.id", "title": "what to do", "due_at": "due time (UTC)",
        "status": "open, done, cancelled", "reminded_at": "when the agent was reminded",
    }),
    ("campaigns", "Email campaigns sent to an audience of leads.", {
        "name": "campaign name", "state": "draft, scheduled, running, paused, cancelled, finished",
        "audience": "filters over leads (JSON)", "created_by_id": "agents.id",
    }),
    ("outbox", "One email per campaign and lead, with its sending state.", {
        "campaign_id": "campaigns.id", "lead_id": "leads.id", "state": "pending, sending, sent, retry, failed, skipped",
        "sent_at": "when the SMTP server accepted it (UTC)",
    }),
    ("inbound_messages", "Emails received from leads.", {
        "lead_id": "leads.id", "classification": "unsubscribe, not_interested, meeting_request, question, "
        "interested, auto_reply, bounce, other", "received_at": "when it arrived (UTC)", "state": "processing state",
    }),
]

registry = sa.table(
    "schema_registry",
    sa.column("name", sa.String),
    sa.column("description", sa.Text),
    sa.column("key_fields", sa.JSON),
)


def upgrade() -> None:
    op.bulk_insert(registry, [{"name": n, "description": d, "key_fields": k} for n, d, k in ENTRIES])


def downgrade() -> None:
    op.execute(registry.delete())
