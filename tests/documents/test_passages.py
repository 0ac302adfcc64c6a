from handlers.documents.parse import Block
from handlers.documents.passages import split_passages
from handlers.documents.text import sentences, word_count


def sentence(i: int) -> str:
    return f"Sentence number {i} describes one more feature of the development in plain words."


def test_long_sections_are_split_into_passages_within_the_word_limit():
    block = Block(" ".join(sentence(i) for i in range(60)), ("Amenities",))
    passages = split_passages([block], target_words=170)
    assert len(passages) > 3
    assert all(word_count(p.text) <= 170 for p in passages)
    assert all(p.headings == ("Amenities",) for p in passages)
    assert " ".join(p.text for p in passages) == block.text


def test_a_passage_never_spans_two_pages():
    blocks = [Block("Short text on page one.", ("Intro",), 1), Block("Short text on page two.", ("Intro",), 2)]
    passages = split_passages(blocks)
    assert [(p.page, p.text) for p in passages] == [(1, "Short text on page one."), (2, "Short text on page two.")]


def test_short_sections_are_merged_and_their_headings_kept():
    blocks = [Block("The gym opens at 6am.", ("Amenities", "Gym")),
              Block("The pool is heated.", ("Amenities", "Pool"))]
    [passage] = split_passages(blocks)
    assert passage.heading == "Amenities > Gym · Pool"
    assert passage.text == "The gym opens at 6am.\nPool\nThe pool is heated."


def test_a_section_long_enough_to_stand_alone_starts_a_new_passage():
    long_text = " ".join(sentence(i) for i in range(8))
    blocks = [Block(long_text, ("Location",)), Block("Handover is in May 2027.", ("Handover",))]
    passages = split_passages(blocks)
    assert [p.heading for p in passages] == ["Location", "Handover"]


def test_passages_are_numbered_in_order():
    blocks = [Block(" ".join(sentence(i) for i in range(40)), ("A",))]
    assert [p.index for p in split_passages(blocks)] == list(range(len(split_passages(blocks))))


def test_sentences_split_on_punctuation_and_lines_but_not_abbreviations():
    text = "Prices start at £1.2m, e.g. for the Fern. Handover is in May.\nGym: yes"
    assert sentences(text) == ["Prices start at £1.2m, e.g. for the Fern.", "Handover is in May.", "Gym: yes"]
