"""The Slack channel: a Bolt app that turns Slack payloads into Messages and Replies into Block Kit.

It never changes the CRM itself: every request goes through the brain. It only keeps what a
Slack adapter must keep: which Slack user is which agent, which events it has already handled,
and where it showed a plan or a notification so it can update that message in place.
"""
