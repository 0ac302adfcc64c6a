"""Answering questions from the CRM's data (safe, scoped SQL) and from documents (with sources)."""
from handlers.answers.answerer import Answered, Answerer

__all__ = ["Answerer", "Answered"]
