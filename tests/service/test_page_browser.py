"""The web page, driven in headless Chromium against a real server over a fixture index.

Needs Debian's Chromium at /usr/bin/chromium (``make browser``); never ``playwright install``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from tests.servers import serving

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artefacts" / "screenshots"
FIXTURE_CORPUS = ROOT / "tests" / "fixtures" / "corpus"

TRAP_TEXT = (
    "Markup Trap\n\n"
    "This page quotes some markup: <script>window.__pwned=1</script> and also "
    '<img src=x onerror="window.__pwned=2"> inside the text about harbour trap markup.\n'
)
ON_TOPIC = "Who rebuilt the lantern room after the storm?"
LETTER = "Whom did Martha Quill fear in her letter to her sister?"
OFF_TOPIC = "quantum chromodynamics zebra"
TRAP_QUESTION = "markup trap script"
ABSTAIN_THRESHOLD = 0.35


# ------------------------------------------------------------------ server


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """The app over a fixture index (fixture corpus + a markup trap document), served by uvicorn."""
    from index_build.build import BuildOptions, build_index
    from retrieval.index import load_index
    from service.core.config import Settings
    from service.core.resources import assemble
    from service.main import create_app
    from tests.fakes import FakeEmbedder

    tmp = tmp_path_factory.mktemp("page")
    corpus_dir, index_dir = tmp / "corpus", tmp / "index"
    shutil.copytree(FIXTURE_CORPUS, corpus_dir)
    (corpus_dir / "zz_trap.txt").write_text(TRAP_TEXT, encoding="utf-8")
    emb = FakeEmbedder()
    build_index(corpus_dir, index_dir, emb, BuildOptions(show_progress=False))
    settings = Settings(
        corpus_dir=corpus_dir, index_dir=index_dir, cache_dir=tmp / "cache",
        abstain_threshold=ABSTAIN_THRESHOLD, show_progress=False, log_questions=False,
        calibrated_abstention=False,  # the shipped model is fitted to MiniLM's scores, not the fake model's
    )
    app = create_app(settings, assemble(load_index(index_dir, corpus_dir, emb.fingerprint), emb, settings))

    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def api(server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=10) as client:
        yield client


def api_ask(api: httpx.Client, question: str, k: int = 5) -> dict:
    r = api.post("/v1/ask", json={"question": question, "k": k})
    assert r.status_code == 200, r.text
    return r.json()


# ------------------------------------------------------------------ browser


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():  # a missing browser fails the suite: it is never silently skipped
        pytest.fail("no /usr/bin/chromium: run `make browser` (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


class Tab:
    """A page plus what went wrong on it (script errors, CSP violations, console errors)."""

    def __init__(self, page, base: str) -> None:
        self.page = page
        self.base = base
        self.problems: list[str] = []
        page.on("pageerror", lambda exc: self.problems.append(f"pageerror: {exc}"))
        page.on("console", self._console)
        # CSP violations are reported as events; record them where the test can read them
        page.add_init_script(
            "window.__csp = []; document.addEventListener('securitypolicyviolation',"
            " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
        )

    def _console(self, msg) -> None:
        # 4xx answers are expected in the error test; Chromium logs them as "Failed to load resource"
        if msg.type == "error" and "Failed to load resource" not in msg.text:
            self.problems.append(f"console: {msg.text}")

    def goto(self, path: str = "/") -> None:
        self.page.goto(self.base + path)
        self.page.wait_for_selector("#question")

    def ask(self, question: str) -> None:
        """Type a question, press Enter, wait for its answer (or error)."""
        before = self.page.locator(".exchange").count()
        self.page.fill("#question", question)
        self.page.press("#question", "Enter")
        self.wait_answered(before + 1)

    def wait_answered(self, count: int) -> None:
        self.page.wait_for_function(
            "n => { const xs = document.querySelectorAll('.exchange');"
            " return xs.length >= n && xs[n - 1].dataset.status !== 'pending'; }",
            arg=count,
        )

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)

    def assert_clean(self) -> None:
        csp = self.page.evaluate("window.__csp || []")
        assert not csp, f"CSP violations: {csp}"
        assert not self.problems, self.problems


@pytest.fixture
def open_tab(browser, server):
    contexts = []

    def make(width: int = 1280, height: int = 900) -> Tab:
        context = browser.new_context(viewport={"width": width, "height": height})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
        contexts.append(context)
        return Tab(context.new_page(), server)

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def tab(open_tab) -> Tab:
    return open_tab()


def merged_marks(passage: dict) -> list[str]:
    """The passage's highlight spans (relative to its text), merged, as the page should mark them."""
    start, text = passage["citation"]["start"], passage["text"]
    spans = sorted((max(0, h["start"] - start), min(len(text), h["end"] - start)) for h in passage["highlights"])
    merged: list[list[int]] = []
    for s, e in spans:
        if e <= s:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [text[s:e] for s, e in merged]


