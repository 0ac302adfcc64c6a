"""The brain: one LangGraph graph behind every channel (see ``bot.brain.graph``)."""
from bot.brain.brain import Brain

__all__ = ["Brain"]
