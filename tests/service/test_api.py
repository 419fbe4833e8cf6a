from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.service.conftest import make_client


def check_exact(client: TestClient, body: dict) -> None:
    docs: dict[str, str] = {}
    for p in body["passages"]:
        doc_id = p["document"]["id"]
        if doc_id not in docs:
            docs[doc_id] = client.get(f"/v1/documents/{doc_id}").json()["text"]
        c = p["citation"]
        assert p["text"] == docs[doc_id][c["start"] : c["end"]]
        for h in p["highlights"]:
            assert c["start"] <= h["start"] < h["end"] <= c["end"]


def test_ask_returns_the_passage_with_an_exact_citation(client: TestClient) -> None:
    r = client.post("/v1/ask", json={"question": "accountants in the capital close the station", "k": 3})
    assert r.status_code == 200
    body = r.json()
    top = body["passages"][0]
    assert top["rank"] == 1
    assert top["document"] == {"id": "lighthouse", "title": "The Lighthouse Keeper"}
    assert "I fear only the accountants" in top["text"]
    assert top["citation"]["source_attribution"] == "(2) Martha Quill, letter to her sister (1902)"
    assert top["url"] == f"/?doc=lighthouse&start={top['citation']['start']}&end={top['citation']['end']}"
    assert body["index"]["model"] == "fake-hashed-bag-of-words"
    assert body["supported"] is True
    check_exact(client, body)


def test_get_form_gives_the_same_passages_as_post(client: TestClient) -> None:
    post = client.post("/v1/ask", json={"question": "storm destroyed the lantern", "k": 2}).json()
    get = client.get("/v1/ask", params={"q": "storm destroyed the lantern", "k": 2}).json()
    assert [p["citation"] for p in get["passages"]] == [p["citation"] for p in post["passages"]]


def test_document_filter_keeps_only_those_documents(client: TestClient) -> None:
    body = client.post("/v1/ask", json={"question": "the company and the keeper", "k": 10, "documents": ["canal"]}).json()
    assert body["passages"] and {p["document"]["id"] for p in body["passages"]} == {"canal"}


def test_highlight_is_the_sentence_nearest_the_question(client: TestClient) -> None:
    body = client.post("/v1/ask", json={"question": "Who rebuilt it with her own savings?", "k": 1}).json()
    p = body["passages"][0]
    doc = client.get("/v1/documents/lighthouse").json()["text"]
    marked = [doc[h["start"] : h["end"]] for h in p["highlights"]]
    assert "Quill rebuilt it with her own savings and the help of two fishermen." in marked


def test_returned_passages_never_overlap(client: TestClient) -> None:
    body = client.post("/v1/ask", json={"question": "canal digging flood engineers pumps", "k": 10}).json()
    spans = sorted((p["document"]["id"], p["citation"]["start"], p["citation"]["end"]) for p in body["passages"])
    for (d1, _s1, e1), (d2, s2, _e2) in zip(spans, spans[1:], strict=False):
        assert d1 != d2 or e1 <= s2


def test_off_topic_question_is_marked_unsupported(client: TestClient) -> None:
    body = client.post("/v1/ask", json={"question": "javascript kubernetes recipe", "k": 3}).json()
    assert body["supported"] is False


def test_answers_carry_the_abstention_models_confidence(fixture_index) -> None:
    from tests.service.conftest import make_client

    with make_client(fixture_index) as c:
        threshold = c.app.state.holder.current.retriever.abstention.threshold
        on = c.post("/v1/ask", json={"question": "Who rebuilt the lantern room after the storm?", "k": 3}).json()
        off = c.post("/v1/ask", json={"question": "javascript kubernetes recipe", "k": 3}).json()
    for body in (on, off):
        assert 0.0 <= body["confidence"] <= 1.0
        assert body["supported"] == (body["confidence"] >= threshold)
    assert off["confidence"] < on["confidence"] and off["supported"] is False


@pytest.mark.parametrize(
    ("request_kwargs", "status", "detail"),
    [
        ({"json": {"question": ""}}, 400, "question is empty: write a question in plain words"),
        ({"json": {"question": "   \n "}}, 400, "question is empty: write a question in plain words"),
        ({"json": {"question": "x" * 1001}}, 400, "question is 1001 characters long; the limit is 1000: shorten it"),
        ({"json": {"question": "keeper", "k": 0}}, 400, "k must be between 1 and 50; got 0"),
        ({"json": {"question": "keeper", "k": 51}}, 400, "k must be between 1 and 50; got 51"),
        ({"json": {"question": "keeper", "documents": ["nope"]}}, 404, "unknown document id(s): nope; known ids: canal, lighthouse"),
        ({"json": {"k": 3}}, 422, "question is required"),
        ({"json": {"question": "keeper", "colour": 1}}, 422, "colour is not a known field"),
        ({"json": {"question": 5}}, 422, "question: Input should be a valid string"),
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 422,
         "the body is not valid JSON: send an object like {\"question\": \"...\"}"),
        ({"content": b"question=hi", "headers": {"content-type": "application/x-www-form-urlencoded"}}, 415,
         "send the body as JSON with Content-Type: application/json"),
        ({"content": b"{}", "headers": {}}, 415, "send the body as JSON with Content-Type: application/json"),
        ({"content": b'{"question": "' + b"a" * 70000 + b'"}', "headers": {"content-type": "application/json"}}, 413,
         "body over 65536 bytes; send a shorter question"),
    ],
)
def test_bad_ask_requests_get_a_4xx_that_says_what_to_fix(client: TestClient, request_kwargs, status: int, detail: str) -> None:
    r = client.post("/v1/ask", **request_kwargs)
    assert r.status_code == status
    body = r.json()
    assert body["detail"] == detail
    assert body["request_id"] == r.headers["x-request-id"]
    assert "Traceback" not in r.text