def reader_split(page) -> dict:
    """The reader's text before, inside and after the cited <mark>."""
    return page.evaluate(
        """() => {
            const box = document.getElementById('reader-text'), mark = document.getElementById('reader-mark');
            const before = document.createRange(); before.setStart(box, 0); before.setEndBefore(mark);
            const after = document.createRange(); after.setStartAfter(mark); after.setEnd(box, box.childNodes.length);
            return {before: before.toString(), mark: mark.textContent, after: after.toString(),
                    start: Number(mark.dataset.start), end: Number(mark.dataset.end)};
        }"""
    )


# ------------------------------------------------------------------ tests


def test_question_gets_cards_matching_the_api(tab: Tab, api) -> None:
    page = tab.page
    tab.goto()
    assert page.title() == "Verbatim"
    assert page.locator("h1").text_content() == "Verbatim"
    expected = api_ask(api, ON_TOPIC)
    assert expected["supported"] and expected["passages"]

    # slow the request down so the loading state can be seen
    page.evaluate(
        "() => { const f = window.fetch; window.fetch = (...a) =>"
        " new Promise(r => setTimeout(r, 400)).then(() => f(...a)); }"
    )
    page.fill("#question", ON_TOPIC)
    page.press("#question", "Enter")
    assert page.locator(".exchange .loading").is_visible()
    assert page.locator("#send").is_disabled()
    assert page.locator("#transcript").get_attribute("aria-busy") == "true"
    tab.wait_answered(1)
    assert page.locator("#send").is_enabled()
    assert page.locator("#transcript").get_attribute("aria-busy") == "false"
    assert page.locator("#question").input_value() == ""

    exchange = page.locator(".exchange").last
    assert exchange.locator(".question-text").text_content().endswith(ON_TOPIC)
    cards = exchange.locator(".card")
    assert cards.count() == len(expected["passages"])
    for i, p in enumerate(expected["passages"]):
        card = cards.nth(i)
        c = p["citation"]
        assert card.locator(".passage-text").text_content() == p["text"]
        assert card.locator(".card-title").text_content().endswith(p["document"]["title"])
        assert card.locator(".rank").text_content() == str(p["rank"])
        assert card.locator(".passage-text mark").all_text_contents() == merged_marks(p)
        cite = card.locator(".card-cite").text_content()
        lines = f"line {c['line_start']}" if c["line_start"] == c["line_end"] else f"lines {c['line_start']}–{c['line_end']}"
        assert lines in cite
        assert f"characters {c['start']}–{c['end']}" in cite
        assert f"{p['score']:.4f}" not in cite  # a raw fusion number means nothing to a reader: JSON only
        assert "your words here: " in cite or "found by meaning, not by your words" in cite
        for part in (c["section"], c["source_attribution"]):
            if part:
                assert part in cite
        assert card.get_by_role("button", name="View in source").count() == 1
    page.wait_for_function("() => document.getElementById('announcer').textContent.includes('passage')")
    assert page.locator("[aria-live=polite]").count() >= 1
    tab.shot("answer")
    tab.assert_clean()


