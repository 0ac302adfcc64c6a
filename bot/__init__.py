"""crmbot: run a CRM from Slack or a console, and answer leads' email replies."""

__version__ = "0.1.0"
