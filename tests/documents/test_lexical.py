from handlers.documents.ingest import TextSource, ingest_texts
from handlers.documents.lexical import LexicalIndex


def index():
    return LexicalIndex.build([
        ("a", "The gym is on level 3 and the pool on level 2."),
        ("b", "Call every new enquiry within 15 minutes."),
        ("c", "The gym has a sauna. The gym opens at 6am."),
        ("d", "Parking spaces cost £45,000."),
    ])


def test_the_passage_with_the_rare_word_ranks_first():
    assert index().search("how fast do we answer enquiries?", n=2)[0][0] == "b"


def test_more_occurrences_and_rarer_words_score_higher():
    hits = index().search("gym sauna", n=4)
    assert [pid for pid, _ in hits] == ["c", "a"]
    assert index().idf("sauna") > index().idf("gym")


def test_words_that_appear_nowhere_find_nothing():
    assert index().search("helipad", n=3) == []
    assert index().idf("helipad") > index().idf("gym")


def test_the_stores_index_follows_new_and_removed_documents(store):
    ingest_texts([TextSource(doc_id="one", text="The concierge desk is open all night.")], store=store)
    assert [pid for pid, _ in store.lexical_index().search("concierge", n=5)] == ["one#00000"]
    ingest_texts([TextSource(doc_id="two", text="A second concierge works at weekends.")], store=store)
    assert {pid for pid, _ in store.lexical_index().search("concierge", n=5)} == {"one#00000", "two#00000"}
    store.remove_document("one")
    assert [pid for pid, _ in store.lexical_index().search("concierge", n=5)] == ["two#00000"]
