#!/usr/bin/env bash
# Install everything the tests need, then run the whole suite on SQLite and on PostgreSQL.
# PostgreSQL: CRMBOT_TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test, trust auth).
# An unreachable PostgreSQL fails the run: nothing is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh

if ! command -v dovecot >/dev/null 2>&1 && [ ! -x /usr/sbin/dovecot ]; then
  echo "installing Dovecot (IMAP server for the email tests)..." >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq dovecot-imapd >/dev/null
fi

PG_URL=${CRMBOT_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}
if ! .venv/bin/python - "$PG_URL" <<'PYEOF'
import sys
from sqlalchemy import text
from crm.db import make_engine
try:
    with make_engine(sys.argv[1]).connect() as c:
        c.execute(text("SELECT 1"))
except Exception as exc:
    sys.exit(f"PostgreSQL is not reachable at {sys.argv[1]}: {type(exc).__name__}")
PYEOF
then exit 1; fi

export ORT_DISABLE_TELEMETRY=1
echo "== test suite on SQLite" >&2
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
echo "== test suite on PostgreSQL" >&2
CRMBOT_TEST_DATABASE_URL="$PG_URL" .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
