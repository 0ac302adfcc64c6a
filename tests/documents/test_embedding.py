import hashlib
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import chromadb
import numpy as np
import pytest
from chromadb.config import Settings as ChromaSettings

from crm.errors import ConfigError
from handlers.documents import embedding
from handlers.documents.embedding import (
    MINILM_ONNX_SHA256,
    MINILM_TOKENIZER_SHA256,
    MiniLMEmbeddingFunction,
    OpenAICompatibleEmbeddingFunction,
    _length_batches,
    load_minilm,
    minilm_files,
)
from handlers.documents.ingest import TextSource, ingest_texts
from handlers.documents.retrieve import retrieve
from handlers.documents.store import open_store

# Cosines of the fp32 reference model (all-MiniLM-L6-v2 safetensors, sha256 53aa5117...d9db),
# measured by bench/minilm_reference.py. The int8 model must stay close to them.
REFERENCE = [
    ("Does Beachgate have a gym?", "Residents can use the fitness centre on the ground floor.", 0.4719),
    ("What is the payment plan?", "Pay 20% on booking and the rest in monthly instalments until handover.", 0.4844),
    ("When will the apartments be handed over?", "Handover of keys is expected in the fourth quarter of 2027.", 0.3193),
    ("Is there parking for residents?", "Each unit comes with one covered parking space.", 0.5237),
    ("Does Beachgate have a gym?", "The quarterly tax filing deadline is in April.", -0.0517),
    ("What is the payment plan?", "A cat is sleeping on the windowsill.", 0.0103),
    ("When will the apartments be handed over?", "Our football team won the match on Sunday.", 0.0557),
    ("Is there parking for residents?", "She plays the violin in an orchestra.", -0.0723),
]
# The first six dimensions of the fp32 vector of "Does Beachgate have a gym?".
REFERENCE_DIMS = [0.0068, -0.0546, -0.0104, 0.0032, -0.0729, -0.0097]


def cos(a, b):
    return float(np.dot(a, b))


def test_model_files_are_the_pinned_ones():
    onnx_path, tokenizer_path = minilm_files()
    assert hashlib.sha256(onnx_path.read_bytes()).hexdigest() == MINILM_ONNX_SHA256
    assert hashlib.sha256(tokenizer_path.read_bytes()).hexdigest() == MINILM_TOKENIZER_SHA256


def test_a_model_file_that_does_not_match_its_sha256_is_refused(monkeypatch):
    monkeypatch.setattr(embedding, "MINILM_TOKENIZER_SHA256", "0" * 64)
    with pytest.raises(ConfigError, match="sha256"):
        minilm_files()


def test_onnxruntime_telemetry_is_switched_off_before_it_loads():
    assert os.environ["ORT_DISABLE_TELEMETRY"] == "1"


def test_vectors_have_384_dimensions_and_unit_length():
    vectors = MiniLMEmbeddingFunction()(["a short one", "a somewhat longer sentence about two-bedroom flats"])
    assert [len(v) for v in vectors] == [384, 384]
    assert np.allclose([np.linalg.norm(v) for v in vectors], 1.0, atol=1e-5)


def test_similarities_match_the_fp32_reference_model():
    encoder = load_minilm()
    for a, b, expected in REFERENCE:
        va, vb = encoder.encode([a, b])
        assert cos(va, vb) == pytest.approx(expected, abs=0.02), (a, b)
    first = encoder.encode([REFERENCE[0][0]])[0][:6]
    assert np.allclose(first, REFERENCE_DIMS, atol=0.005)


def test_paraphrases_are_closer_than_unrelated_pairs():
    encoder = load_minilm()
    paraphrases = [cos(*encoder.encode([a, b])) for a, b, _ in REFERENCE[:4]]
    unrelated = [cos(*encoder.encode([a, b])) for a, b, _ in REFERENCE[4:]]
    assert min(paraphrases) > max(unrelated) + 0.2


def test_padding_to_the_longest_input_leaves_each_vector_unchanged():
    encoder = load_minilm()
    short, longer = "Is there a pool?", "Is there a heated pool and a gym?"
    lengths = [len(e.ids) for e in encoder.tokenizer.encode_batch([short, longer])]
    assert lengths[0] < lengths[1] and _length_batches(lengths, 32) == [[0, 1]]  # one padded batch
    alone = encoder.encode([short])[0]
    batched = encoder.encode([short, longer])[0]
    assert cos(alone, batched) > 0.99999


