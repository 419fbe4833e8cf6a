"""Index lifecycle while serving: a new build is swapped in under load; a corrupt one is refused.

A real uvicorn server (in a thread, on 127.0.0.1) serves index A of a copy of the fixture corpus
while client threads query it without pause. A document of that corpus folder is then changed and
index B built and published at the same ``index_dir``; ``POST /v1/admin/reload`` swaps it in. The
loader checks the documents' hashes against the corpus folder, so the folder always holds the text
of the index about to be loaded; the index being served keeps its text in memory.
"""

from __future__ import annotations

import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from index_build import store
from index_build.build import BuildOptions, build_index
from retrieval.index import load_index
from service.core.config import Settings
from service.core.resources import assemble
from service.main import create_app
from tests.conftest import FIXTURE_CORPUS
from tests.fakes import FakeEmbedder
from tests.servers import serving
from tests.service.conftest import make_client

TOKEN = "reload-t0ken"
QUESTIONS = ["storm destroyed the lantern", "accountants in the capital", "canal company digging", "who kept the lighthouse"]
QUIET = BuildOptions(show_progress=False)


@dataclass
class Server:
    url: str
    corpus: Path
    index_dir: Path
    version_a: str


@pytest.fixture
def server(tmp_path: Path):
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    index_dir = tmp_path / "index"
    version_a = build_index(corpus, index_dir, FakeEmbedder(), QUIET).build_id
    settings = Settings(corpus_dir=corpus, index_dir=index_dir, cache_dir=tmp_path / "cache", reload_token=TOKEN,
                        log_questions=False)
    embedder = FakeEmbedder()
    resources = assemble(load_index(index_dir, corpus, embedder.fingerprint), embedder, settings)
    app = create_app(settings, resources)

    with serving(app, lifespan="off") as url:
        yield Server(url, corpus, index_dir, version_a)


@dataclass
class Outcome:
    began: float
    ended: float
    status: int | None
    version: str | None
    error: str | None = None


class Load:
    """Client threads asking questions (GET and POST in turn) until stopped."""

    def __init__(self, url: str, threads: int = 4) -> None:
        self.url = url
        self.stop = threading.Event()
        self.outcomes: list[Outcome] = []
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(threads)]

    def __enter__(self) -> Load:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for t in self._threads:
            t.join(timeout=30)

    def _run(self, n: int) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            i = n
            while not self.stop.is_set():
                question = QUESTIONS[i % len(QUESTIONS)]
                began = time.monotonic()
                try:
                    if i % 2:
                        r = client.post("/v1/ask", json={"question": question, "k": 3})
                    else:
                        r = client.get("/v1/ask", params={"q": question, "k": 3})
                    version = r.json()["index"]["version"] if r.status_code == 200 else None
                    outcome = Outcome(began, time.monotonic(), r.status_code, version, None if r.status_code == 200 else r.text)
                except Exception as exc:  # a dropped connection is a failure too
                    outcome = Outcome(began, time.monotonic(), None, None, repr(exc))
                with self._lock:
                    self.outcomes.append(outcome)
                i += 1

    def count(self) -> int:
        with self._lock:
            return len(self.outcomes)

    def wait_for(self, more: int, timeout: float = 30) -> None:
        target = self.count() + more
        deadline = time.monotonic() + timeout
        while self.count() < target:
            assert time.monotonic() < deadline, "the load threads stalled"
            time.sleep(0.01)


def reload(url: str, token: str | None = TOKEN) -> httpx.Response:
    headers = {"X-Reload-Token": token} if token is not None else {}
    return httpx.post(f"{url}/v1/admin/reload", headers=headers, timeout=60)


def change_a_document(corpus: Path, old: str, new: str) -> None:
    path = corpus / "a_lighthouse.txt"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def ask_version(url: str) -> str:
    r = httpx.get(f"{url}/v1/ask", params={"q": "lighthouse keeper"}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["index"]["version"]


def test_reload_under_load_swaps_in_the_new_build_without_a_failed_request(server: Server) -> None:
    with Load(server.url) as load:
        load.wait_for(40)
        change_a_document(server.corpus, "two fishermen", "three fishermen")
        version_b = build_index(server.corpus, server.index_dir, FakeEmbedder(), QUIET).build_id
        assert version_b != server.version_a
        load.wait_for(20)  # B is published on disk; A is still what is served
        assert ask_version(server.url) == server.version_a
        sent_at = time.monotonic()
        r = reload(server.url)
        reloaded_at = time.monotonic()
        assert r.status_code == 200, r.text
        assert r.json() == {"status": "reloaded", "index_version": version_b}
        load.wait_for(60)  # a few of these were already in flight during the reload
    outcomes = load.outcomes
    failures = [o for o in outcomes if o.error is not None]
    assert not failures, failures[:5]
    assert {o.version for o in outcomes} == {server.version_a, version_b}
    after = [o for o in outcomes if o.began > reloaded_at]
    assert len(after) >= 40 and all(o.version == version_b for o in after)
    before = [o for o in outcomes if o.ended < sent_at]
    assert len(before) >= 60 and all(o.version == server.version_a for o in before)
    # the swapped-in index cites the changed text exactly
    body = httpx.post(f"{server.url}/v1/ask", json={"question": "fishermen savings rebuilt", "k": 1}).json()
    passage = body["passages"][0]
    doc = httpx.get(f"{server.url}/v1/documents/{passage['document']['id']}").json()["text"]
    assert "three fishermen" in doc and passage["text"] == doc[passage["citation"]["start"] : passage["citation"]["end"]]


def publish_corrupt_copy(index_dir: Path, name: str, damage) -> Path:
    """A copy of the served build, damaged, published at ``index_dir`` (as a broken build would be)."""
    good = index_dir.resolve()
    bad = good.parent / f"corrupt-{name}"
    shutil.copytree(good, bad)
    damage(bad)
    store.publish(index_dir, bad)
    return bad


def truncate(name: str):
    def damage(folder: Path) -> None:
        path = folder / name
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])

    return damage