def test_view_in_source_highlights_exactly_the_cited_characters(tab: Tab, api) -> None:
    page = tab.page
    expected = api_ask(api, LETTER)
    doc_requests: list[str] = []
    page.on("request", lambda r: doc_requests.append(r.url) if "/v1/documents/" in r.url else None)
    tab.goto()
    tab.ask(LETTER)

    # a passage that does not start at 0, so "text before" is a real check
    i, p = next((i, p) for i, p in enumerate(expected["passages"]) if p["citation"]["start"] > 0)
    doc = api.get(f"/v1/documents/{p['document']['id']}").json()
    start, end = p["citation"]["start"], p["citation"]["end"]
    card = page.locator(".exchange").last.locator(".card").nth(i)
    button = card.get_by_role("button", name="View in source")
    button.click()
    page.wait_for_selector("#reader-mark")
    assert page.locator("#reader").is_visible()
    assert page.locator("#reader-title").text_content() == p["document"]["title"]
    split = reader_split(page)
    assert split["mark"] == p["text"] == doc["text"][start:end]
    assert split["before"] == doc["text"][:start]
    assert split["after"] == doc["text"][end:]
    assert (split["start"], split["end"]) == (start, end)
    assert page.locator("#reader-text").evaluate("e => getComputedStyle(e).whiteSpace") == "pre-wrap"
    # the cited span is scrolled into view inside the reader
    body, mark = page.locator("#reader-body").bounding_box(), page.locator("#reader-mark").bounding_box()
    assert body["y"] <= mark["y"] < body["y"] + body["height"]
    assert f"doc={p['document']['id']}" in page.url
    tab.shot("reader")

    # Escape closes it and gives focus back; reopening uses the cached document
    page.keyboard.press("Escape")
    assert page.locator("#reader").is_hidden()
    assert button.evaluate("b => b === document.activeElement")
    button.click()
    page.wait_for_selector("#reader-mark")
    assert len(doc_requests) == 1, doc_requests
    page.click("#reader-close")
    assert page.locator("#reader").is_hidden()

    # copy the citation as text, then as JSON
    card.get_by_role("button", name="Copy citation").click()
    page.wait_for_function("() => document.getElementById('announcer').textContent.includes('copied')")
    copied = page.evaluate("navigator.clipboard.readText()")
    c = p["citation"]
    assert p["document"]["title"] in copied and p["text"] in copied
    assert f"characters {start}–{end}" in copied
    assert f"lines {c['line_start']}–{c['line_end']}" in copied or f"line {c['line_start']}" in copied
    for part in (c["section"], c["source_attribution"]):
        if part:
            assert part in copied
    card.get_by_role("button", name="Copy JSON").click()
    page.wait_for_function("() => document.getElementById('announcer').textContent.includes('JSON')")
    data = json.loads(page.evaluate("navigator.clipboard.readText()"))
    assert data["citation"] == c and data["text"] == p["text"] and data["document"] == p["document"]
    assert data["url"].endswith(p["url"])
    tab.assert_clean()


def test_unsupported_question_says_so_and_folds_the_nearest_passages(tab: Tab, api) -> None:
    page = tab.page
    expected = api_ask(api, OFF_TOPIC)
    assert expected["supported"] is False and expected["passages"]
    tab.goto()
    tab.ask(OFF_TOPIC)
    answer = page.locator(".exchange").last
    note = answer.locator(".unsupported-text")
    assert note.text_content() == "The corpus does not support an answer to this question."
    assert note.is_visible()
    details = answer.locator("details.nearest")
    assert details.get_attribute("open") is None
    texts = details.locator(".passage-text")
    assert texts.all_text_contents() == [p["text"] for p in expected["passages"]]
    assert not texts.first.is_visible()
    details.locator("summary").click()
    assert texts.first.is_visible()
    tab.shot("unsupported")
    tab.assert_clean()


def test_api_error_is_shown_readably(tab: Tab, api) -> None:
    page = tab.page
    question = "why does the lighthouse shine " * 40  # over the 1000-character limit
    r = api.post("/v1/ask", json={"question": question.strip(), "k": 5})
    assert r.status_code == 400
    detail = r.json()["detail"]
    tab.goto()
    tab.ask(question)
    box = page.locator(".exchange").last.locator(".error-box")
    assert box.is_visible()
    assert box.locator(".error-detail").text_content() == detail
    assert "HTTP 400" in box.locator(".error-meta").text_content()
    box.get_by_role("button", name="Edit this question").click()
    assert page.locator("#question").input_value() == question.strip()
    assert page.locator("#question").evaluate("e => e === document.activeElement")
    tab.shot("error")
    tab.assert_clean()


def test_markup_in_the_corpus_is_shown_as_text_and_runs_nothing(tab: Tab, api) -> None:
    page = tab.page
    expected = api_ask(api, TRAP_QUESTION)
    i = next(i for i, p in enumerate(expected["passages"]) if p["document"]["id"] == "zz_trap")
    tab.goto()
    tab.ask(TRAP_QUESTION)
    card = page.locator(".exchange").last.locator(".card").nth(i)
    text = card.locator(".passage-text").text_content()
    assert text == expected["passages"][i]["text"]
    assert "<script>window.__pwned=1</script>" in text
    assert '<img src=x onerror="window.__pwned=2">' in text
    card.get_by_role("button", name="View in source").click()
    page.wait_for_selector("#reader-mark")
    assert "<script>window.__pwned=1</script>" in page.locator("#reader-text").text_content()
    page.wait_for_timeout(150)  # give an injected onerror a chance to fire
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("#transcript script, #transcript img, #reader img, #reader script").count() == 0
    assert page.locator("img").count() == 0
    tab.shot("markup-inert")
    tab.assert_clean()


