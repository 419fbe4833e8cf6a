"""Security of the HTTP surface, beyond what ``test_api.py`` checks.

Document ids never reach the file system; CORS is off unless configured, and then only for the
configured origins; request size limits hold for streamed bodies too; the API key guards every
route but health; every response (errors included) carries the security headers; and no error
body ever shows a stack trace or an internal path, whatever malformed request comes in.

Some requests are sent straight to the ASGI app (``asgi_request``): an HTTP client would normalise
``..`` segments away or refuse malformed headers, a raw socket would not.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.core.config import PROJECT_ROOT
from tests.service.conftest import make_client

SENTINEL = "SENTINEL-7f3a-not-for-clients"
LEAKS = ("Traceback", "/work/", str(PROJECT_ROOT), ".py\"", ".py'", "File \"", "site-packages", "root:x:0:0", SENTINEL)
ORIGIN = "https://reader.example"


# --- helpers ------------------------------------------------------------------------------------


def asgi_request(
    app, method: str, path: str, headers: list[tuple[str, str]] = (), chunks: list[bytes] = (b"",), query: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    """One request straight into the ASGI app: the path exactly as given, the body in ``chunks``."""

    async def run() -> list[dict]:
        pending = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
        sent: list[dict] = []

        async def receive() -> dict:
            if pending:
                return pending.pop(0)
            await asyncio.sleep(3600)  # the client is still connected: a real server would wait, too
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            sent.append(message)

        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
            "path": path, "raw_path": path.encode("utf-8", "surrogateescape"), "root_path": "", "query_string": query,
            "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
            "client": ("127.0.0.1", 50000), "server": ("testserver", 80), "state": {},
        }
        await asyncio.wait_for(app(scope, receive, send), timeout=30)
        return sent

    sent = asyncio.run(run())
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    headers_out = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in start["headers"]}
    return start["status"], headers_out, body


def assert_clean_json_error(status: int, headers: dict[str, str], body: bytes | str, *, where: str = "") -> None:
    """A 4xx whose JSON body says what went wrong and nothing about the server's insides."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    assert 400 <= status < 500, (where, status, text[:300])
    assert headers["content-type"].startswith("application/json"), (where, headers)
    data = json.loads(text)
    assert set(data) == {"error", "detail", "request_id"}, (where, data)
    assert isinstance(data["detail"], str) and data["detail"], where
    for leak in LEAKS:
        assert leak not in text, (where, leak, text[:300])
    assert headers.get("x-content-type-options") == "nosniff", where
    assert "content-security-policy" in headers, where


@pytest.fixture(scope="module")
def secrets(fixture_index) -> dict[str, Path]:
    """Files a path trick would aim for: one in the corpus folder (not indexed), one beside it."""
    corpus, index_dir = fixture_index
    inside = corpus / "secret.txt"
    beside = corpus.parent / "secret.txt"
    for path in (inside, beside):
        path.write_text(f"{SENTINEL}\n", encoding="utf-8")
    return {"inside": inside, "beside": beside, "index": index_dir}


# --- document ids never reach the file system -------------------------------------------------

PATH_TRICKS = [
    "secret", "secret.txt", "a_lighthouse.txt", "catalog.json", "manifest.json", "passages.jsonl",
    "..", "...", "%2E%2E", "%2e%2e%2fsecret.txt", "..%2Fsecret.txt", "..%2F..%2Fsecret.txt", "..%5Csecret.txt",
    "..%252Fsecret.txt", "%252E%252E%252Fsecret.txt", "%C0%AE%C0%AE%C0%AFsecret.txt", "....%2F%2Fsecret.txt",
    "lighthouse%00", "lighthouse%00.txt", "secret.txt%00.json", "%00", "%2Fetc%2Fpasswd", "%2F%2Fetc%2Fpasswd",
    "file%3A%2F%2F%2Fetc%2Fpasswd", "~root", "%7E%2F.bashrc", "lighthouse%2F..%2Fsecret.txt", "corpus%2Fsecret.txt",
    "%2Fproc%2Fself%2Fenviron", "C%3A%5Cwindows%5Cwin.ini", "lighthouse%0D%0AX-Injected%3A%201",
]