def drop_manifest(folder: Path) -> None:
    (folder / store.MANIFEST).unlink()


@pytest.mark.parametrize(
    ("name", "damage"),
    [
        ("dense", truncate(store.DENSE)),
        ("passages", truncate(store.PASSAGES)),
        ("sentences", truncate(store.SENTENCE_VECTORS)),
        ("documents", truncate(store.DOCUMENTS)),
        ("manifest", drop_manifest),
    ],
)
def test_corrupt_new_index_is_refused_and_the_old_one_keeps_serving(server: Server, name: str, damage) -> None:
    publish_corrupt_copy(server.index_dir, name, damage)
    with Load(server.url, threads=2) as load:
        load.wait_for(10)
        r = reload(server.url)
        refused_at = time.monotonic()
        load.wait_for(20)
    assert r.status_code == 503, r.text
    body = r.json()
    assert body["error"] == "unavailable" and "run `verbatim index`" in body["detail"]
    assert body["detail"].startswith("new index refused, the old one keeps serving: ") and "the index folder" in body["detail"]
    assert "Traceback" not in r.text and str(server.index_dir.parent) not in r.text
    assert not [o for o in load.outcomes if o.error is not None]
    assert {o.version for o in load.outcomes} == {server.version_a}
    assert [o for o in load.outcomes if o.began > refused_at]
    assert ask_version(server.url) == server.version_a
    assert httpx.get(f"{server.url}/readyz").json() == {"status": "ready", "index_version": server.version_a}


def test_index_that_no_longer_fits_the_corpus_folder_is_refused(server: Server) -> None:
    """A build published for text the folder no longer holds (the hashes disagree): 503, A serves on."""
    change_a_document(server.corpus, "two fishermen", "three fishermen")
    build_index(server.corpus, server.index_dir, FakeEmbedder(), QUIET)
    change_a_document(server.corpus, "three fishermen", "four fishermen")
    r = reload(server.url)
    assert r.status_code == 503 and r.json()["error"] == "unavailable"
    assert "changed since the index was built" in r.json()["detail"]
    assert ask_version(server.url) == server.version_a


def test_reload_after_a_refusal_succeeds_once_a_good_build_is_published(server: Server) -> None:
    publish_corrupt_copy(server.index_dir, "dense", truncate(store.DENSE))
    assert reload(server.url).status_code == 503
    change_a_document(server.corpus, "two fishermen", "three fishermen")
    version_b = build_index(server.corpus, server.index_dir, FakeEmbedder(), QUIET).build_id
    r = reload(server.url)
    assert r.status_code == 200 and r.json()["index_version"] == version_b
    assert ask_version(server.url) == version_b


@pytest.mark.parametrize("headers", [{}, {"X-Reload-Token": "wrong"}, {"X-Reload-Token": ""},
                                     {"X-Reload-Token": TOKEN + "x"}, {"Authorization": f"Bearer {TOKEN}"}])
def test_reload_with_a_wrong_or_missing_token_is_forbidden(fixture_index, headers) -> None:
    with make_client(fixture_index, reload_token=TOKEN) as c:
        before = c.get("/readyz").json()["index_version"]
        r = c.post("/v1/admin/reload", headers=headers)
        assert r.status_code == 403
        assert r.json()["detail"] == "wrong or missing X-Reload-Token header"
        assert c.get("/readyz").json()["index_version"] == before


def test_reload_with_the_right_token_reloads_in_process(fixture_index) -> None:
    with make_client(fixture_index, reload_token=TOKEN) as c:
        r = c.post("/v1/admin/reload", headers={"X-Reload-Token": TOKEN})
        assert r.status_code == 200 and r.json()["status"] == "reloaded"
        assert r.json()["index_version"] == c.get("/readyz").json()["index_version"]


@pytest.mark.parametrize("headers", [{}, {"X-Reload-Token": TOKEN}])
def test_reload_is_off_without_a_configured_token(fixture_index, headers) -> None:
    with make_client(fixture_index) as c:
        r = c.post("/v1/admin/reload", headers=headers)
        assert r.status_code == 404
        assert r.json()["detail"] == "reloading is off: set VERBATIM_RELOAD_TOKEN to enable it"