def test_shareable_links_run_the_question_and_open_the_span(tab: Tab, api) -> None:
    page = tab.page
    expected = api_ask(api, ON_TOPIC, k=3)
    tab.goto(f"/?q={quote(ON_TOPIC)}&k=3")
    tab.wait_answered(1)
    exchange = page.locator(".exchange").last
    assert exchange.locator(".question-text").text_content().endswith(ON_TOPIC)
    assert exchange.locator(".passage-text").all_text_contents() == [p["text"] for p in expected["passages"]]
    assert page.locator("#k").input_value() == "3"
    assert page.url == tab.base + "/"  # a reload does not ask again
    share = exchange.locator("a.share-link").get_attribute("href")
    assert share.startswith("/?q=") and "k=3" in share

    # the passage url opens the reader on exactly that span
    p = expected["passages"][0]
    doc = api.get(f"/v1/documents/{p['document']['id']}").json()
    tab.goto(p["url"])
    page.wait_for_selector("#reader-mark")
    split = reader_split(page)
    assert split["mark"] == p["text"]
    assert split["before"] == doc["text"][: p["citation"]["start"]]
    tab.shot("shared-span")
    tab.assert_clean()


def test_the_upload_control_is_hidden_when_the_server_takes_no_uploads(tab: Tab, api) -> None:
    assert api.get("/v1/uploads").json()["enabled"] is False
    tab.goto()
    tab.page.wait_for_selector("#doc-list input", state="attached")
    tab.page.wait_for_load_state("networkidle")  # the page has asked /v1/uploads
    assert tab.page.locator("#upload").is_hidden()
    tab.assert_clean()


def test_document_filter_and_k_narrow_the_search(tab: Tab, api) -> None:
    page = tab.page
    tab.goto()
    page.locator("#doc-filter summary").click()
    page.get_by_label("Canal Works").check()
    assert page.locator("#doc-filter-summary").text_content() == "Documents: 1 of 3"
    page.select_option("#k", "3")
    tab.ask(ON_TOPIC)
    expected = api.post("/v1/ask", json={"question": ON_TOPIC, "k": 3, "documents": ["canal"]}).json()
    exchange = page.locator(".exchange").last
    assert exchange.locator(".passage-text").all_text_contents() == [p["text"] for p in expected["passages"]]
    assert {t.split(": ", 1)[1] for t in exchange.locator(".card-title").all_text_contents()} == {"Canal Works"}
    assert "in Canal Works" in exchange.locator(".question-meta").text_content()
    assert "documents=canal" in exchange.locator("a.share-link").get_attribute("href")
    page.reload()  # the choices are remembered
    page.wait_for_selector("#doc-canal", state="attached")
    assert page.locator("#doc-canal").is_checked() and page.locator("#k").input_value() == "3"
    tab.shot("filtered")
    tab.assert_clean()


def test_phone_width_is_one_column_and_the_reader_is_an_overlay(open_tab) -> None:
    tab = open_tab(375, 740)
    page = tab.page
    tab.goto()
    tab.ask(LETTER)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    for box in [page.locator(".card").nth(i).bounding_box() for i in range(page.locator(".card").count())]:
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    tab.shot("phone-answer")
    page.locator(".card").first.get_by_role("button", name="View in source").click()
    page.wait_for_selector("#reader-mark")
    box = page.locator("#reader").bounding_box()
    assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 375, 740)
    close = page.locator("#reader-close")
    assert close.is_visible()
    cb = close.bounding_box()
    assert cb["x"] >= 0 and cb["x"] + cb["width"] <= 375 and cb["y"] >= 0
    assert page.locator("#reader").get_attribute("aria-modal") == "true"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(SHOTS / "phone-reader.png"))
    close.click()
    assert page.locator("#reader").is_hidden()
    assert page.locator("#conversation").evaluate("e => !e.inert")
    tab.assert_clean()