@pytest.mark.parametrize("trick", PATH_TRICKS)
@pytest.mark.parametrize("query", ["", "?start=0&end=20&context=100"])
def test_document_id_path_tricks_get_a_json_404_never_file_contents(client: TestClient, secrets, trick, query) -> None:
    r = client.get(f"/v1/documents/{trick}{query}")
    assert r.status_code in (400, 404), (trick, r.status_code, r.text[:200])
    assert_clean_json_error(r.status_code, r.headers, r.text, where=trick)
    assert "x-injected" not in r.headers


@pytest.mark.parametrize("absolute", ["inside", "beside", "index"])
def test_absolute_paths_as_document_ids_are_refused(client: TestClient, secrets, absolute) -> None:
    from urllib.parse import quote

    target = secrets[absolute] if absolute != "index" else secrets["index"] / "passages.jsonl"
    for form in (quote(str(target), safe=""), quote(str(target), safe="/"), quote(str(target)[1:], safe="")):
        r = client.get(f"/v1/documents/{form}")
        assert r.status_code == 404, (form, r.status_code)
        assert SENTINEL not in r.text and '"doc_id"' not in r.text
        assert r.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    "path",
    [
        "/v1/documents/../../secret.txt", "/v1/documents/../../../etc/passwd", "/v1/documents/..", "/v1/documents/.",
        "/v1/documents/lighthouse/../../secret.txt", "/v1/documents//etc/passwd", "/v1/documents/\x00",
        "/v1/documents/lighthouse\x00.txt", "/static/../main.py", "/static/../../service/main.py",
        "/static/../core/config.py", "/static/..\\main.py", "/static//etc/passwd", "/static/%2e%2e/main.py",
        "/static/./../main.py", "/static/app.js/../../main.py", "/../../etc/passwd", "/static/\x00",
    ],
)
def test_raw_dot_segments_and_nul_bytes_never_reach_files(client: TestClient, secrets, path) -> None:
    status, headers, body = asgi_request(client.app, "GET", path)
    text = body.decode("utf-8", "replace")
    assert status in (400, 404), (path, status, text[:200])
    assert_clean_json_error(status, headers, body, where=path)
    assert "def create_app" not in text and "BaseSettings" not in text


def test_static_files_serve_only_the_page_assets(client: TestClient) -> None:
    r = client.get("/static/app.js")
    assert r.status_code == 200 and "javascript" in r.headers["content-type"]
    assert r.headers["x-content-type-options"] == "nosniff"
    for name in ("__init__.py", "index.html/..", "../main.py", "nope.js"):
        r = client.get(f"/static/{name}")
        assert r.status_code in (200, 404), name
        assert "def create_app" not in r.text


# --- CORS -------------------------------------------------------------------------------------


def preflight(client: TestClient, origin: str, method: str = "POST"):
    return client.options(
        "/v1/ask",
        headers={"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": "content-type"},
    )


def test_cors_is_off_by_default_for_every_route_and_preflight(client: TestClient) -> None:
    for origin in (ORIGIN, "null", "http://localhost:8000"):
        r = preflight(client, origin)
        assert "access-control-allow-origin" not in r.headers
        for url in ("/v1/ask?q=keeper", "/v1/documents/lighthouse", "/healthz", "/openapi.json"):
            r = client.get(url, headers={"Origin": origin})
            assert "access-control-allow-origin" not in r.headers, url
            assert "access-control-allow-credentials" not in r.headers, url


def test_cors_when_configured_allows_exactly_those_origins(fixture_index) -> None:
    with make_client(fixture_index, cors_origins=[ORIGIN]) as c:
        r = c.get("/v1/ask", params={"q": "keeper"}, headers={"Origin": ORIGIN})
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == ORIGIN
        assert "access-control-allow-credentials" not in r.headers
        ok = preflight(c, ORIGIN)
        assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == ORIGIN
        assert "POST" in ok.headers["access-control-allow-methods"]
        assert "DELETE" in preflight(c, ORIGIN, "DELETE").headers["access-control-allow-methods"]
        assert preflight(c, ORIGIN, "PUT").status_code == 400
        for other in ("https://evil.example", "https://reader.example.evil.example", "http://reader.example", "null"):
            r = c.get("/v1/ask", params={"q": "keeper"}, headers={"Origin": other})
            assert "access-control-allow-origin" not in r.headers, other
            bad = preflight(c, other)
            assert bad.status_code == 400 and "access-control-allow-origin" not in bad.headers, other


