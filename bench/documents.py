"""Documents benchmark: ingest throughput, question latency with many passages, hit@4.

    python bench/documents.py                    # 10,000 synthetic passages + the demo documents
    python bench/documents.py --passages 2000 --json out.json

Steps:
1. ingest the demo documents (data/demo/documents) into an empty local store and score the
   questions of bench/documents_questions.json: hit@4 (the expected document is among the top 4
   passages and one of its cited passages holds every expected word) and MRR;
2. ingest synthetic brochures (other projects with gyms, pools, prices and payment plans, so
   they compete with the demo documents) until the store holds --passages passages, timing
   parse + split + embed + store: passages per second;
3. with the big store, time retrieval and full extractive answers for every question
   (p50/p95 over several rounds) and score hit@4 again;
4. report peak memory (max RSS).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from handlers.documents.answer import answer_from_documents  # noqa: E402
from handlers.documents.embedding import load_minilm  # noqa: E402
from handlers.documents.ingest import TextSource, ingest_paths, ingest_texts  # noqa: E402
from handlers.documents.retrieve import retrieve  # noqa: E402
from handlers.documents.store import DocumentStore, open_store  # noqa: E402

DEMO = ROOT / "data" / "demo" / "documents"
QUESTIONS = Path(__file__).with_name("documents_questions.json")

_PLACES = ["Alder", "Birch", "Copper", "Dune", "Elm", "Fern", "Granite", "Heron", "Iris", "Juniper", "Kestrel",
           "Linden", "Marsh", "Nettle", "Osprey", "Pebble", "Quarry", "Rowan", "Saffron", "Thistle", "Upton",
           "Vale", "Willow", "Yarrow", "Zephyr"]
_KINDS = ["Point", "Wharf", "Gardens", "Square", "House", "Reach", "Rise", "Yard", "Quarter", "Court"]
_AMENITIES = ["a residents' gym", "a 15-metre swimming pool", "a 24-hour concierge", "a rooftop terrace",
              "a cinema room", "a co-working lounge", "a children's playground", "secure bike storage",
              "a spa with a sauna", "a games room", "parcel lockers", "a landscaped courtyard"]
_FILLER = [
    "The homes are finished with oak floors, stone worktops and integrated appliances.",
    "Every apartment has a balcony or a terrace, and most have views over the park.",
    "The building is heated by air-source heat pumps and has an EPC rating of B.",
    "Residents are a short walk from shops, cafés and the local primary school.",
    "Fibre broadband is installed in every home with speeds of up to 1 Gbps.",
    "The development is managed by an on-site team during office hours.",
    "Buses to the town centre stop outside the main entrance every ten minutes.",
    "Show homes are open at weekends from 10am to 4pm.",
    "Each home comes with a 10-year new-home warranty.",
    "Parking is available in the basement car park, with chargers for electric cars.",
]


def synthetic_sources(n_passages: int, *, seed: int = 7) -> list[TextSource]:
    """Brochures of made-up projects, five sections each (about one passage per section)."""
    rng = random.Random(seed)
    sources = []
    i = 0
    while len(sources) * 5 < n_passages:
        name = f"{rng.choice(_PLACES)} {rng.choice(_KINDS)} {i}"
        i += 1

        def para(extra: str) -> str:
            return " ".join([extra] + rng.sample(_FILLER, 6))

        amen = ", ".join(rng.sample(_AMENITIES, 4))
        price = rng.randrange(250, 1500) * 1000
        deposit = rng.choice([10, 15, 20])
        when = f"{rng.choice(['spring', 'summer', 'autumn'])} {rng.choice([2026, 2027, 2028])}"
        text = (f"# {name} brochure\n\n## Location\n\n{para(f'{name} is in a quiet street close to the station.')}\n\n"
                f"## Amenities\n\n{para(f'Residents of {name} enjoy {amen}.')}\n\n"
                f"## Prices\n\n{para(f'Two-bedroom apartments at {name} start at £{price:,}.')}\n\n"
                f"## Payment plan\n\n{para(f'{name} is sold with a {deposit}% deposit and the rest on completion.')}\n\n"
                f"## Handover\n\n{para(f'Handover at {name} is planned for {when}.')}\n")
        sources.append(TextSource(doc_id=f"synthetic-{i:05d}", text=text, title=f"{name} brochure", project=name))
    return sources


def score(store: DocumentStore, questions: list[dict], k: int = 4) -> dict:
    hits, rr, misses = 0, 0.0, []
    for q in questions:
        got = retrieve(q["q"], store=store, k=k)
        rank = next((i for i, p in enumerate(got, 1) if p.doc_id == q["source"]
                     and all(w.lower() in p.text.lower() for w in q["contains"])), None)
        if rank:
            hits += 1
            rr += 1 / rank
        else:
            misses.append({"id": q["id"], "q": q["q"], "got": [p.doc_id for p in got]})
    return {"questions": len(questions), "hit_at_4": round(hits / len(questions), 4),
            "mrr": round(rr / len(questions), 4), "misses": misses}


def percentiles(samples: list[float]) -> dict:
    """p50/p95 in milliseconds."""
    ordered = sorted(samples)
    return {"p50": round(statistics.median(ordered) * 1000, 1),
            "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000, 1),
            "n": len(ordered)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=10_000, help="passages in the big store (default 10000)")
    parser.add_argument("--rounds", type=int, default=3, help="timing rounds over the question set")
    parser.add_argument("--json", type=Path, help="write the full report here")
    parser.add_argument("--store", type=Path, help="keep the big store here and reuse it when it is already "
                        "filled (the ingest figures are then left out)")
    args = parser.parse_args()
    questions = json.loads(QUESTIONS.read_text())["questions"]
    report: dict = {"load_average_at_start": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}

    t = time.perf_counter()
    load_minilm()
    report["model_load_s"] = round(time.perf_counter() - t, 2)

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(path=Path(tmp) / "demo")
        demo = ingest_paths([DEMO], store=store, progress=False)
        report["demo"] = {"documents": len(demo.documents), "passages": demo.passages,
                          "ingest_s": round(demo.seconds, 2), **score(store, questions)}

        big = open_store(path=args.store or Path(tmp) / "big")
        if big.count() < args.passages * 0.98:
            sources = synthetic_sources(args.passages - demo.passages)
            cpu = time.process_time()
            ingested = ingest_texts(sources, store=big, progress=True)
            cpu = time.process_time() - cpu
            report["ingest"] = {"documents": len(ingested.documents), "passages": ingested.passages,
                                "seconds": round(ingested.seconds, 1), "cpu_seconds": round(cpu, 1),
                                "passages_per_s": round(ingested.passages_per_second, 1),
                                "passages_per_cpu_s": round(ingested.passages / cpu, 1)}
        ingest_paths([DEMO], store=big, progress=False)
        report["store_passages"] = big.count()

        t = time.perf_counter()
        big.warm()  # what a long-running process does at start: document list + keyword index
        report["warm_s"] = round(time.perf_counter() - t, 2)
        times: dict[str, list[float]] = {"retrieve": [], "answer": [], "retrieve_cpu": [], "answer_cpu": []}
        for _ in range(args.rounds):
            for q in questions:
                for name, fn in (("retrieve", retrieve), ("answer", answer_from_documents)):
                    t, c = time.perf_counter(), time.process_time()
                    fn(q["q"], store=big, k=4)
                    times[name].append(time.perf_counter() - t)
                    times[name + "_cpu"].append(time.process_time() - c)
        report["latency_ms"] = {name: percentiles(samples) for name, samples in times.items()}
        report["load_average_at_end"] = round(os.getloadavg()[0], 2)
        report["big"] = score(big, questions)
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

    print(f"model load: {report['model_load_s']} s")
    d = report["demo"]
    print(f"demo documents: {d['documents']} docs, {d['passages']} passages; hit@4 {d['hit_at_4']:.3f}, "
          f"MRR {d['mrr']:.3f} over {d['questions']} questions")
    print(f"load average {report['load_average_at_start']} at start, {report['load_average_at_end']} at end "
          f"({report['cpus']} CPUs): wall times below include waiting for the CPU")
    if "ingest" in report:
        i = report["ingest"]
        print(f"ingest: {i['passages']} passages in {i['seconds']} s = {i['passages_per_s']} passages/s "
              f"({i['passages_per_cpu_s']} per CPU-second)")
    lat = report["latency_ms"]
    print(f"with {report['store_passages']} passages (warm-up {report['warm_s']} s):")
    for name in ("retrieve", "answer"):
        w, c = lat[name], lat[name + "_cpu"]
        print(f"  {name:<8} wall p50 {w['p50']} ms p95 {w['p95']} ms; CPU p50 {c['p50']} ms p95 {c['p95']} ms")
    b = report["big"]
    print(f"hit@4 with {report['store_passages']} passages: {b['hit_at_4']:.3f}, MRR {b['mrr']:.3f}")
    for miss in d["misses"] + b["misses"]:
        print(f"  miss {miss['id']}: {miss['q']} -> {miss['got']}")
    print(f"peak memory: {report['peak_rss_mb']} MB")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