def test_conversation_survives_reload_and_can_be_cleared(tab: Tab) -> None:
    page = tab.page
    tab.goto()
    tab.ask(ON_TOPIC)
    tab.ask(OFF_TOPIC)
    questions = page.locator(".question-text").all_text_contents()
    passages = page.locator(".passage-text").all_text_contents()
    assert len(questions) == 2 and passages
    page.reload()
    page.wait_for_selector(".exchange")
    assert page.locator(".question-text").all_text_contents() == questions
    assert page.locator(".passage-text").all_text_contents() == passages
    assert page.locator(".unsupported-text").count() == 1
    assert page.locator("#empty-state").is_hidden()
    tab.shot("reloaded")
    page.get_by_role("button", name="Clear conversation").click()
    assert page.locator(".exchange").count() == 0
    assert page.locator("#empty-state").is_visible()
    page.reload()
    page.wait_for_selector("#question")
    assert page.locator(".exchange").count() == 0
    tab.assert_clean()


def test_keyboard_alone_can_ask_read_and_close(tab: Tab) -> None:
    page = tab.page
    tab.goto()
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "question":
            break
    assert page.evaluate("document.activeElement.id") == "question"
    page.keyboard.type("Who rebuilt the lantern")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("room after the storm?")
    assert page.locator("#question").input_value() == "Who rebuilt the lantern\nroom after the storm?"
    assert page.locator(".exchange").count() == 0
    page.keyboard.press("Enter")
    tab.wait_answered(1)
    assert page.locator(".card").count() > 0

    # back from the question box to the last card's "View in source", then open it with Enter
    page.focus("#question")
    for _ in range(12):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.classList.contains('view-source')"):
            break
    focused = page.evaluate_handle("document.activeElement")
    assert page.evaluate("e => e.classList.contains('view-source')", focused)
    assert page.evaluate("e => getComputedStyle(e).outlineStyle !== 'none'", focused), "no visible focus"
    tab.shot("keyboard-focus")
    page.keyboard.press("Enter")
    page.wait_for_selector("#reader-mark")
    assert page.evaluate("document.activeElement.id") == "reader-title"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "BUTTON"
    page.keyboard.press("Escape")
    assert page.locator("#reader").is_hidden()
    assert page.evaluate("e => e === document.activeElement", focused)
    tab.assert_clean()


CONTRAST_AUDIT = """() => {
  const parse = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const v = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number); return {rgb: v.slice(0, 3), a: v.length > 3 ? v[3] : 1}; };
  const lum = ([r, g, b]) => { const f = x => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const bg = el => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
    if (c && c.a > 0) return c.rgb; } return [255, 255, 255]; };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const s = getComputedStyle(el); if (s.visibility === 'hidden' || el.closest('.visually-hidden')) continue;
    const fg = parse(s.color).rgb, back = bg(el);
    const [a, b] = [lum(fg), lum(back)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(s.fontSize), bold = Number(s.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < need) bad.push(`${el.tagName}.${el.className}: ${ratio.toFixed(2)}`);
  }
  return bad;
}"""


def test_text_contrast_meets_wcag_aa(tab: Tab) -> None:
    page = tab.page
    tab.goto()
    assert page.evaluate(CONTRAST_AUDIT) == []
    tab.ask(ON_TOPIC)
    tab.ask(OFF_TOPIC)
    tab.ask("x" * 1200)
    page.locator("details.nearest summary").click()
    page.locator("#doc-filter summary").click()
    page.locator(".card").first.get_by_role("button", name="View in source").click()
    page.wait_for_selector("#reader-mark")
    assert page.evaluate(CONTRAST_AUDIT) == []
    assert page.locator("#doc-list input[type=checkbox]").count() == 3
    tab.shot("contrast")
    tab.assert_clean()


# ------------------------------------------------------------------ conversation and quotation checks


def ask_seen(tab: Tab, question: str, path: str = "/v1/ask") -> tuple[dict, dict]:
    """Ask on the page; the request body it sent to ``path`` and the body it got back."""
    wanted = lambda r: r.request.method == "POST" and r.url.endswith(path)  # noqa: E731
    with tab.page.expect_response(wanted) as info:
        tab.ask(question)
    return info.value.request.post_data_json, info.value.json()


