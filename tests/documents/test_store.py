from handlers.documents.ingest import ingest_paths
from handlers.documents.retrieve import retrieve
from handlers.documents.store import open_store, store_from_settings
from bot.settings import Settings


def test_with_a_chroma_host_several_clients_share_one_server(chroma_server, fixture_docs):
    host, port = chroma_server
    writer = open_store(host=host, port=port)
    reader = open_store(host=f"http://{host}:{port}")  # as CHROMA_HOST may be given, with a scheme
    ingest_paths([fixture_docs], store=writer, progress=False)
    assert reader.count() == writer.count() > 0
    assert retrieve("Does Oakwood Grove have a gym?", store=reader, k=1)[0].doc_id == "oakwood-grove"
    writer.remove_document("oakwood-grove")
    assert "oakwood-grove" not in {d.doc_id for d in reader.documents()}
    # Unchanged files are recognised through the server too.
    report = ingest_paths([fixture_docs], store=reader, progress=False)
    assert sorted(d.status for d in report.documents) == ["added", "unchanged", "unchanged"]


def test_settings_select_a_local_store_under_the_data_dir(tmp_path):
    store = store_from_settings(Settings.from_env({"CRMBOT_DATA_DIR": str(tmp_path)}))
    assert store.count() == 0
    assert (tmp_path / "chroma").is_dir()
    assert store.collection_name == "crmbot-passages-minilm-l6-v2"


def test_settings_with_chroma_host_select_the_server(chroma_server, tmp_path):
    host, port = chroma_server
    store = store_from_settings(Settings.from_env({"CRMBOT_DATA_DIR": str(tmp_path), "CHROMA_HOST": host,
                                                   "CHROMA_PORT": str(port)}))
    assert store.count() >= 0
    assert not (tmp_path / "chroma").exists()
