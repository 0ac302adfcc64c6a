"""A minimal chat client for any OpenAI-compatible ``POST /chat/completions`` endpoint.

It satisfies :class:`handlers.documents.answer.ChatModel`. The reply is treated as text only;
nothing it says is executed.
"""
from __future__ import annotations

from dataclasses import dataclass

import httpx

from crm.errors import CrmError


class LLMError(CrmError):
    """The language model did not answer (its message is safe to show)."""


@dataclass(frozen=True)
class OpenAICompatibleChat:
    model: str
    base_url: str = "https://api.openai.com/v1"
    api_key: str | None = None
    timeout: float = 30.0
    temperature: float = 0.0
    max_tokens: int = 400

    def complete(self, messages: list[dict[str, str]]) -> str:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        body = {"model": self.model, "messages": messages, "temperature": self.temperature,
                "max_tokens": self.max_tokens}
        try:
            with httpx.Client(base_url=self.base_url.rstrip("/"), headers=headers, timeout=self.timeout) as http:
                response = http.post("/chat/completions", json=body)
                response.raise_for_status()
                content = response.json()["choices"][0]["message"]["content"]
        except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError):
            raise LLMError("the language model did not answer") from None
        return str(content or "")


def chat_model_from_settings(settings: object) -> OpenAICompatibleChat | None:
    """The configured model, or None when no LLM is configured (answers stay extractive)."""
    if not getattr(settings, "llm_enabled", False):
        return None
    return OpenAICompatibleChat(model=settings.llm_model,  # type: ignore[attr-defined]
                                base_url=settings.openai_base_url or "https://api.openai.com/v1",  # type: ignore[attr-defined]
                                api_key=settings.openai_api_key)  # type: ignore[attr-defined]