def test_cors_preflight_works_with_an_api_key_and_its_401_is_readable(fixture_index) -> None:
    with make_client(fixture_index, cors_origins=[ORIGIN], api_key="k3y") as c:
        ok = preflight(c, ORIGIN)
        assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == ORIGIN
        assert "x-api-key" in ok.headers["access-control-allow-headers"].lower()
        r = c.get("/v1/documents", headers={"Origin": ORIGIN})
        assert r.status_code == 401 and r.headers["access-control-allow-origin"] == ORIGIN


# --- size limits ------------------------------------------------------------------------------


def test_question_limit_counts_characters_on_both_forms(client: TestClient) -> None:
    assert client.get("/v1/ask", params={"q": "é" * 1000}).status_code == 200  # 2000 bytes, 1000 characters
    r = client.get("/v1/ask", params={"q": "keeper " * 143})  # 1001 characters
    assert r.status_code == 400 and r.json()["detail"].startswith("question is 1001 characters long")
    assert client.post("/v1/ask", json={"question": "é" * 1000}).status_code == 200


def test_streamed_body_without_content_length_is_cut_at_the_limit(client: TestClient) -> None:
    chunk = b'{"question": "' + b"a" * 8000
    chunks = [chunk] + [b"a" * 8000] * 9 + [b'"}']
    status, headers, body = asgi_request(
        client.app, "POST", "/v1/ask", [("content-type", "application/json"), ("transfer-encoding", "chunked")], chunks
    )
    assert status == 413
    assert_clean_json_error(status, headers, body)


def test_lying_content_length_is_cut_at_the_limit(client: TestClient) -> None:
    chunks = [b'{"question": "' + b"a" * 70000 + b'"}']
    status, headers, body = asgi_request(
        client.app, "POST", "/v1/ask", [("content-type", "application/json"), ("content-length", "20")], chunks
    )
    assert status == 413
    assert_clean_json_error(status, headers, body)


@pytest.mark.parametrize("length", ["abc", "-1", "1e9", "99999999999999999999", " 10"])
def test_malformed_content_length_is_refused(client: TestClient, length: str) -> None:
    status, headers, body = asgi_request(
        client.app, "POST", "/v1/ask", [("content-type", "application/json"), ("content-length", length)],
        [b'{"question": "keeper"}'],
    )
    assert status == 413
    assert_clean_json_error(status, headers, body)


def test_body_limit_is_configurable_and_guards_every_post(fixture_index) -> None:
    with make_client(fixture_index, max_body_bytes=2048, reload_token="t") as c:
        big = {"question": "keeper", "documents": ["lighthouse"] * 300}
        assert len(json.dumps(big)) > 2048
        for url in ("/v1/ask", "/v1/admin/reload"):
            r = c.post(url, json=big, headers={"X-Reload-Token": "t"})
            assert r.status_code == 413, url
            assert r.json()["detail"] == "body over 2048 bytes; send a shorter question"
        assert c.post("/v1/ask", json={"question": "keeper"}).status_code == 200


# --- API key ----------------------------------------------------------------------------------

GUARDED = [
    ("GET", "/"), ("GET", "/static/app.js"), ("GET", "/docs"), ("GET", "/openapi.json"), ("GET", "/metrics"),
    ("GET", "/v1/documents"), ("GET", "/v1/documents/lighthouse"), ("GET", "/v1/documents/lighthouse?start=0&end=5"),
    ("GET", "/v1/ask?q=keeper"), ("POST", "/v1/ask"), ("POST", "/v1/admin/reload"), ("GET", "/v1/no-such-route"),
    ("GET", "/healthz/"), ("GET", "/readyz/extra"),
]


def test_api_key_guards_every_route_but_health(fixture_index) -> None:
    with make_client(fixture_index, api_key="k3y", reload_token="t") as c:
        for method, url in GUARDED:
            for headers in ({}, {"X-API-Key": "wrong"}, {"Authorization": "Basic k3y"}, {"Authorization": "k3y"},
                            {"Authorization": "Bearer wrong"}, {"X-API-Key": "k3y "}, {"X-API-Key": "K3Y"}):
                r = c.request(method, url, json={"question": "keeper"} if method == "POST" else None, headers=headers)
                assert r.status_code == 401, (method, url, headers)
                assert r.headers["www-authenticate"] == "Bearer"
                assert_clean_json_error(r.status_code, r.headers, r.text, where=url)
        assert c.get("/v1/ask", params={"q": "keeper", "api_key": "k3y"}).status_code == 401  # not in the URL
        for url in ("/healthz", "/readyz"):
            assert c.get(url).status_code == 200
        for headers in ({"X-API-Key": "k3y"}, {"Authorization": "Bearer k3y"}, {"Authorization": "bearer  k3y "}):
            assert c.post("/v1/ask", json={"question": "keeper"}, headers=headers).status_code == 200, headers
            assert c.get("/v1/documents/lighthouse", headers=headers).status_code == 200
        r = c.post("/v1/admin/reload", headers={"X-API-Key": "k3y", "X-Reload-Token": "t"})
        assert r.status_code == 200  # the key and the reload token are both needed, and enough


