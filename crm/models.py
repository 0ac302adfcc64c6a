"""The CRM data model (SQLAlchemy 2.0, typed).

One module so that Alembic and the question answerer see the whole schema in one place.
Statuses, kinds and roles are strings checked by constraints, so adding one is a migration
of a constraint, not of a database enum type.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from crm.types import UTCDateTime, utcnow

LEAD_STATUSES = ("new", "contacted", "qualified", "negotiating", "closed_won", "closed_lost", "follow_up")
INTERACTION_KINDS = ("call", "meeting", "viewing", "email", "note")
ROLES = ("agent", "admin")
FOLLOW_UP_STATUSES = ("open", "done", "cancelled")
PLAN_STATUSES = ("pending", "executed", "cancelled", "expired", "failed", "undone")
CAMPAIGN_STATES = ("draft", "scheduled", "running", "paused", "cancelled", "finished")
OUTBOX_STATES = ("pending", "sending", "sent", "retry", "failed", "skipped")
INBOUND_STATES = ("received", "processed", "failed", "unmatched", "ignored", "duplicate")
DRAFT_STATUSES = ("pending", "sent", "discarded", "failed")

# Stable constraint names, so migrations can name what they change on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class Agent(Base):
    __tablename__ = "agents"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    slack_user_id: Mapped[Optional[str]] = mapped_column(String(40), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    role: Mapped[str] = mapped_column(String(10), default="agent")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    leads: Mapped[list["Lead"]] = relationship(back_populates="owner")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def __repr__(self) -> str:
        return f"<Agent {self.id} {self.email}>"


class Lead(Base):
    __tablename__ = "leads"
    __table_args__ = (
        CheckConstraint(_in("status", LEAD_STATUSES), name="status"),
        Index("ix_leads_owner_status", "owner_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[Optional[str]] = mapped_column(String(320), unique=True)
    phone: Mapped[Optional[str]] = mapped_column(String(50))
    company: Mapped[Optional[str]] = mapped_column(String(200))
    project: Mapped[Optional[str]] = mapped_column(String(200), index=True)
    unit_type: Mapped[Optional[str]] = mapped_column(String(50))
    budget_min: Mapped[Optional[int]] = mapped_column(BigInteger)
    budget_max: Mapped[Optional[int]] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20), default="new")
    owner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agents.id"))
    source: Mapped[Optional[str]] = mapped_column(String(100))
    notes: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_contacted_at: Mapped[Optional[datetime]]
    opted_out_at: Mapped[Optional[datetime]]
    email_bouncing: Mapped[bool] = mapped_column(Boolean, default=False)
    # A random per-lead token for one-click unsubscribe links and reply+<token>@ addresses.
    token: Mapped[Optional[str]] = mapped_column(String(40), unique=True)

    owner: Mapped[Optional[Agent]] = relationship(back_populates="leads")
    interactions: Mapped[list["Interaction"]] = relationship(
        back_populates="lead", order_by="Interaction.occurred_at.desc()"
    )
    follow_ups: Mapped[list["FollowUp"]] = relationship(back_populates="lead", order_by="FollowUp.due_at")

    def __repr__(self) -> str:
        return f"<Lead {self.id} {self.name}>"


class Interaction(Base):
    __tablename__ = "interactions"
    __table_args__ = (CheckConstraint(_in("kind", INTERACTION_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agents.id"))
    kind: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    channel: Mapped[str] = mapped_column(String(20), default="console")
    plan_id: Mapped[Optional[str]] = mapped_column(String(36))
    inbound_id: Mapped[Optional[int]] = mapped_column(ForeignKey("inbound_messages.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lead: Mapped[Lead] = relationship(back_populates="interactions")
    agent: Mapped[Optional[Agent]] = relationship()


class FollowUp(Base):
    __tablename__ = "follow_ups"
    __table_args__ = (
        CheckConstraint(_in("status", FOLLOW_UP_STATUSES), name="status"),
        Index("ix_follow_ups_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agents.id"))
    title: Mapped[str] = mapped_column(String(300))
    notes: Mapped[Optional[str]] = mapped_column(Text)
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default="open")
    reminded_at: Mapped[Optional[datetime]]
    snoozed_until: Mapped[Optional[datetime]]
    plan_id: Mapped[Optional[str]] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[Optional[datetime]]

    lead: Mapped[Lead] = relationship(back_populates="follow_ups")
    agent: Mapped[Optional[Agent]] = relationship()


class AuditEntry(Base):
    """One row per changed field: who changed what, through which channel, and why."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(60))
    old_value: Mapped[Optional[str]] = mapped_column(Text)
    new_value: Mapped[Optional[str]] = mapped_column(Text)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agents.id"))
    actor_label: Mapped[str] = mapped_column(String(200), default="system")
    channel: Mapped[str] = mapped_column(String(20), default="system")
    plan_id: Mapped[Optional[str]] = mapped_column(String(36), index=True)
    confidence: Mapped[Optional[float]]
    at: Mapped[datetime] = mapped_column(default=utcnow)


