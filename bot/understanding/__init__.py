"""Understanding: turn what an agent types, or what a lead writes back, into actions.

Interface (everything else in this package is internal)::

    from bot.understanding import Understander, Understanding, Action

    understander = Understander(llm=None)      # build once: loads spaCy, the word list; reuse
    u = understander.understand(
        text, channel="agent",                 # "agent" (Slack, console) or "lead" (email reply text)
        speaker=agent,                         # crm.models.Agent, or None on the lead channel
        now=datetime.now(tz), tz="Europe/London",
        session=session,                       # SQLAlchemy Session on the CRM database
        context={"last_lead_id": 7},           # the last lead of the conversation (pronouns), or None
    )
    u.actions   # [Action(intent, fields, confidence, span)], in the order asked
    u.reply     # 'yes' | 'no' | 'cancel' | 'choice' when the message answers the bot's question
    u.choice    # 1-based for "the second one", "2", "#2"; -1 for "the last one"
    u.clarify   # why to ask instead of act: ambiguous_lead, missing_lead, close_intents,
                # due_in_past, low_confidence, empty, language, too_long; else None

Agent intents: update_status, log_interaction, schedule_follow_up, show_lead, ask_documents,
ask_data, help, unknown. Lead intents: unsubscribe, not_interested, meeting_request, question,
interested, auto_reply, other.

``Action.fields``: ``lead_id``, ``lead`` (name), ``ambiguous`` (several leads fit: ``candidates``
lists them as ``crm.lookup.LeadCandidate``), ``owned_by_other`` (the lead is another agent's),
``status``, ``kind``, ``note``, ``title``, ``due`` (aware datetime in the speaker's timezone),
``due_grain`` ('minute' | 'day'), ``due_past`` (that time has already gone: ask),
``due_rolled`` (a bare time already gone today was moved to tomorrow), ``alternative`` (a close
second intent).

Due times follow the project's conventions: a day without a time is 10:00, "morning" 09:00,
"afternoon" 14:00, "evening" 18:00, "noon" 12:00, "EOD" 17:00, a bare weekday is the next one,
"next week" is next Monday, "at 4" is 16:00. See ``bot.understanding.dates``.

With an ``llm`` (anything with ``complete_json(prompt, schema) -> dict``, e.g.
``bot.understanding.llm.OpenAIJSON``), messages the rules are unsure of are sent to it with the
prompt in ``templates/nlu/``; its answer is validated before it replaces the rules' reading.
"""
from bot.understanding.model import AGENT_INTENTS, LEAD_INTENTS, Action, Understanding
from bot.understanding.understander import Understander

__all__ = ["Action", "Understanding", "Understander", "AGENT_INTENTS", "LEAD_INTENTS"]
