"""A chat model on any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, LiteLLM, a test
server): messages in, the reply's text out. It matches ``handlers.documents.answer.ChatModel``."""
from __future__ import annotations

from typing import Any

DEFAULT_TIMEOUT_S = 30.0


class OpenAIChat:
    def __init__(self, *, model: str, base_url: str | None = None, api_key: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT_S, client: Any = None) -> None:
        if client is None:
            from openai import OpenAI  # imported only when a model is configured: it is slow to load

            # Local servers need no key, but the client insists on one.
            client = OpenAI(base_url=base_url, api_key=api_key or "unused", timeout=timeout, max_retries=1)
        self._client = client
        self.model = model

    def complete(self, messages: list[dict[str, str]]) -> str:
        response = self._client.chat.completions.create(model=self.model, messages=messages, temperature=0)
        choice = response.choices[0] if response.choices else None
        return (choice.message.content or "") if choice else ""


def chat_model_from_settings(settings: Any) -> OpenAIChat | None:
    """The configured model, or None when no LLM is set (OPENAI_API_KEY / OPENAI_BASE_URL)."""
    if not getattr(settings, "llm_enabled", False):
        return None
    return OpenAIChat(model=settings.llm_model, base_url=settings.openai_base_url, api_key=settings.openai_api_key)
