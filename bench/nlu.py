"""Benchmark of the understanding step, offline: throughput on one core, latency per message,
cold start and peak memory.

    .venv/bin/python bench/nlu.py [FILE ...] [--passes N] [--json OUT]

FILE defaults to the project's data sets (data/eval/nlu_dev.json and nlu_heldout.json). Cold start
is measured in a fresh interpreter: importing the package, building the Understander (spaCy,
word list) and understanding the first message (which builds the lead gazetteer).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COLD = r"""
import time, json, sys
t0 = time.perf_counter()
from bot.understanding import Understander
from bot.understanding import evaluation
t1 = time.perf_counter()
und = Understander()
t2 = time.perf_counter()
ds = evaluation.load(sys.argv[1])
crm = evaluation.build_crm(ds)
t3 = time.perf_counter()
und.understand("log a call with " + ds.leads[0]["name"], channel="agent", speaker=crm.speaker, now=ds.now,
               tz=ds.timezone, session=crm.session)
t4 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "build_s": t2 - t1, "first_message_s": t4 - t3,
                  "cold_start_s": (t2 - t0) + (t4 - t3)}))
"""


def one_core() -> str:
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        return "pinned to one core"
    except (AttributeError, OSError):
        return "not pinned (no sched_setaffinity)"


def cold_start(path: Path) -> dict[str, float]:
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", COLD, str(path)], capture_output=True, text=True, check=True,
                             cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {k: round(statistics.median(r[k] for r in runs), 3) for k in runs[0]}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="*", type=Path)
    p.add_argument("--passes", type=int, default=5, help="times to run through the messages (default 5)")
    p.add_argument("--json", type=Path, help="write the figures here")
    args = p.parse_args()
    files = args.files or [ROOT / "data/eval/nlu_dev.json", ROOT / "data/eval/nlu_heldout.json"]

    cold = cold_start(files[0])
    pinned = one_core()

    from bot.understanding import Understander
    from bot.understanding import evaluation

    und = Understander()
    timings: list[float] = []
    messages = 0
    total = 0.0
    for path in files:
        ds = evaluation.load(path)
        crm = evaluation.build_crm(ds)
        try:
            und.understand("warm up", channel="agent", speaker=crm.speaker, now=ds.now, tz=ds.timezone,
                           session=crm.session)
            for _ in range(args.passes):
                for ex in ds.examples:
                    speaker = crm.speaker if ex.channel == "agent" else None
                    t = time.perf_counter()
                    und.understand(ex.text, channel=ex.channel, speaker=speaker, now=ds.now, tz=ds.timezone,
                                   session=crm.session)
                    dt = time.perf_counter() - t
                    timings.append(dt * 1000)
                    total += dt
                    messages += 1
        finally:
            crm.close()
    ordered = sorted(timings)
    figures = {
        "messages": messages,
        "core": pinned,
        "messages_per_s": round(messages / total, 1),
        "latency_ms": {"p50": round(statistics.median(ordered), 3),
                       "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 3),
                       "max": round(ordered[-1], 3)},
        "cold_start": cold,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(f"understanding, offline ({pinned}), {messages} messages from {len(files)} file(s)")
    print(f"  throughput   {figures['messages_per_s']:.0f} messages/s")
    print(f"  latency      p50 {figures['latency_ms']['p50']:.2f} ms   p95 {figures['latency_ms']['p95']:.2f} ms   "
          f"max {figures['latency_ms']['max']:.2f} ms")
    print(f"  cold start   {cold['cold_start_s']:.2f} s (import {cold['import_s']:.2f} s, build "
          f"{cold['build_s']:.2f} s, first message {cold['first_message_s']:.2f} s)")
    print(f"  peak memory  {figures['peak_rss_mb']:.0f} MB (resident, this process)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
