from pathlib import Path

import pytest

from bot.settings import Settings
from crm.errors import ConfigError


def test_defaults_work_offline_with_a_sqlite_file_in_the_data_dir():
    s = Settings.from_env({})
    assert s.db_url == "sqlite:///var/crmbot.sqlite3"
    assert not s.llm_enabled and s.smtp_url is None


def test_environment_overrides_are_typed():
    s = Settings.from_env({"CRMBOT_DATA_DIR": "/tmp/x", "PORT": "8080", "CRMBOT_MAIL_DOMAINS": "A.example, b.example",
                           "IMAP_SSL": "false", "DATABASE_URL": "postgresql://u@h/db"})
    assert s.data_dir == Path("/tmp/x") and s.http_port == 8080
    assert s.mail_domains == ("a.example", "b.example") and s.imap_ssl is False
    assert s.db_url == "postgresql://u@h/db"


def test_secrets_never_appear_in_repr():
    s = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-secret", "OPENAI_API_KEY": "sk-secret", "SMTP_URL": "smtp://u:pw@h"})
    text = repr(s)
    assert "xoxb-secret" not in text and "sk-secret" not in text and "pw@h" not in text


def test_invalid_values_are_refused_by_name():
    with pytest.raises(ConfigError, match="IMAP_SSL"):
        Settings.from_env({"IMAP_SSL": "maybe"})