class SchemaTable(Base):
    """Describes each table and its key fields for the question answerer. Seeded by a migration."""

    __tablename__ = "schema_registry"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    description: Mapped[str] = mapped_column(Text)
    key_fields: Mapped[dict[str, Any]] = mapped_column(JSON)


class Document(Base):
    """A document ingested for retrieval; its passages live in Chroma."""

    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    project: Mapped[Optional[str]] = mapped_column(String(200))
    source_path: Mapped[Optional[str]] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    passages: Mapped[int] = mapped_column(Integer, default=0)
    pages_without_text: Mapped[list[Any]] = mapped_column(JSON, default=list)
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)


class Plan(Base):
    """A proposed set of changes waiting for (or past) the agent's confirmation."""

    __tablename__ = "plans"
    # The worker looks for pending plans past their time every few seconds (bot/channels/slack/expiry.py).
    __table_args__ = (CheckConstraint(_in("status", PLAN_STATUSES), name="status"),
                      Index("ix_plans_status_expires_at", "status", "expires_at"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_key: Mapped[str] = mapped_column(String(200), index=True)
    agent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agents.id"))
    channel: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20), default="agent")  # agent | lead_reply | campaign | undo
    actions: Mapped[list[Any]] = mapped_column(JSON)
    summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[Optional[datetime]]
    decided_at: Mapped[Optional[datetime]]
    result: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    # Where the plan was shown (e.g. a Slack channel and message ts), so it can be updated in place.
    message_ref: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)


