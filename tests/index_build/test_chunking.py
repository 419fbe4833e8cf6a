from __future__ import annotations

from index_build.chunking import ChunkParams, chunk_document
from index_build.sentences import sentence_spans


def words(texts: list[str]) -> list[int]:
    return [len(t.split()) for t in texts]


def model_words(texts: list[str]) -> list[int]:
    return [len(t.split()) + 2 for t in texts]


TEXT = " ".join(f"Sentence number {i} has exactly seven words." for i in range(30))


def test_sentences_split_at_stops_but_not_at_initials_or_abbreviations() -> None:
    text = "Dr. Smith met J. V. Stalin in 1930. He left. Then (3) Robert Service wrote."
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "Dr. Smith met J. V. Stalin in 1930.",
        "He left.",
        "Then (3) Robert Service wrote.",
    ]


def test_passages_hold_whole_sentences_near_the_target_with_overlap() -> None:
    params = ChunkParams(target_tokens=30, overlap_tokens=10, min_section_tokens=1, max_model_tokens=256)
    sentences, chunks = chunk_document(TEXT, [(0, len(TEXT))], [""], words, model_words, params)
    assert len(sentences) == 30
    assert [c.last_sentence - c.first_sentence for c in chunks][:3] == [4, 4, 4]
    # each passage after the first begins with the last sentence of the one before
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert after.first_sentence == before.last_sentence - 1
    assert chunks[-1].last_sentence == 30
    for c in chunks:
        assert TEXT[c.start : c.end].endswith(".")
        assert sum(words([TEXT[c.start : c.end]])) <= 30


def test_every_sentence_is_covered_by_some_passage() -> None:
    params = ChunkParams(target_tokens=17, overlap_tokens=0, min_section_tokens=1)
    sentences, chunks = chunk_document(TEXT, [(0, len(TEXT))], [""], words, model_words, params)
    covered = {i for c in chunks for i in range(c.first_sentence, c.last_sentence)}
    assert covered == set(range(len(sentences)))


def test_passages_never_cross_a_section_boundary() -> None:
    half = TEXT.index("Sentence number 15")
    params = ChunkParams(target_tokens=50, overlap_tokens=0, min_section_tokens=1)
    _, chunks = chunk_document(TEXT, [(0, half), (half, len(TEXT))], ["", ""], words, model_words, params)
    for c in chunks:
        assert c.end <= half or c.start >= half
    assert {c.section for c in chunks} == {0, 1}


def test_a_lone_heading_section_joins_the_section_after_it() -> None:
    text = "Chapter 2. " + TEXT
    params = ChunkParams(target_tokens=60, overlap_tokens=0, min_section_tokens=5)
    _, chunks = chunk_document(text, [(0, 11), (11, len(text))], ["h1", "h2"], words, model_words, params)
    assert chunks[0].start == 0
    assert chunks[0].section == 1


def test_header_and_passage_fit_the_models_limit() -> None:
    params = ChunkParams(target_tokens=200, overlap_tokens=0, min_section_tokens=1, max_model_tokens=40)
    header = "A long context header of ten words for this test"
    _, chunks = chunk_document(TEXT, [(0, len(TEXT))], [header], words, model_words, params)
    for c in chunks:
        assert model_words([f"{header} {TEXT[c.start:c.end]}"])[0] <= 40


def test_a_sentence_longer_than_the_target_is_cut_at_spaces() -> None:
    text = " ".join(["word"] * 100) + "."
    params = ChunkParams(target_tokens=30, overlap_tokens=0, min_section_tokens=1)
    sentences, chunks = chunk_document(text, [(0, len(text))], [""], words, model_words, params)
    assert len(sentences) >= 4
    assert all(words([text[c.start : c.end]])[0] <= 30 for c in chunks)
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
