"""Follow-up questions: what is carried from earlier turns, when a new topic starts, and that
a request without history is answered exactly as before."""

from __future__ import annotations

import pytest

from index_build.tokenization import words
from retrieval.conversation import ConversationContext, EarlierTurn, PassageRef, opens_topic, resolve

# idf by the corpus's term keys, as the retriever gives it
IDF = {words(w)[0]: v for w, v in {"ryutin": 6.0, "expelled": 4.0, "party": 1.2, "kirov": 6.5, "murder": 4.5,
                                    "khrushchev": 2.0, "arrested": 3.5, "platform": 5.0, "1932": 4.0,
                                    "wife": 4.0, "stalin": 1.0, "really": 7.0, "say": 6.0,
                                    "chains": 5.0}.items()}


@pytest.mark.parametrize(
    ("question", "new"),
    [
        ("What did Khrushchev say about Kirov's murder?", True),
        ("When was he arrested?", False),
        ("and his wife?", False),
        ("Which source says so?", False),
        ("Did Khrushchev mention him in the speech?", False),
        ("why?", False),
        ("Kirov murder", True),
        ("Did Stalin say anything about the platform?", False),  # Stalin is on every page: no subject
        ("Did Kirov's murder ever get investigated?", True),
    ],
)
def test_a_question_that_names_its_own_subject_opens_a_new_topic(question, new) -> None:
    assert opens_topic(question, IDF) is new


def test_a_follow_up_carries_the_earlier_names_and_rare_terms_with_their_turn() -> None:
    history = [EarlierTurn("Who was Ryutin?"), EarlierTurn("When was he expelled from the party?")]
    ctx = resolve("Which source says so?", history, IDF)
    assert not ctx.new_topic
    assert [(t.term, t.turn, t.weight) for t in ctx.terms] == [("expelled", 2, 1.0), ("Ryutin", 1, 0.7)]


def test_nothing_is_carried_into_a_new_topic_or_from_before_the_topic_began() -> None:
    history = [EarlierTurn("Who was Ryutin?"), EarlierTurn("What did Khrushchev say about Kirov's murder?")]
    assert resolve("What did Khrushchev say about Kirov's murder?", history[:1], IDF).terms == ()
    assert resolve("What did Khrushchev say about Kirov's murder?", history[:1], IDF).new_topic
    ctx = resolve("When was he arrested?", history, IDF)
    assert [t.term for t in ctx.terms] == ["Khrushchev", "Kirov's", "murder"]  # Ryutin's turn is another topic


def test_terms_the_question_already_has_are_not_carried_and_shown_documents_are_kept() -> None:
    history = [EarlierTurn("Ryutin platform 1932", (PassageRef("ryutin", 10, 90), PassageRef("book", 5, 9)))]
    ctx = resolve("When was Ryutin arrested?", history, IDF)
    assert [t.term for t in ctx.terms] == ["platform", "1932"]
    assert ctx.documents == ("ryutin", "book")


def test_without_history_nothing_changes(fixture_retriever) -> None:
    plain = fixture_retriever.search("Who rebuilt the lantern room?", 3)
    empty = fixture_retriever.search("Who rebuilt the lantern room?", 3, history=[])
    assert [(h.passage.id, h.score) for h in plain.hits] == [(h.passage.id, h.score) for h in empty.hits]
    assert plain.context.terms == () and not plain.context.new_topic


def test_a_follow_up_finds_the_earlier_subjects_passage_only_with_history(fixture_retriever) -> None:
    history = [EarlierTurn("What did the canal engineers measure with chains?")]
    question = "What happened to the cutting in October?"
    follow = fixture_retriever.search(question, 3, history=history)
    # "canal" and "measure" are too common in this corpus to be worth carrying
    assert [(t.term, t.turn) for t in follow.context.terms] == [("engineers", 1), ("chains", 1)]
    assert follow.hits[0].passage.doc_id == "canal"


def test_words_common_in_english_are_not_carried_however_rare_in_the_corpus() -> None:
    ctx = resolve("and then?", [EarlierTurn("What did they really say about the chains?")], IDF)
    assert [t.term for t in ctx.terms] == ["chains"]


def test_the_passages_shown_earlier_make_their_neighbours_near_by_distance_and_recency(fixture_retriever) -> None:
    shown = ((PassageRef("lighthouse", 0, 261), 1.0), (PassageRef("canal", 1, 251), 0.5))
    near = fixture_retriever._near(ConversationContext((), False, shown), 300, None)
    by_span = {(fixture_retriever.index.passages[i].doc_id, fixture_retriever.index.passages[i].start): c
               for i, c in near.items()}
    # touching passages are fully near; 2 characters away is nearly so; 152 away is about half; 0.5 for the older turn
    assert by_span[("lighthouse", 0)] == 1.0
    assert by_span[("lighthouse", 263)] == pytest.approx(1 - 2 / 300)
    assert by_span[("lighthouse", 413)] == pytest.approx(1 - 152 / 300)
    assert by_span[("canal", 1)] == 0.5 and by_span[("canal", 253)] == pytest.approx(0.5 * (1 - 2 / 300))


def test_a_follow_up_prefers_the_neighbourhood_of_the_passage_it_follows(fixture_retriever) -> None:
    question = "what did they lose"
    alone = fixture_retriever.search(question, 5)
    turn = EarlierTurn("Tell me about it", (PassageRef("canal", 1, 251),))
    follow = fixture_retriever.search(question, 5, history=[turn])
    assert alone.hits[0].passage.doc_id == "lighthouse"
    assert follow.hits[0].passage.doc_id == "canal"