class Campaign(Base):
    __tablename__ = "campaigns"
    __table_args__ = (CheckConstraint(_in("state", CAMPAIGN_STATES), name="state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    template: Mapped[str] = mapped_column(String(300))
    sender: Mapped[str] = mapped_column(String(320))
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agents.id"))
    schedule: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    rate_per_second: Mapped[Optional[float]]
    state: Mapped[str] = mapped_column(String(12), default="draft")
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    max_consecutive_failures: Mapped[int] = mapped_column(Integer, default=10)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[Optional[datetime]]
    finished_at: Mapped[Optional[datetime]]
    # The template text itself when it came from a file, so any worker can render it later.
    template_source: Mapped[Optional[str]] = mapped_column(Text)
    # Rendering options: {"personal_paragraph": bool, "passages": int, "passage_query": str}.
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Why the campaign is paused: "agent", "failures", "template" or "misfire".
    pause_reason: Mapped[Optional[str]] = mapped_column(String(20))


class CampaignJob(Base):
    """APScheduler 3.x job store for campaign schedules, in the layout SQLAlchemyJobStore expects."""

    __tablename__ = "campaign_jobs"

    id: Mapped[str] = mapped_column(String(191), primary_key=True)
    next_run_time: Mapped[Optional[float]] = mapped_column(Float(25), index=True)
    job_state: Mapped[bytes] = mapped_column(LargeBinary)


class OutboxMessage(Base):
    """Exactly one row per (campaign, lead); marked sent only after the SMTP server accepted it."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("campaign_id", "lead_id", name="uq_outbox_campaign_lead"),
        CheckConstraint(_in("state", OUTBOX_STATES), name="state"),
        Index("ix_outbox_due", "state", "next_attempt_at"),
        # Claims read one campaign's due rows and stop after a batch, without scanning the rest.
        Index("ix_outbox_campaign_due", "campaign_id", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[Optional[int]] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    lead_id: Mapped[Optional[int]] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(String(320))
    message_id: Mapped[str] = mapped_column(String(300), unique=True)
    subject: Mapped[Optional[str]] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[Optional[datetime]]
    claimed_by: Mapped[Optional[str]] = mapped_column(String(100))
    claimed_at: Mapped[Optional[datetime]]
    sent_at: Mapped[Optional[datetime]]
    last_error: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundMessage(Base):
    """Every email that arrives, stored raw before it is parsed, so none is ever lost."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        CheckConstraint(_in("state", INBOUND_STATES), name="state"),
        Index("ix_inbound_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[Optional[str]] = mapped_column(String(998), unique=True)
    source: Mapped[str] = mapped_column(String(20))  # smtp | imap | cli
    mail_from: Mapped[Optional[str]] = mapped_column(String(320))
    rcpt_to: Mapped[Optional[str]] = mapped_column(Text)
    # The header From address and Subject, set once parsed: loop protection counts by sender.
    from_address: Mapped[Optional[str]] = mapped_column(String(320), index=True)
    subject: Mapped[Optional[str]] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(12), default="received")
    lead_id: Mapped[Optional[int]] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"))
    outbox_id: Mapped[Optional[int]] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    classification: Mapped[Optional[str]] = mapped_column(String(30))
    visible_text: Mapped[Optional[str]] = mapped_column(Text)
    error: Mapped[Optional[str]] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[Optional[datetime]]


class EmailDraft(Base):
    """An answer to a lead's email, drafted from the documents, until the agent sends or discards it."""

    __tablename__ = "email_drafts"
    __table_args__ = (CheckConstraint(_in("status", DRAFT_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_id: Mapped[Optional[int]] = mapped_column(ForeignKey("inbound_messages.id", ondelete="SET NULL"))
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agents.id"))
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    found: Mapped[bool] = mapped_column(Boolean, default=False)  # did the documents hold an answer
    sources: Mapped[list[Any]] = mapped_column(JSON, default=list)
    in_reply_to: Mapped[Optional[str]] = mapped_column(String(998))
    references: Mapped[Optional[str]] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    message_id: Mapped[Optional[str]] = mapped_column(String(300))  # of the email sent
    error: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[Optional[datetime]]


class ImapState(Base):
    """Where the IMAP poller is in each folder: UIDVALIDITY and the last UID handled."""

    __tablename__ = "imap_state"
    __table_args__ = (UniqueConstraint("account", "folder", name="uq_imap_state_account_folder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(320))
    folder: Mapped[str] = mapped_column(String(200))
    uidvalidity: Mapped[Optional[int]] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)



class ProcessedEvent(Base):
    """Ids of external events already handled (Slack event ids, retries), for de-duplication."""

    __tablename__ = "processed_events"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(Base):
    """Something the bot must tell an agent (a reminder, a lead's reply, a proposal).

    Written by any process; delivered by the agent's channel (Slack DM, or the console at the
    next prompt), which sets delivered_at. Delivery is at least once; payloads are idempotent.
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_pending", "agent_id", "delivered_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # reminder | lead_reply | proposal | info
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # a serialised Reply
    plan_id: Mapped[Optional[str]] = mapped_column(String(36))
    follow_up_id: Mapped[Optional[int]] = mapped_column(ForeignKey("follow_ups.id", ondelete="CASCADE"))
    inbound_id: Mapped[Optional[int]] = mapped_column(ForeignKey("inbound_messages.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[Optional[datetime]]
    delivered_via: Mapped[Optional[str]] = mapped_column(String(20))
    # Where it was shown (e.g. Slack channel + ts) so a button press can update it in place.
    message_ref: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[Optional[str]] = mapped_column(Text)


class Setting(Base):
    """Small key/value facts the bot keeps (e.g. a link between a Slack user and an agent)."""

    __tablename__ = "kv_settings"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)


__all__ = [
    "Base",
    "Agent",
    "Lead",
    "Interaction",
    "FollowUp",
    "AuditEntry",
    "SchemaTable",
    "Document",
    "Plan",
    "Campaign",
    "CampaignJob",
    "OutboxMessage",
    "InboundMessage",
    "ImapState",
    "EmailDraft",
    "ProcessedEvent",
    "Setting",
    "Notification",
    "LEAD_STATUSES",
    "INTERACTION_KINDS",
    "ROLES",
]