@pytest.mark.parametrize(
    ("method", "url", "status", "detail"),
    [
        ("GET", "/v1/nothing", 404, "no such route: GET /v1/nothing; see /docs for the API"),
        ("DELETE", "/v1/ask", 405, "DELETE is not allowed on /v1/ask; see /docs for the API"),
        ("GET", "/v1/ask?q=keeper&k=abc", 422, "k: Input should be a valid integer, unable to parse string as an integer"),
        ("GET", "/v1/ask?q=", 400, "question is empty: write a question in plain words"),
        ("GET", "/v1/documents/nope", 404, "no document 'nope'; known ids: canal, lighthouse"),
        ("GET", "/v1/documents/..%2F..%2Fetc%2Fpasswd", 404, "no such route: GET /v1/documents/../../etc/passwd; see /docs for the API"),
        ("GET", "/v1/documents/%2E%2E", 404, "no document '..'; known ids: canal, lighthouse"),
        ("GET", "/v1/documents/lighthouse?start=5", 400, "give both start and end, or neither"),
        ("GET", "/v1/documents/lighthouse?start=5&end=5", 400,
         "need 0 <= start < end <= 557 (the document's length); got start=5, end=5"),
        ("GET", "/v1/documents/lighthouse?start=0&end=99999", 400,
         "need 0 <= start < end <= 557 (the document's length); got start=0, end=99999"),
        ("GET", "/v1/documents/lighthouse?start=0&end=5&context=99999", 400, "context must be between 0 and 5000; got 99999"),
    ],
)
def test_bad_requests_elsewhere_get_a_4xx_that_says_what_to_fix(client: TestClient, method: str, url: str, status: int, detail: str) -> None:
    r = client.request(method, url)
    assert r.status_code == status
    assert r.json()["detail"] == detail


def test_documents_are_listed_with_their_metadata(client: TestClient) -> None:
    docs = client.get("/v1/documents").json()
    assert [d["id"] for d in docs] == ["lighthouse", "canal"]
    assert docs[0]["characters"] == 557 and docs[0]["lines"] == 15 and len(docs[0]["sha256"]) == 64


def test_document_slice_is_exact_with_context_and_lines(client: TestClient) -> None:
    full = client.get("/v1/documents/lighthouse").json()["text"]
    start = full.index("Primary Sources")
    r = client.get(f"/v1/documents/lighthouse?start={start}&end={start + 15}&context=10").json()
    assert r["text"] == "Primary Sources"
    assert r["before"] == full[start - 10 : start] and r["after"] == full[start + 15 : start + 25]
    assert r["line_start"] == r["line_end"] == 7


def test_health_ready_and_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "index_version": None}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["index_version"]
    client.get("/v1/ask?q=keeper")
    metrics = client.get("/metrics").text
    assert 'verbatim_requests_total{method="GET",route="/v1/ask",status="200"}' in metrics
    assert "verbatim_request_seconds_bucket" in metrics
    assert "verbatim_index_passages" in metrics


def test_responses_carry_security_headers_and_a_strict_csp(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert "access-control-allow-origin" not in client.get("/v1/documents", headers={"Origin": "http://evil.example"}).headers


def test_api_key_is_required_on_every_route_but_health_when_set(fixture_index) -> None:
    with make_client(fixture_index, api_key="s3cret") as c:
        assert c.get("/healthz").status_code == 200
        assert c.get("/readyz").status_code == 200
        for url in ("/v1/documents", "/v1/ask?q=keeper", "/metrics", "/"):
            r = c.get(url)
            assert r.status_code == 401, url
            assert r.json()["detail"] == "this server needs an API key: send Authorization: Bearer KEY"
        assert c.get("/v1/documents", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert c.get("/v1/documents", headers={"X-API-Key": "s3cret"}).status_code == 200
        assert c.get("/v1/documents", headers={"X-API-Key": "wrong"}).status_code == 401


def test_question_length_limit_is_configurable(fixture_index) -> None:
    with make_client(fixture_index, max_question_chars=10) as c:
        r = c.get("/v1/ask", params={"q": "a longer question"})
        assert r.status_code == 400
        assert r.json()["detail"] == "question is 17 characters long; the limit is 10: shorten it"


@pytest.mark.parametrize("log_questions", [True, False])
def test_access_log_is_one_json_line_with_question_only_when_allowed(fixture_index, caplog, log_questions: bool) -> None:
    import json
    import logging

    with make_client(fixture_index, log_questions=log_questions) as c:
        logger = logging.getLogger("verbatim.access")
        logger.addHandler(caplog.handler)
        try:
            r = c.post("/v1/ask", json={"question": "who kept the lighthouse", "k": 1}, headers={"X-Request-ID": "abc123"})
        finally:
            logger.removeHandler(caplog.handler)
    assert r.headers["x-request-id"] == "abc123"
    [entry] = [json.loads(rec.getMessage()) for rec in caplog.records if rec.name == "verbatim.access"]
    assert entry["request_id"] == "abc123" and entry["route"] == "/v1/ask" and entry["status"] == 200
    assert entry["ms"] > 0
    assert ("question" in entry) is log_questions
    if log_questions:
        assert entry["question"] == "who kept the lighthouse"
