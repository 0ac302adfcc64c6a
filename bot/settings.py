"""One typed settings object, read from the environment at the entry point and passed down.

Every variable is listed in the README. Secrets are kept out of ``repr`` so they never reach a log.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Mapping

from crm.errors import ConfigError


def _secret() -> object:
    return field(default=None, repr=False)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("var")
    database_url: str = ""
    timezone: str = "UTC"
    log_level: str = "INFO"
    log_format: str = "text"  # text | json

    # Web process: Slack endpoint, unsubscribe endpoint, health check.
    http_host: str = "127.0.0.1"
    http_port: int = 3000
    public_url: str = "http://127.0.0.1:3000"

    # Inbound SMTP (aiosmtpd), started by `crmbot serve`.
    smtp_in_enabled: bool = True
    smtp_in_host: str = "127.0.0.1"
    smtp_in_port: int = 2525
    mail_domains: tuple[str, ...] = ("crmbot.local",)
    smtp_in_max_bytes: int = 35 * 1024 * 1024
    smtp_in_tls_cert: str | None = None
    smtp_in_tls_key: str | None = None
    smtp_in_auth_user: str | None = None
    smtp_in_auth_password: str | None = _secret()

    # Outbound email. With no SMTP URL, mail goes to a local Maildir so the demo works offline.
    smtp_url: str | None = _secret()
    mail_from: str = "crmbot@crmbot.local"
    outbox_maildir: Path | None = None

    # IMAP poller, run by `crmbot worker` when a host is set.
    imap_host: str | None = None
    imap_port: int = 993
    imap_ssl: bool = True
    imap_user: str | None = None
    imap_password: str | None = _secret()
    imap_folder: str = "INBOX"
    imap_done_folder: str | None = None
    imap_poll_seconds: int = 60

    # Slack.
    slack_bot_token: str | None = _secret()
    slack_signing_secret: str | None = _secret()
    slack_app_token: str | None = _secret()
    slack_api_url: str | None = None

    # Optional LLM (any OpenAI-compatible endpoint).
    openai_api_key: str | None = _secret()
    openai_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    embedding_model: str | None = None

    # Documents.
    chroma_host: str | None = None
    chroma_port: int = 8000

    # Behaviour.
    plan_ttl_minutes: int = 30
    undo_minutes: int = 10
    reminder_interval_seconds: int = 60

    @property
    def sqlite_default(self) -> str:
        return f"sqlite:///{(self.data_dir / 'crmbot.sqlite3').as_posix()}"

    @property
    def db_url(self) -> str:
        return self.database_url or self.sqlite_default

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def maildir(self) -> Path:
        return self.outbox_maildir or (self.data_dir / "outbox")

    @property
    def llm_enabled(self) -> bool:
        return bool(self.openai_api_key or self.openai_base_url)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            name = ENV_NAMES.get(f.name, "CRMBOT_" + f.name.upper())
            raw = env.get(name)
            if raw is None or raw == "":
                continue
            values[f.name] = _convert(f.name, name, raw, f.type)
        if "http_port" not in values and env.get("PORT"):
            values["http_port"] = _convert("http_port", "PORT", env["PORT"], "int")
        return cls(**values)  # type: ignore[arg-type]


# Well-known names keep their conventional spelling; everything else is CRMBOT_<FIELD>.
ENV_NAMES = {
    "database_url": "DATABASE_URL",
    "smtp_url": "SMTP_URL",
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_signing_secret": "SLACK_SIGNING_SECRET",
    "slack_app_token": "SLACK_APP_TOKEN",
    "slack_api_url": "SLACK_API_URL",
    "openai_api_key": "OPENAI_API_KEY",
    "openai_base_url": "OPENAI_BASE_URL",
    "chroma_host": "CHROMA_HOST",
    "chroma_port": "CHROMA_PORT",
    "imap_host": "IMAP_HOST",
    "imap_port": "IMAP_PORT",
    "imap_ssl": "IMAP_SSL",
    "imap_user": "IMAP_USER",
    "imap_password": "IMAP_PASSWORD",
    "imap_folder": "IMAP_FOLDER",
    "imap_done_folder": "IMAP_DONE_FOLDER",
}


def _convert(field_name: str, env_name: str, raw: str, type_: object) -> object:
    t = str(type_)
    try:
        if t.startswith("int"):
            return int(raw)
        if t.startswith("bool"):
            low = raw.strip().lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if t.startswith("tuple"):
            return tuple(p.strip().lower() for p in raw.split(",") if p.strip())
        if "Path" in t:
            return Path(raw)
    except ValueError:
        raise ConfigError(f"{env_name} has an invalid value for {field_name}") from None
    return raw
