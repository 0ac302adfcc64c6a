"""Email in: raw messages parsed, quoted history stripped, bounces and auto-replies told apart."""
from handlers.email_in.bounces import Classification, FailedRecipient, classify
from handlers.email_in.parsing import Attachment, ParsedEmail, parse_email
from handlers.email_in.quotes import strip_signature, visible_text, visible_text_html

__all__ = [
    "Attachment",
    "Classification",
    "FailedRecipient",
    "ParsedEmail",
    "classify",
    "parse_email",
    "strip_signature",
    "visible_text",
    "visible_text_html",
]
