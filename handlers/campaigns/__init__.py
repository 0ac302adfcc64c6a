"""Campaigns: personalised emails to chosen leads, on a schedule, each sent exactly once.

audience (who) → render/compose (what, in a sandbox) → outbox (one row per lead) → drain and
transport (SMTP or a Maildir) → stats (what came back). ``scheduling`` runs it in the worker;
``service`` is the plain-function interface for the CLI and Slack.
"""