# --- security headers -------------------------------------------------------------------------


def test_every_response_carries_the_security_headers(fixture_index) -> None:
    with make_client(fixture_index, api_key="k3y") as c:
        auth = {"X-API-Key": "k3y"}
        responses = {
            "page": c.get("/", headers=auth),
            "static": c.get("/static/app.js", headers=auth),
            "ask": c.get("/v1/ask", params={"q": "keeper"}, headers=auth),
            "404": c.get("/v1/documents/nope", headers=auth),
            "405": c.delete("/v1/ask", headers=auth),
            "401 (middleware)": c.get("/v1/documents"),
            "413 (middleware)": c.post("/v1/ask", content=b"x" * 70000, headers={**auth, "content-type": "application/json"}),
            "415 (middleware)": c.post("/v1/ask", content=b"q=1", headers={**auth, "content-type": "text/plain"}),
            "health": c.get("/healthz"),
        }
        for name, r in responses.items():
            assert r.headers["x-content-type-options"] == "nosniff", name
            assert r.headers["x-frame-options"] == "DENY", name
            assert r.headers["referrer-policy"] == "no-referrer", name
            assert r.headers["cross-origin-opener-policy"] == "same-origin", name
            assert "camera=()" in r.headers["permissions-policy"], name
            assert "frame-ancestors 'none'" in r.headers["content-security-policy"], name
            assert len(r.headers["x-request-id"]) >= 16, name
            assert "server" not in r.headers or "uvicorn" not in r.headers["server"].lower(), name


def test_page_csp_forbids_inline_code_and_foreign_sources(client: TestClient) -> None:
    r = client.get("/")
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in r.headers["content-security-policy"].split(";") if part.strip()
    )
    for name in ("default-src", "script-src", "style-src", "connect-src"):
        assert directives[name] == ["'self'"], name
    assert directives["object-src"] == ["'none'"] and directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert r.headers["content-type"].startswith("text/html")
    # the page itself must work under that policy: no inline script, no inline handlers
    html = r.text
    assert "<script>" not in html.replace(" ", "") and " onclick=" not in html and "javascript:" not in html
    assert all("src=" in tag for tag in html.split("<script")[1:])


def test_request_id_from_the_client_is_echoed_only_when_safe(client: TestClient) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    for bad in ("<script>", "a" * 65, "id with spaces", "../../etc"):
        assert client.get("/healthz", headers={"X-Request-ID": bad}).headers["x-request-id"] != bad


# --- error bodies never show the insides -----------------------------------------------------

MALFORMED_POSTS: list[tuple[str, bytes]] = [
    ("application/json", b""),
    ("application/json", b"null"),
    ("application/json", b"[]"),
    ("application/json", b'"question"'),
    ("application/json", b"{"),
    ("application/json", b'{"question": "keeper",}'),
    ("application/json", b'{"question": null}'),
    ("application/json", b'{"question": ["keeper"]}'),
    ("application/json", b'{"question": {"$gt": ""}}'),
    ("application/json", b'{"question": "keeper", "k": "five"}'),
    ("application/json", b'{"question": "keeper", "k": 1e400}'),
    ("application/json", b'{"question": "keeper", "k": 99999999999999999999999999}'),
    ("application/json", b'{"question": "keeper", "k": -1}'),
    ("application/json", b'{"question": "keeper", "k": 2.5}'),
    ("application/json", b'{"question": "keeper", "k": NaN}'),
    ("application/json", b'{"question": "keeper", "documents": "lighthouse"}'),
    ("application/json", b'{"question": "keeper", "documents": [1, 2]}'),
    ("application/json", b'{"question": "keeper", "documents": ["../../secret.txt", "/etc/passwd"]}'),
    ("application/json", b'{"question": "keeper", "documents": ["\\udfff"]}'),
    ("application/json", b'{"question": "keeper", "documents": ["lighthouse", "\\ud800x"]}'),
    ("application/json", b'{"question": "\\ud800"}'),
    ("application/json", b'{"question": "\x00\x01\x02"}'),
    ("application/json", b'\xff\xfe{"question": "keeper"}'),
    ("application/json", '{"question": "café"}'.encode("latin-1")),
    ("application/json", b"[" * 20000 + b"]" * 20000),
    ("application/json", b'{"a":' * 5000 + b"1" + b"}" * 5000),
    ("application/jsonx", b'{"question": "keeper"}'),
    ("multipart/form-data; boundary=x", b'--x\r\nContent-Disposition: form-data; name="question"\r\n\r\nkeeper\r\n--x--'),
    ("text/plain", b"keeper"),
]


