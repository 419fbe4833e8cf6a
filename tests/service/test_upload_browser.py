"""The page's upload control and page breaks, in headless Chromium against a real server that takes uploads."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import httpx
import pytest

from tests.servers import serving
from tests.service.test_page_browser import CHROMIUM, CHROMIUM_ARGS, FIXTURE_CORPUS, Tab
from tests.service.test_uploads import PAGE_TEXTS, TOKEN, report_pdf

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def upload_server(tmp_path_factory) -> Iterator[str]:
    from index_build.build import BuildOptions, build_index
    from retrieval.index import load_index
    from service.core.config import Settings
    from service.core.resources import assemble
    from service.main import create_app
    from tests.fakes import FakeEmbedder

    tmp = tmp_path_factory.mktemp("upload-page")
    corpus_dir, index_dir = tmp / "corpus", tmp / "index"
    shutil.copytree(FIXTURE_CORPUS, corpus_dir)
    build_index(corpus_dir, index_dir, FakeEmbedder(), BuildOptions(show_progress=False), cache_dir=tmp / "cache")
    settings = Settings(corpus_dir=corpus_dir, index_dir=index_dir, cache_dir=tmp / "cache", sources_dir=tmp / "sources",
                        admin_token=TOKEN, index_watch_seconds=0, log_questions=False, calibrated_abstention=False,
                        abstain_threshold=0.35)
    emb = FakeEmbedder()
    app = create_app(settings, assemble(load_index(index_dir, corpus_dir, emb.fingerprint), emb, settings),
                     passage_embedder=FakeEmbedder())
    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: run `make browser` (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def upload_tab(chromium, upload_server) -> Iterator[Tab]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    yield Tab(context.new_page(), upload_server)
    context.close()


def choose_file(tab: Tab, name: str, data: bytes) -> None:
    tab.page.click("#upload summary")
    tab.page.set_input_files("#upload-file", files=[{"name": name, "mimeType": "application/pdf", "buffer": data}])


def test_a_wrong_token_is_said_and_nothing_is_added(upload_tab: Tab) -> None:
    tab = upload_tab
    tab.goto()
    tab.page.wait_for_selector("#upload:not([hidden])")
    choose_file(tab, "notes.pdf", report_pdf())
    tab.page.fill("#upload-token", "wrong")
    tab.page.click("#upload-send")
    tab.page.wait_for_function("() => document.getElementById('upload-status').textContent.startsWith('Not added')")
    assert tab.page.text_content("#upload-status") == "Not added: wrong admin token"
    assert tab.page.locator("#doc-list input[value='notes']").count() == 0


def test_an_upload_shows_its_progress_and_the_source_shows_its_page_breaks(upload_tab: Tab, upload_server) -> None:
    tab = upload_tab
    tab.goto()
    tab.page.wait_for_selector("#upload:not([hidden])")
    choose_file(tab, "Harbour Report.pdf", report_pdf())
    tab.page.fill("#upload-token", TOKEN)
    tab.page.click("#upload-send")
    tab.page.wait_for_function("() => document.getElementById('upload-status').textContent.startsWith('Added')",
                               timeout=30_000)
    assert tab.page.text_content("#upload-status").startswith("Added “Harbour Report” (id harbour-report)")
    tab.shot("upload-done")
    assert tab.page.locator("#doc-list input[value='harbour-report']").count() == 1

    doc = httpx.get(f"{upload_server}/v1/documents/harbour-report").json()
    second = doc["page_breaks"][1]
    start = doc["text"].index("Quarantine", second["start"])
    tab.goto(f"/?doc=harbour-report&start={start}&end={start + 30}")
    tab.page.wait_for_selector("#reader-mark")
    labels = tab.page.eval_on_selector_all(".page-break", "nodes => nodes.map(n => n.dataset.label)")
    assert labels == ["page 1 (“x”)", "page 2 (“xi”)", "page 3 (“xii”)"]
    tab.shot("reader-page-breaks")
    assert "p. 2 (“xi”)" in tab.page.text_content("#reader-meta")
    # the markers add no characters: the reader's text is the document text exactly
    assert tab.page.text_content("#reader-text") == doc["text"]
    assert tab.page.text_content("#reader-mark") == doc["text"][start : start + 30]
    assert PAGE_TEXTS[1][:20] in doc["text"][second["start"] : second["end"]]
    tab.assert_clean()