def test_a_three_turn_conversation_sends_the_earlier_turns_and_shows_what_was_carried(tab: Tab) -> None:
    page = tab.page
    tab.goto()
    asked = [ask_seen(tab, q) for q in (
        "Who kept the northern lighthouse?", "When did a storm destroy the lantern room?", "who helped her?")]
    assert [body["question"] for body, _ in asked] == [
        "Who kept the northern lighthouse?", "When did a storm destroy the lantern room?", "who helped her?"]
    assert "history" not in asked[0][0]
    # each follow-up sends the earlier turns oldest first, with the first passages the reader was shown
    for n in (1, 2):
        history = asked[n][0]["history"]
        assert [h["question"] for h in history] == [body["question"] for body, _ in asked[:n]]
        for turn, (_, answer) in zip(history, asked[:n], strict=True):
            shown = [{"document": p["document"]["id"], "start": p["citation"]["start"], "end": p["citation"]["end"]}
                     for p in answer["passages"][:3]]
            assert turn["passages"] == shown
    # the third turn's note names the terms the service says it carried, and the turn they came from
    context = asked[2][1]["context"]
    assert context["terms"] and not context["new_topic"]
    note = page.locator(".exchange").nth(2).locator(".context-note")
    assert note.is_visible()
    text = note.inner_text()
    assert text.startswith("Read with")
    for term in context["terms"]:
        assert f"“{term['term']}”" in text
        assert f"from “{asked[term['turn'] - 1][0]['question']}”" in text
    assert page.locator(".exchange").nth(0).locator(".context-note").count() == 0
    tab.shot("conversation")
    tab.assert_clean()


def test_new_topic_reads_the_next_question_on_its_own_and_marks_the_break(tab: Tab) -> None:
    page = tab.page
    tab.goto()
    asked = [ask_seen(tab, q) for q in ("Who kept the northern lighthouse?", "When did a storm destroy the lantern room?")]
    assert len(asked[1][0]["history"]) == 1
    page.get_by_role("button", name="New topic").click()
    asked.append(ask_seen(tab, "What did the engineers measure?"))
    assert "history" not in asked[2][0]  # nothing of the lighthouse is sent
    assert asked[2][1]["passages"][0]["document"]["id"] == "canal"
    dividers = page.locator(".topic-divider")
    assert dividers.count() == 1
    # the divider sits between the second and the third exchange
    order = page.evaluate("""() => [...document.querySelectorAll('.exchange, .topic-divider')]
        .map(n => n.classList.contains('topic-divider') ? 'divider' : 'exchange')""")
    assert order == ["exchange", "exchange", "divider", "exchange"]
    asked.append(ask_seen(tab, "and in October?"))
    assert [h["question"] for h in asked[3][0]["history"]] == ["What did the engineers measure?"]
    page.reload()
    page.wait_for_selector(".exchange")
    assert page.locator(".topic-divider").count() == 1
    tab.assert_clean()


def test_a_quote_check_marks_exactly_the_differing_words_of_the_source(tab: Tab, api) -> None:
    page = tab.page
    tab.goto()
    page.check("#mode-verify")
    assert page.locator("#question-label").inner_text().startswith("The quotation")
    sent, answer = ask_seen(tab, '"The engineers drained the water in January 1821." - canal history', "/v1/verify")
    assert sent["quote"] == '"The engineers drained the water in January 1821." - canal history'
    assert answer == {**api.post("/v1/verify", json=sent).json(), "took_ms": answer["took_ms"]}
    assert answer["verdict"] == "close"
    exchange = page.locator(".exchange").last
    assert exchange.locator(".verdict").get_attribute("data-verdict") == "close"
    assert "Found with differences" in exchange.locator(".verdict-text").inner_text()
    assert "The engineers drained the water in January 1821." in exchange.locator(".compared-note").inner_text()
    match = answer["matches"][0]
    source = exchange.locator(".quote-source").first
    assert source.inner_text().replace("\n", " ").split() == match["text"].split()  # the source's own words
    marks = source.locator("mark.diff")
    wanted = [(d["kind"], d["text"]) for d in match["differences"] if d["end"] > d["start"]]
    assert wanted  # the quote says "drained", the text "cleared"
    got = [(marks.nth(i).get_attribute("data-kind"), marks.nth(i).inner_text()) for i in range(marks.count())]
    assert [(k, " ".join(t.split())) for k, t in got] == [(k, " ".join(t.split())) for k, t in wanted]
    assert any(d["kind"] == "changed" and d["text"] == "cleared" and d["quote_text"] == "drained"
               for d in match["differences"])
    assert exchange.locator(".differences li").count() == len(match["differences"])
    tab.shot("quote-check")
    tab.assert_clean()
