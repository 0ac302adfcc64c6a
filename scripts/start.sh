#!/usr/bin/env bash
# Install, load the demo data and open the console: the quickest way to talk to the bot.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
exec .venv/bin/crmbot demo "$@"
