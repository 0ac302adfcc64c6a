"""A small trained backstop for lead replies the cue rules cannot place: multinomial logistic
regression over the bag of features in ``lead_text.features`` (stems, stem pairs, negated stems).

The weights ship as ``lead_intents.json`` next to this module and are rebuilt with
``scripts/train_lead_intents.py``. Prediction is a dictionary look-up per feature and a softmax
over seven classes, well under a millisecond; without the file the rules work alone.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

from bot.understanding.lead_text import features

WEIGHTS_FILE = Path(__file__).with_name("lead_intents.json")


@dataclass(frozen=True)
class LeadIntentModel:
    labels: tuple[str, ...]
    bias: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]

    def scores(self, text: str) -> dict[str, float]:
        """Probability of each intent for ``text``."""
        z = list(self.bias)
        for f in set(features(text)):
            w = self.weights.get(f)
            if w is not None:
                for k, v in enumerate(w):
                    z[k] += v
        top = max(z)
        e = [math.exp(v - top) for v in z]
        total = sum(e)
        return {label: p / total for label, p in zip(self.labels, e)}

    def predict(self, text: str) -> tuple[str, float]:
        probs = self.scores(text)
        label = max(probs, key=probs.__getitem__)
        return label, probs[label]

    def to_json(self) -> dict:
        return {"labels": list(self.labels), "bias": list(self.bias),
                "weights": {f: list(w) for f, w in sorted(self.weights.items())}}

    @classmethod
    def from_json(cls, data: dict) -> "LeadIntentModel":
        return cls(tuple(data["labels"]), tuple(data["bias"]), {f: tuple(w) for f, w in data["weights"].items()})


@lru_cache(maxsize=1)
def load_model(path: str | None = None) -> LeadIntentModel | None:
    """The shipped model, read once; None when the weights file is missing or unreadable."""
    p = Path(path) if path else WEIGHTS_FILE
    try:
        return LeadIntentModel.from_json(json.loads(p.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def train(examples: Iterable[tuple[str, str]], labels: Sequence[str], *, epochs: int = 400, l2: float = 1e-3,
          rate: float = 0.05, min_count: int = 1, digits: int = 3) -> LeadIntentModel:
    """Fit the model on (text, intent) pairs with full-batch Adam; numpy only, a few seconds."""
    import numpy as np

    rows = [(set(features(text)), intent) for text, intent in examples]
    counts: dict[str, int] = {}
    for feats, _ in rows:
        for f in feats:
            counts[f] = counts.get(f, 0) + 1
    vocab = sorted(f for f, c in counts.items() if c >= min_count)
    index = {f: k for k, f in enumerate(vocab)}
    x = np.zeros((len(rows), len(vocab)), dtype=np.float64)
    y = np.zeros((len(rows), len(labels)), dtype=np.float64)
    for r, (feats, intent) in enumerate(rows):
        for f in feats:
            if f in index:
                x[r, index[f]] = 1.0
        y[r, labels.index(intent)] = 1.0
    # Classes are weighted to count equally, whatever their number of examples.
    per_class = y.sum(axis=0)
    sample_w = (y @ (len(rows) / (len(labels) * np.maximum(per_class, 1.0))))[:, None]
    w = np.zeros((len(vocab), len(labels)))
    b = np.zeros(len(labels))
    mw, vw, mb, vb = np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for step in range(1, epochs + 1):
        z = x @ w + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - y) * sample_w / len(rows)
        gw = x.T @ g + l2 * w
        gb = g.sum(axis=0)
        mw = beta1 * mw + (1 - beta1) * gw
        vw = beta2 * vw + (1 - beta2) * gw * gw
        mb = beta1 * mb + (1 - beta1) * gb
        vb = beta2 * vb + (1 - beta2) * gb * gb
        c1, c2 = 1 - beta1**step, 1 - beta2**step
        w -= rate * (mw / c1) / (np.sqrt(vw / c2) + eps)
        b -= rate * (mb / c1) / (np.sqrt(vb / c2) + eps)
    keep = 10.0 ** -digits
    weights = {
        f: tuple(round(float(v), digits) for v in w[k])
        for f, k in index.items()
        if float(np.abs(w[k]).max()) >= keep
    }
    return LeadIntentModel(tuple(labels), tuple(round(float(v), digits) for v in b), weights)