@pytest.mark.parametrize(("ctype", "body"), MALFORMED_POSTS)
def test_malformed_ask_bodies_get_a_clean_json_4xx(client: TestClient, ctype: str, body: bytes) -> None:
    r = client.post("/v1/ask", content=body, headers={"content-type": ctype})
    assert_clean_json_error(r.status_code, r.headers, r.text, where=repr(body[:60]))


MALFORMED_GETS = [
    "/v1/ask", "/v1/ask?q=", "/v1/ask?q=%20%20", "/v1/ask?q=keeper&k=", "/v1/ask?q=keeper&k=1e3", "/v1/ask?q=keeper&k=-0",
    "/v1/ask?q=keeper&k=0x10", "/v1/ask?q=keeper&k=%00", "/v1/ask?q=keeper&k=99999999999999999999999999999999",
    "/v1/ask?q=keeper&documents=..%2Fsecret.txt", "/v1/ask?q=keeper&documents=",
    "/v1/documents/lighthouse?start=-1&end=5", "/v1/documents/lighthouse?start=5&end=1",
    "/v1/documents/lighthouse?start=0&end=99999999999999999999999999", "/v1/documents/lighthouse?start=a&end=b",
    "/v1/documents/lighthouse?start=0&end=5&context=-1", "/v1/documents/lighthouse?start=0&end=5&context=1e9",
    "/v1/documents/lighthouse?end=5", "/v1/documents/lighthouse?start=0.5&end=5", "/v1/documents/nope?start=0&end=5",
    "/v1/nothing", "/v1/", "/v1/documents/lighthouse/extra", "/v1/admin/reload", "/static/", "/static/nope.js",
]


@pytest.mark.parametrize("url", MALFORMED_GETS)
def test_malformed_gets_get_a_clean_json_4xx(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert_clean_json_error(r.status_code, r.headers, r.text, where=url)


UNSUPPORTED = [
    (method, url)
    for method in ["PUT", "PATCH", "DELETE", "TRACE", "CONNECT", "PROPFIND", "BREW"]
    for url in ["/v1/ask", "/v1/documents", "/v1/documents/lighthouse", "/v1/admin/reload", "/"]
    if (method, url) != ("DELETE", "/v1/documents/lighthouse")  # removes a document (tests/service/test_uploads.py)
]


@pytest.mark.parametrize(("method", "url"), UNSUPPORTED)
def test_unsupported_methods_get_a_clean_405(client: TestClient, method: str, url: str) -> None:
    r = client.request(method, url)
    assert r.status_code == 405, (method, url, r.status_code)
    assert_clean_json_error(r.status_code, r.headers, r.text, where=f"{method} {url}")
    assert method not in r.headers["allow"].split(", ")


def test_errors_from_a_failing_search_do_not_leak_the_exception(fixture_index, monkeypatch) -> None:
    """An unexpected exception deep in retrieval is a 500 with a request id, nothing more."""
    with make_client(fixture_index) as c:
        retriever = c.app.state.holder.current.retriever

        def explode(*args, **kwargs):
            raise RuntimeError(f"boom at {PROJECT_ROOT}/retrieval/search.py line 1")

        monkeypatch.setattr(retriever, "search", explode)
        r = c.get("/v1/ask", params={"q": "keeper"})
        assert r.status_code == 500
        body = r.json()
        assert body["error"] == "error" and len(body["request_id"]) == 32
        for leak in LEAKS + ("boom", "RuntimeError"):
            assert leak not in r.text
