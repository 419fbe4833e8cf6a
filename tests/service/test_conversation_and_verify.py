"""``POST /v1/ask`` with ``history`` and ``POST /v1/verify`` over the fixture index."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

CANAL_SENTENCE = "The engineers cleared the water in January 1821."


def shown(body: dict, n: int = 3) -> list[dict]:
    return [{"document": p["document"]["id"], "start": p["citation"]["start"], "end": p["citation"]["end"]}
            for p in body["passages"][:n]]


def test_a_follow_up_says_what_it_carried_and_from_which_turn(client: TestClient) -> None:
    first = client.post("/v1/ask", json={"question": "What did the canal engineers measure with chains?", "k": 3}).json()
    assert first["context"] is None  # no history: the response is as before
    r = client.post("/v1/ask", json={
        "question": "What happened to the cutting in October?", "k": 3,
        "history": [{"question": first["question"], "passages": shown(first)}],
    })
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["context"]["terms"] == [{"term": "engineers", "turn": 1, "weight": 1.0},
                                        {"term": "chains", "turn": 1, "weight": 1.0}]
    assert body["context"]["new_topic"] is False
    assert body["context"]["documents"] == list(dict.fromkeys(p["document"] for p in shown(first)))
    assert body["passages"][0]["document"]["id"] == "canal"


def test_a_new_subject_is_read_on_its_own(client: TestClient) -> None:
    r = client.post("/v1/ask", json={"question": "Whom did Martha Quill fear?",
                                     "history": [{"question": "When did the canal company begin digging?"}]})
    body = r.json()
    assert body["context"] == {"terms": [], "new_topic": True, "documents": []}
    alone = client.post("/v1/ask", json={"question": "Whom did Martha Quill fear?"}).json()
    assert [p["citation"] for p in body["passages"]] == [p["citation"] for p in alone["passages"]]


@pytest.mark.parametrize(
    ("history", "status", "detail"),
    [
        ([{"question": "x", "passages": [{"document": "canal", "start": 9, "end": 2}]}], 400,
         "history turn 1: passage end 2 is before its start 9"),
        ([{"question": "x" * 1001}], 400, "history turn 1: question is 1001 characters long; the limit is 1000"),
        ([{"question": "x"}] * 21, 400, "history has 21 turns; send at most the last 20"),
        ([{"question": "x", "colour": 1}], 422, "history.0.colour is not a known field"),
        ([{"passages": []}], 422, "history.0.question is required"),
    ],
)
def test_bad_history_gets_a_4xx_that_says_what_to_fix(client: TestClient, history, status, detail) -> None:
    r = client.post("/v1/ask", json={"question": "keeper", "history": history})
    assert r.status_code == status
    assert r.json()["detail"] == detail


def test_passages_of_documents_no_longer_indexed_are_ignored(client: TestClient) -> None:
    r = client.post("/v1/ask", json={"question": "and the pumps?", "history": [
        {"question": "When did the canal company begin digging?",
         "passages": [{"document": "gone", "start": 0, "end": 5}, {"document": "canal", "start": 0, "end": 40}]}]})
    assert r.status_code == 200
    assert r.json()["context"]["documents"] == ["canal"]


def test_verify_finds_a_quote_exactly_with_its_citation(client: TestClient) -> None:
    r = client.post("/v1/verify", json={"quote": CANAL_SENTENCE})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["found"] is True and body["verdict"] == "exact"
    [m] = body["matches"]
    doc = client.get(f"/v1/documents/{m['document']['id']}").json()["text"]
    assert m["text"] == doc[m["start"] : m["end"]] == CANAL_SENTENCE
    assert m["citation"]["start"] == m["start"] and m["citation"]["line_start"] == doc[: m["start"]].count("\n") + 1
    assert m["exact"] is True and m["similarity"] == 1.0 and m["differences"] == []
    assert m["url"] == f"/?doc=canal&start={m['start']}&end={m['end']}"


def test_verify_says_which_words_it_checked_and_reports_a_cut_as_omitted(client: TestClient) -> None:
    pasted = '"The canal company began digging ... moved earth by hand." - canal history'
    body = client.post("/v1/verify", json={"quote": pasted}).json()
    assert body["quote"] == pasted
    assert body["compared"] == "The canal company began digging ... moved earth by hand."
    assert body["verdict"] == "close"
    [omitted] = [d for d in body["matches"][0]["differences"] if d["kind"] == "omitted"]
    assert omitted["quote_text"] == "…" and "ellipsis" in omitted["explanation"]
    plain = client.post("/v1/verify", json={"quote": CANAL_SENTENCE}).json()
    assert plain["compared"] == CANAL_SENTENCE


def test_verify_marks_each_difference_of_a_misquotation(client: TestClient) -> None:
    body = client.post("/v1/verify", json={"quote": "The engineers drained the water in January 1821."}).json()
    assert body["verdict"] == "close"
    m = body["matches"][0]
    assert m["text"] == CANAL_SENTENCE
    assert [(d["kind"], d["text"], d["quote_text"]) for d in m["differences"]] == [("changed", "cleared", "drained")]
    assert m["differences"][0]["explanation"] == "different words"


def test_verify_says_not_found_and_offers_the_nearest_span_apart(client: TestClient) -> None:
    body = client.post("/v1/verify", json={"quote": "The directors sold the canal to the railway company in 1850."}).json()
    assert body["found"] is False and body["verdict"] == "not_found" and body["matches"] == []
    assert body["nearest"]["similarity"] < body["threshold"]
    near = body["nearest"]
    doc = client.get(f"/v1/documents/{near['document']['id']}").json()["text"]
    assert near["text"] == doc[near["start"] : near["end"]]


@pytest.mark.parametrize(
    ("payload", "status", "detail"),
    [
        ({"quote": ""}, 400, "quote is empty: paste the words you want to check"),
        ({"quote": "lantern"}, 400, "quote has 1 word(s); a quotation needs at least 3: paste the whole phrase, "
                                    "or ask a question instead"),
        ({"quote": "a b " * 1001}, 400, "quote is 4003 characters long; the limit is 2000: check a shorter part of it"),
        ({"quote": "the lantern room", "documents": ["nope"]}, 404,
         "unknown document id(s): nope; known ids: canal, lighthouse"),
        ({}, 422, "quote is required"),
        ({"quote": "the lantern room", "k": 3}, 422, "k is not a known field"),
    ],
)
def test_bad_verify_requests_get_a_4xx_that_says_what_to_fix(client: TestClient, payload, status, detail) -> None:
    r = client.post("/v1/verify", json=payload)
    assert r.status_code == status
    assert r.json()["detail"] == detail
    assert "Traceback" not in r.text
