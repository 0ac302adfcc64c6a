"""Regenerate migrations/versions/0001 from the models (only while no release has shipped it)."""
import tempfile
from pathlib import Path

from alembic import command

from crm.migrate import MIGRATIONS, alembic_config

for old in (MIGRATIONS / "versions").glob("0001_*.py"):
    old.unlink()
seed = MIGRATIONS / "versions" / "0002_seed_schema_registry.py"
hidden = seed.with_suffix(".hold")
seed.rename(hidden)
try:
    with tempfile.TemporaryDirectory() as d:
        command.revision(alembic_config(f"sqlite:///{Path(d) / 'gen.sqlite3'}"), message="initial schema",
                         autogenerate=True, rev_id="0001")
finally:
    hidden.rename(seed)
