"""Import N generated leads from CSV and print rows per second.

Baseline in the same run: a bare SQLAlchemy Core bulk insert of the same rows (no header
matching, validation, upsert or audit), so the figure reads as the cost of the importer's care.

    .venv/bin/python bench/import_leads.py [--rows 10000] [--database-url URL]
"""
from __future__ import annotations

import argparse
import csv
import random
import secrets
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from crm.db import session_factory
from crm.importer import import_leads, read_rows
from crm.models import Agent, Lead
from fresh_db import fresh_engine

FIRST = ["John", "Mary", "Zoë", "José", "Chen", "Fatima", "Oliver", "Emma", "Liam", "Sofia", "Lucas", "Amelia"]
LAST = ["Doe", "Smith", "O'Brien", "Álvarez", "Wei", "Khan", "Twist", "Watson", "Neeson", "Rossi", "Martin"]


def make_csv(path: Path, rows: int) -> None:
    rng = random.Random(1)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Full Name", "E-mail", "Phone", "Company", "Project", "Unit Type", "Budget (min)",
                    "Budget (max)", "Status", "Owner Email", "Source"])
        for i in range(rows):
            low = rng.randint(300, 3000) * 1000
            w.writerow([f"{rng.choice(FIRST)} {rng.choice(LAST)}", f"lead{i}@bench.example", f"+44 7700 {i:06d}",
                        f"Company {i % 700}", rng.choice(["Harbour View", "Beachgate", "Cedar Park"]),
                        rng.choice(["1BR", "2BR", "3BR"]), str(low), f"{low * 1.3 / 1e6:.2f}m",
                        rng.choice(["new", "Contacted", "qualified", "Negotiation"]), "bench@agency.example",
                        "portal"])


def bench_engine(url: str | None, tmp: Path, name: str):
    engine = fresh_engine(url or f"sqlite:///{tmp / name}")
    with session_factory(engine).begin() as s:
        s.add(Agent(name="Bench Agent", email="bench@agency.example"))
    return engine


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--database-url", help="PostgreSQL URL (its tables are dropped); default a temp SQLite file")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        src = tmp / "leads.csv"
        make_csv(src, args.rows)

        engine = bench_engine(args.database_url, tmp, "import.sqlite3")
        t0 = time.perf_counter()
        with session_factory(engine).begin() as s:
            report = import_leads(s, read_rows(src))
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        with session_factory(engine).begin() as s:
            again = import_leads(s, read_rows(src))
        upsert = time.perf_counter() - t0
        engine.dispose()

        engine = bench_engine(args.database_url, tmp, "baseline.sqlite3")
        rows = [{"name": f"Lead {i}", "email": f"lead{i}@bench.example", "status": "new",
                 "token": secrets.token_urlsafe(16)} for i in range(args.rows)]
        t0 = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(insert(Lead), rows)
        base = time.perf_counter() - t0
        engine.dispose()

    assert report.created == args.rows and not report.errors, report.errors[:3]
    assert again.unchanged == args.rows
    print(f"database: {'PostgreSQL' if args.database_url else 'SQLite'}; rows: {args.rows}")
    print(f"import (new leads):      {first:6.2f} s  {args.rows / first:9.0f} rows/s")
    print(f"re-import (all present): {upsert:6.2f} s  {args.rows / upsert:9.0f} rows/s")
    print(f"baseline bulk insert:    {base:6.2f} s  {args.rows / base:9.0f} rows/s")
    print(f"importer / baseline throughput: {base / first:.2f}")


if __name__ == "__main__":
    main()