def test_inputs_of_very_different_length_are_not_padded_together():
    assert _length_batches([5, 6, 40, 7, 200], 32) == [[0, 1, 3], [2], [4]]
    assert _length_batches([8] * 70, 32) == [list(range(32)), list(range(32, 64)), list(range(64, 70))]


def test_batches_sorted_by_length_come_back_in_input_order():
    encoder = load_minilm()
    texts = [f"{'long ' * (i % 7)}sentence number {i} about a flat" for i in range(70)]
    together = encoder.encode(texts)
    for i in (0, 13, 33, 69):
        assert cos(together[i], encoder.encode([texts[i]])[0]) > 0.9999


def test_a_reopened_collection_finds_the_registered_function_not_chromas_default(store, tmp_path):
    store.collection.add(ids=["x"], documents=["The gym is on level 3."],
                         embeddings=store.embed(["The gym is on level 3."]))
    client = chromadb.PersistentClient(path=str(tmp_path / "chroma"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    reopened = client.get_collection(store.collection_name)  # no embedding function named
    ef = reopened.configuration["embedding_function"]
    assert isinstance(ef, MiniLMEmbeddingFunction)
    assert reopened.configuration["hnsw"]["space"] == "cosine"
    # Querying by text embeds with our function (chromadb's default would try a download).
    got = reopened.query(query_texts=["where is the fitness room"], n_results=1)
    assert got["ids"] == [["x"]]


class _FakeEmbeddings(BaseHTTPRequestHandler):
    """An OpenAI-compatible /embeddings endpoint: a vector of letter counts per input."""

    calls: list[dict] = []

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).calls.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        data = []
        for i, text in enumerate(body["input"]):
            vec = [float(text.lower().count(c)) for c in "abcdefghijklmnopqrstuvwxyz"]
            data.append({"object": "embedding", "index": i, "embedding": vec})
        payload = json.dumps({"object": "list", "data": list(reversed(data)), "model": body["model"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def embeddings_server():
    _FakeEmbeddings.calls = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeEmbeddings)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_an_openai_compatible_endpoint_can_be_chosen_by_configuration(embeddings_server, tmp_path):
    ef = OpenAICompatibleEmbeddingFunction(model="text-embedding-test", base_url=embeddings_server,
                                           api_key="sk-test")
    store = open_store(path=tmp_path / "chroma", embedder=ef)
    report = ingest_texts([TextSource(doc_id="zz", title="Zebra notes", text="Zebras zigzag across the zoo.")],
                          store=store)
    assert report.passages == 1
    hits = retrieve("zebra zoo", store=store, k=1)
    assert hits[0].doc_id == "zz"
    assert _FakeEmbeddings.calls[0]["path"] == "/v1/embeddings"
    assert _FakeEmbeddings.calls[0]["auth"] == "Bearer sk-test"
    assert _FakeEmbeddings.calls[0]["body"]["model"] == "text-embedding-test"
    # Vectors of another model live in a collection of their own, and the key is not stored.
    assert store.collection_name != open_store(path=tmp_path / "other").collection_name
    assert "sk-test" not in json.dumps(ef.get_config())


def test_chromas_own_default_embedding_function_is_never_called(monkeypatch, tmp_path, fixture_docs):
    from chromadb.api.types import DefaultEmbeddingFunction
    from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2

    def refuse(*args, **kwargs):
        raise AssertionError("chromadb's default embedding function was used")

    monkeypatch.setattr(DefaultEmbeddingFunction, "__call__", refuse)
    monkeypatch.setattr(ONNXMiniLM_L6_V2, "__call__", refuse)
    monkeypatch.setattr(ONNXMiniLM_L6_V2, "_download_model_if_not_exists", refuse)
    from handlers.documents.answer import answer_from_documents
    from handlers.documents.ingest import ingest_paths

    store = open_store(path=tmp_path / "guarded")
    ingest_paths([fixture_docs], store=store, progress=False)
    assert answer_from_documents("Does Oakwood Grove have a pool?", store=store).found
