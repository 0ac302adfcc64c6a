"""From a campaign and a lead to the email that goes out: context, rendering, payload.

Used alike by the sending worker, ``preview`` and ``test``, so what an agent previews is what a
lead receives.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crm.models import Campaign
from handlers.campaigns.message import (
    OutgoingEmail,
    build_email,
    reply_address,
    sender_header,
    unsubscribe_mailto,
    unsubscribe_url,
)
from handlers.campaigns.personal import Personaliser, chat_from_settings, documents_finder
from handlers.campaigns.render import CampaignTemplate, RenderedEmail, Renderer

DEFAULT_OPTIONS = {"personal_paragraph": False, "passages": 0}


@dataclass(frozen=True)
class CampaignInfo:
    """What sending needs to know about a campaign, read once per batch."""

    id: int
    name: str
    sender: str
    state: str
    template: CampaignTemplate
    options: dict[str, Any]
    rate_per_second: float | None
    creator: dict[str, Any] | None


@dataclass(frozen=True)
class Composed:
    rendered: RenderedEmail
    email: OutgoingEmail


class Composer:
    def __init__(self, *, settings: Any, renderer: Renderer, personaliser: Personaliser | None = None) -> None:
        self.settings = settings
        self.renderer = renderer
        self.personaliser = personaliser or Personaliser()
        self.domain = settings.mail_domains[0] if settings.mail_domains else "localhost"
        self._own_domains = {d.lower() for d in settings.mail_domains}

    def template_for(self, campaign: Campaign) -> CampaignTemplate:
        if campaign.template_source is not None:
            return self.renderer.load(source=campaign.template_source, label=campaign.template)
        return self.renderer.load(name=campaign.template)

    def info(self, campaign: Campaign, *, creator: dict[str, Any] | None = None) -> CampaignInfo:
        return CampaignInfo(
            id=campaign.id, name=campaign.name, sender=campaign.sender, state=campaign.state,
            template=self.template_for(campaign), options={**DEFAULT_OPTIONS, **(campaign.options or {})},
            rate_per_second=campaign.rate_per_second, creator=creator,
        )

    def context(self, info: CampaignInfo, *, lead: dict[str, Any], agent: dict[str, Any] | None,
                lead_token: str) -> dict[str, Any]:
        agent = agent or info.creator or {"name": None, "first_name": None, "email": None}
        passages = self.personaliser.passages(lead=lead, limit=int(info.options.get("passages") or 0))
        paragraph = ""
        if info.options.get("personal_paragraph"):
            paragraph = self.personaliser.paragraph(lead=lead, agent=agent, campaign_name=info.name, passages=passages)
        return {
            "lead": lead,
            "agent": agent,
            "campaign": {"name": info.name},
            "passages": passages,
            "personal_paragraph": paragraph,
            "unsubscribe_url": unsubscribe_url(self.settings.public_url, lead_token),
        }

    def compose(self, info: CampaignInfo, *, lead: dict[str, Any], agent: dict[str, Any] | None, lead_token: str,
                to_address: str, message_id: str, extra_headers: tuple[tuple[str, str], ...] = (),
                to_name: str | None = None) -> Composed:
        """The email for ``lead``, addressed to ``to_address`` (and ``to_name``, by default the lead's name)."""
        context = self.context(info, lead=lead, agent=agent, lead_token=lead_token)
        rendered = self.renderer.render(info.template, context)
        reply = reply_address(self.domain, lead_token)
        email = build_email(
            sender=info.sender,
            to_address=to_address,
            to_name=to_name or lead.get("name"),
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            message_id=message_id,
            reply_to=reply,
            list_unsubscribe_url=context["unsubscribe_url"],
            list_unsubscribe_mailto=unsubscribe_mailto(self.domain, lead_token),
            envelope_from=self.envelope_sender(info.sender, reply),
            extra_headers=extra_headers,
        )
        return Composed(rendered=rendered, email=email)

    def envelope_sender(self, sender: str, reply: str) -> str:
        """The bounce address. When the sender is in one of our own domains the per-lead reply
        address is used (VERP), so a bounce threads back to its lead like a reply; otherwise
        the sender itself, which every relay accepts."""
        addr = sender_header(sender)[1]
        domain = addr.rpartition("@")[2].lower()
        return reply if domain in self._own_domains else addr


def composer_from_settings(settings: Any) -> Composer:
    """The composer a process needs: campaign templates, plus documents and an LLM when set up
    (the document store is only opened when a campaign asks for passages)."""
    return Composer(settings=settings, renderer=Renderer(), personaliser=Personaliser(
        finder_factory=lambda: documents_finder(settings), chat=chat_from_settings(settings)))
