// Verbatim's page: a transcript of questions, each answered with the corpus's own passages.
// Corpus text is only ever inserted as text nodes (see dom.js); nothing here is generated prose.

import { ApiError, ask, forgetDocuments, getDocument, getJob, listDocuments, uploadDocument, uploadsAllowed, verify } from "./api.js";
import { copyText, jsonCitation, linesLabel, offsetsLabel, pageLabel, plainCitation } from "./citation.js";
import { append, clear, el, fillMarked, textWithPageBreaks } from "./dom.js";
import { clearConversation, loadConversation, loadSettings, saveConversation, saveSettings } from "./store.js";

const K_CHOICES = [3, 5, 10, 20, 50];
const DEFAULT_K = 5;
const HISTORY_TURNS = 3; // earlier questions of the current topic sent with a follow-up
const HISTORY_PASSAGES = 3; // of each, the passages the reader saw first
const QUOTED = /^\s*["“”«„‘’'](.+)["“”»‘’']\s*$/s; // a pasted quotation in quotation marks
const STOP = new Set(("a an and are as at be by did do does for from had has have he her his how i in is it its of on or " +
  "she that the their them they this to was were what when where which who whom why with you").split(" "));
const OVERLAY_QUERY = window.matchMedia("(max-width: 51.99rem)");

const $ = (id) => document.getElementById(id);
const ui = {
  form: $("ask-form"),
  question: $("question"),
  k: $("k"),
  send: $("send"),
  clear: $("clear"),
  newTopic: $("new-topic"),
  modeAsk: $("mode-ask"),
  modeVerify: $("mode-verify"),
  questionLabel: $("question-label"),
  transcript: $("transcript"),
  empty: $("empty-state"),
  announcer: $("announcer"),
  docFilter: $("doc-filter"),
  docSummary: $("doc-filter-summary"),
  docList: $("doc-list"),
  docClear: $("doc-clear"),
  formMessage: $("form-message"),
  conversation: $("conversation"),
  layout: $("layout"),
  reader: $("reader"),
  readerTitle: $("reader-title"),
  readerMeta: $("reader-meta"),
  readerBody: $("reader-body"),
  readerText: $("reader-text"),
  readerClose: $("reader-close"),
  readerJump: $("reader-jump"),
  upload: $("upload"),
  uploadFile: $("upload-file"),
  uploadToken: $("upload-token"),
  uploadSend: $("upload-send"),
  uploadProgress: $("upload-progress"),
  uploadStatus: $("upload-status"),
  uploadHelp: $("upload-help"),
};

const state = {
  exchanges: loadConversation(),
  busy: false,
  generation: 0, // bumped by "clear" so late answers to cleared questions are dropped
  documents: [], // from /v1/documents
  readerToken: 0,
  readerOpener: null,
  topic: 0, // the current topic: follow-ups are read with the earlier questions of the same topic
};
state.topic = Math.max(0, Number(loadSettings().topic) || 0, ...state.exchanges.map((ex) => Number(ex.topic) || 0));

// ---------------------------------------------------------------- helpers

function newId() {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

function announce(message) {
  // clear first so the same message twice is still announced
  ui.announcer.textContent = "";
  window.setTimeout(() => {
    ui.announcer.textContent = message;
  }, 30);
}

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

function shareHref(question, k, documents) {
  const params = new URLSearchParams();
  params.set("q", question);
  if (k && k !== DEFAULT_K) params.set("k", String(k));
  for (const d of documents || []) params.append("documents", d);
  return `/?${params.toString()}`;
}

function quoteHref(quote, documents) {
  const params = new URLSearchParams();
  params.set("quote", quote);
  for (const d of documents || []) params.append("documents", d);
  return `/?${params.toString()}`;
}

function documentTitle(id) {
  const doc = state.documents.find((d) => d.id === id);
  return doc ? doc.title : id;
}

function selectedDocuments() {
  return [...ui.docList.querySelectorAll("input[type=checkbox]:checked")].map((box) => box.value);
}

function currentK() {
  const k = Number.parseInt(ui.k.value, 10);
  return Number.isInteger(k) && k >= 1 && k <= 50 ? k : DEFAULT_K;
}

function setK(k) {
  const value = String(k);
  if (![...ui.k.options].some((o) => o.value === value)) {
    // a shared link may ask for a k the menu does not list: add it, in order
    const option = el("option", { attrs: { value }, text: value });
    const after = [...ui.k.options].find((o) => Number(o.value) > k);
    ui.k.insertBefore(option, after || null);
  }
  ui.k.value = value;
}

function persistSettings() {
  saveSettings({ k: currentK(), documents: selectedDocuments(), topic: state.topic, mode: currentMode() });
}

function currentMode() {
  return ui.modeVerify.checked ? "verify" : "ask";
}

function setMode(mode) {
  ui.modeVerify.checked = mode === "verify";
  ui.modeAsk.checked = mode !== "verify";
  ui.questionLabel.textContent = mode === "verify" ? "The quotation to check" : "Your question";
  ui.send.textContent = state.busy ? "Searching…" : mode === "verify" ? "Check" : "Ask";
}

/** The earlier questions of the current topic, as `history` for /v1/ask (oldest first). */
function historyFor() {
  const earlier = state.exchanges.filter((ex) => ex.kind !== "quote" && ex.status === "done" &&
    (Number(ex.topic) || 0) === state.topic && ex.response && Array.isArray(ex.response.passages));
  return earlier.slice(-HISTORY_TURNS).map((ex) => ({
    id: ex.id,
    question: ex.question,
    passages: ex.response.passages.slice(0, HISTORY_PASSAGES).map((p) => ({
      document: p.document.id, start: p.citation.start, end: p.citation.end,
    })),
  }));
}

/** Question words the passage holds (a reader's clue to why it was found; raw scores stay in the JSON). */
function matchedWords(question, text) {
  const lower = text.toLowerCase();
  const seen = new Set();
  const out = [];
  for (const word of question.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) || []) {
    const w = word.replace(/['’]s$/, "");
    if (w.length < 3 || STOP.has(w) || seen.has(w)) continue;
    seen.add(w);
    if (lower.includes(w)) out.push(w);
  }
  return out;
}

// ---------------------------------------------------------------- cards

function citationLine(p, question) {
  const c = p.citation;
  const where = [];
  if (c.section) {
    where.push(el("p", { class: "cite-section" }, [el("span", { class: "cite-label", text: "Section " }), c.section]));
  }
  if (c.source_attribution) {
    where.push(el("p", { class: "cite-source" }, [
      el("span", { class: "cite-label", text: "Quoting " }), c.source_attribution,
    ]));
  }
  const numbers = el("p", { class: "cite-numbers" });
  const items = [
    el("span", { class: "cite-item cite-lines", text: linesLabel(c) }),
    pageLabel(c) ? el("span", { class: "cite-item cite-page", text: pageLabel(c) }) : null,
    el("span", { class: "cite-item cite-offsets", text: offsetsLabel(c) }),
    question !== undefined ? matchedItem(question, p.text) : null,
    typeof p.similarity === "number"
      ? el("span", { class: "cite-item cite-similarity", text: `similarity ${Math.round(p.similarity * 100)}%` })
      : null,
  ].filter(Boolean);
  items.forEach((item, i) => {
    numbers.appendChild(item);
    if (i < items.length - 1) numbers.appendChild(document.createTextNode(" "));
  });
  return el("div", { class: "card-cite" }, [...where, numbers]);
}

function matchedItem(question, text) {
  const words = matchedWords(question, text);
  return el("span", { class: "cite-item cite-matched" }, [
    el("span", { class: "cite-label", text: words.length ? "your words here: " : "" }),
    words.length ? words.join(", ") : "found by meaning, not by your words",
  ]);
}

function flash(button, label) {
  const original = button.dataset.label || button.textContent;
  button.dataset.label = original;
  button.textContent = label;
  window.clearTimeout(Number(button.dataset.timer || 0));
  button.dataset.timer = String(window.setTimeout(() => {
    button.textContent = original;
  }, 1800));
}

function passageCard(p, exchangeId, question) {
  const c = p.citation;
  const titleId = `${exchangeId}-p${p.rank}`;
  const spans = (p.highlights || []).map((h) => [h.start - c.start, h.end - c.start]);
  const quote = fillMarked(
    el("blockquote", { class: "passage-text", attrs: { cite: p.url } }),
    p.text,
    spans,
  );

  const view = el("button", {
    class: "secondary view-source",
    attrs: { type: "button", "aria-label": `View in source: passage ${p.rank}, ${p.document.title}` },
    text: "View in source",
  });
  view.addEventListener("click", () => openReader({
    docId: p.document.id, start: c.start, end: c.end, title: p.document.title, url: p.url, opener: view,
  }));

  const copy = el("button", {
    class: "secondary copy-citation",
    attrs: { type: "button", "aria-label": `Copy citation: passage ${p.rank}` },
    text: "Copy citation",
  });
  copy.addEventListener("click", async () => {
    const ok = await copyText(plainCitation(p));
    flash(copy, ok ? "Copied" : "Copy failed");
    announce(ok ? "Citation copied." : "Could not copy; select the text instead.");
  });

  const copyJson = el("button", {
    class: "secondary copy-json",
    attrs: { type: "button", "aria-label": `Copy JSON: passage ${p.rank}` },
    text: "Copy JSON",
  });
  copyJson.addEventListener("click", async () => {
    const ok = await copyText(jsonCitation(p));
    flash(copyJson, ok ? "Copied" : "Copy failed");
    announce(ok ? "Citation copied as JSON." : "Could not copy; select the text instead.");
  });

  const link = el("a", {
    class: "passage-link",
    attrs: { href: p.url, "aria-label": `Link to passage ${p.rank} in its source` },
    text: "Link",
  });

  return el("li", { class: "card-item" }, [
    el("article", {
      class: "card",
      attrs: { "aria-labelledby": titleId },
      dataset: { rank: p.rank, doc: p.document.id, start: c.start, end: c.end },
    }, [
      el("div", { class: "card-head" }, [
        el("span", { class: "rank", attrs: { "aria-hidden": "true" }, text: p.rank }),
        el("h4", { class: "card-title", attrs: { id: titleId } }, [
          el("span", { class: "visually-hidden", text: `Passage ${p.rank}: ` }),
          p.document.title,
        ]),
      ]),
      citationLine(p, question),
      quote,
      el("div", { class: "card-actions" }, [view, copy, copyJson, link]),
    ]),
  ]);
}

function passageList(passages, exchangeId, question) {
  return el("ol", { class: "passages" }, passages.map((p) => passageCard(p, exchangeId, question)));
}

function sourceButtons(m, label) {
  const view = el("button", {
    class: "secondary view-source",
    attrs: { type: "button", "aria-label": `View in source: ${label}` },
    text: "View in source",
  });
  view.addEventListener("click", () => openReader({
    docId: m.document.id, start: m.citation.start, end: m.citation.end, title: m.document.title, url: m.url, opener: view,
  }));
  const copy = el("button", {
    class: "secondary copy-citation",
    attrs: { type: "button", "aria-label": `Copy citation: ${label}` },
    text: "Copy citation",
  });
  copy.addEventListener("click", async () => {
    const ok = await copyText(plainCitation(m));
    flash(copy, ok ? "Copied" : "Copy failed");
    announce(ok ? "Citation copied." : "Could not copy; select the text instead.");
  });
  const copyJson = el("button", {
    class: "secondary copy-json",
    attrs: { type: "button", "aria-label": `Copy JSON: ${label}` },
    text: "Copy JSON",
  });
  copyJson.addEventListener("click", async () => {
    const ok = await copyText(jsonCitation(m));
    flash(copyJson, ok ? "Copied" : "Copy failed");
    announce(ok ? "Citation copied as JSON." : "Could not copy; select the text instead.");
  });
  return el("div", { class: "card-actions" }, [view, copy, copyJson]);
}

/** The source's own text with each difference from the quote marked (the quote's words only in titles). */
function markedDifferences(m) {
  const box = el("blockquote", { class: "passage-text quote-source", attrs: { cite: m.url } });
  const text = m.text;
  let at = 0;
  const diffs = [...(m.differences || [])].sort((a, b) => a.start - b.start || a.end - b.end);
  for (const d of diffs) {
    const s = Math.max(at, d.start - m.start);
    const e = Math.max(s, d.end - m.start);
    if (s > at) box.appendChild(document.createTextNode(text.slice(at, s)));
    const said = d.kind === "omitted" ? "your quote marks this cut with “…”"
      : d.quote_text ? `your quote has “${d.quote_text}”` : "your quote leaves this out";
    if (e > s) {
      box.appendChild(el("mark", {
        class: `diff diff-${d.kind}`,
        attrs: { title: `${d.explanation}: ${said}` },
        dataset: { kind: d.kind, start: d.start, end: d.end },
        text: text.slice(s, e),
      }));
    } else {
      box.appendChild(el("span", {
        class: "diff diff-added",
        attrs: { title: `${d.explanation}: “${d.quote_text}”`, role: "img", "aria-label": `your quote adds “${d.quote_text}” here` },
        dataset: { kind: d.kind, start: d.start, end: d.end },
        text: "⁁",
      }));
    }
    at = Math.max(at, e);
  }
  if (at < text.length) box.appendChild(document.createTextNode(text.slice(at)));
  return box;
}

function differenceList(m) {
  if (!m.differences || !m.differences.length) return null;
  return el("details", { class: "differences", attrs: { open: m.differences.length <= 6 } }, [
    el("summary", { text: plural(m.differences.length, "difference", "differences") }),
    el("ul", {}, m.differences.map((d) => el("li", { dataset: { kind: d.kind } }, [
      el("span", { class: "diff-kind", text: `${d.explanation}: ` }),
      d.text ? ["the text has “", el("span", { class: "diff-text", text: d.text }), "”"] : "the text has nothing here",
      d.quote_text ? [", your quote “", el("span", { class: "diff-quote", text: d.quote_text }), "”"] : ", your quote leaves it out",
    ]))),
  ]);
}

function matchCard(m, n, exchangeId) {
  const titleId = `${exchangeId}-m${n}`;
  return el("li", { class: "card-item" }, [
    el("article", {
      class: "card quote-match",
      attrs: { "aria-labelledby": titleId },
      dataset: { rank: n, doc: m.document.id, start: m.start, end: m.end, exact: m.exact },
    }, [
      el("div", { class: "card-head" }, [
        el("span", { class: "rank", attrs: { "aria-hidden": "true" }, text: n }),
        el("h4", { class: "card-title", attrs: { id: titleId } }, [
          el("span", { class: "visually-hidden", text: `Match ${n}: ` }),
          m.document.title,
        ]),
      ]),
      citationLine({ ...m, citation: m.citation }),
      markedDifferences(m),
      differenceList(m),
      sourceButtons(m, `match ${n}, ${m.document.title}`),
    ]),
  ]);
}

function verifyBody(ex) {
  const r = ex.response;
  const matches = Array.isArray(r.matches) ? r.matches : [];
  const took = typeof r.took_ms === "number" ? ` · ${r.took_ms} ms` : "";
  const places = plural(matches.length, "place", "places");
  const compared = r.compared && r.compared !== r.quote
    ? el("p", { class: "compared-note", text: `Checked the words “${r.compared}”, without your quotation marks and attribution.` })
    : null;
  if (r.verdict === "exact") {
    return el("div", { class: "verdict verdict-exact", dataset: { verdict: r.verdict } }, [
      el("p", { class: "verdict-text", text: `Found word for word, in ${places}${took}.` }),
      compared,
      el("ol", { class: "passages" }, matches.map((m, i) => matchCard(m, i + 1, ex.id))),
    ]);
  }
  if (r.verdict === "close") {
    return el("div", { class: "verdict verdict-close", dataset: { verdict: r.verdict } }, [
      el("p", { class: "verdict-text", text: `Found with differences, in ${places}${took}. The marked words differ from your quotation.` }),
      compared,
      el("ol", { class: "passages" }, matches.map((m, i) => matchCard(m, i + 1, ex.id))),
    ]);
  }
  return el("div", { class: "verdict verdict-not-found unsupported", dataset: { verdict: r.verdict } }, [
    el("p", { class: "verdict-text unsupported-text", text: `These words are not in the corpus${took}.` }),
    compared,
    r.nearest
      ? el("details", { class: "nearest" }, [
        el("summary", { text: "Show the closest span anyway" }),
        el("p", {
          class: "nearest-note",
          text: `It is ${Math.round(r.nearest.similarity * 100)}% similar; ${Math.round(r.threshold * 100)}% is needed to count as the same words.`,
        }),
        el("ol", { class: "passages" }, [matchCard(r.nearest, 1, ex.id)]),
      ])
      : null,
  ]);
}

// ---------------------------------------------------------------- exchanges

function answerBody(ex) {
  if (ex.status === "pending") {
    return el("p", { class: "loading" }, [
      el("span", { class: "spinner", attrs: { "aria-hidden": "true" } }),
      "Searching the corpus…",
    ]);
  }
  if (ex.status === "error") {
    const e = ex.error || {};
    const meta = [];
    if (e.status) meta.push(`HTTP ${e.status}`);
    if (e.code) meta.push(e.code);
    if (e.requestId) meta.push(`request ${e.requestId}`);
    const edit = el("button", { class: "link-button", attrs: { type: "button" }, text: "Edit this question" });
    edit.addEventListener("click", () => {
      ui.question.value = ex.question;
      ui.question.focus();
    });
    return el("div", { class: "error-box" }, [
      el("p", { class: "error-title", text: "The service could not answer this question." }),
      el("p", { class: "error-detail", text: e.message || "Unknown error." }),
      meta.length ? el("p", { class: "error-meta", text: meta.join(" · ") }) : null,
      edit,
    ]);
  }
  if (ex.kind === "quote") return verifyBody(ex);
  const r = ex.response;
  const passages = Array.isArray(r.passages) ? r.passages : [];
  const took = typeof r.took_ms === "number" ? ` · ${r.took_ms} ms` : "";
  const confidence = typeof r.confidence === "number" ? ` · confidence ${Math.round(r.confidence * 100)}%` : "";
  if (!r.supported) {
    return el("div", { class: "unsupported" }, [
      el("p", { class: "unsupported-text", text: "The corpus does not support an answer to this question." }),
      passages.length
        ? el("details", { class: "nearest" }, [
          el("summary", { text: `Show the ${plural(passages.length, "nearest passage", "nearest passages")} anyway` }),
          el("p", { class: "nearest-note", text: "These are the closest passages; none of them answers the question." }),
          passageList(passages, ex.id, ex.question),
        ])
        : null,
    ]);
  }
  if (!passages.length) return el("p", { class: "answer-meta", text: "No passages matched." });
  return el("div", { class: "answer-body" }, [
    el("p", { class: "answer-meta", text: `${plural(passages.length, "passage", "passages")} from the corpus${confidence}${took}` }),
    passageList(passages, ex.id, ex.question),
  ]);
}

/** What a follow-up was read with, quietly, under the question. */
function contextNote(ex) {
  const c = ex.response && ex.response.context;
  if (!c) return null;
  if (c.new_topic) {
    return el("p", { class: "context-note", text: "Read on its own: it names a new subject." });
  }
  if (!c.terms.length) return null;
  const sent = ex.history || [];
  const groups = new Map();
  for (const t of c.terms) {
    if (!groups.has(t.turn)) groups.set(t.turn, []);
    groups.get(t.turn).push(t.term);
  }
  const parts = [];
  for (const [turn, terms] of [...groups.entries()].sort((a, b) => b[0] - a[0])) {
    const earlier = sent[turn - 1];
    parts.push(`${terms.map((t) => `“${t}”`).join(", ")}${earlier ? ` from “${earlier.question}”` : ""}`);
  }
  return el("p", { class: "context-note" }, [
    el("span", { class: "cite-label", text: "Read with " }),
    parts.join("; "),
  ]);
}

function exchangeNode(ex) {
  const qid = `q-${ex.id}`;
  const filter = ex.documents && ex.documents.length
    ? `in ${ex.documents.map(documentTitle).join(", ")}`
    : "in all documents";
  return el("section", {
    class: `exchange is-${ex.status}`,
    attrs: { id: `ex-${ex.id}`, "aria-labelledby": qid },
    dataset: { status: ex.status },
  }, [
    el("div", { class: "question-bubble" }, [
      el("p", { class: "question-label", attrs: { "aria-hidden": "true" },
        text: ex.kind === "quote" ? "You asked to check" : "You asked" }),
      el("h3", { class: "question-text", attrs: { id: qid } }, [
        el("span", { class: "visually-hidden", text: ex.kind === "quote" ? "Quotation: " : "Question: " }),
        ex.kind === "quote" && !/^["“„«'‘]/.test(ex.question) ? `“${ex.question}”` : ex.question,
      ]),
      contextNote(ex),
      el("p", { class: "question-meta" }, [
        ex.kind === "quote" ? `checked ${filter} · ` : `up to ${plural(ex.k, "passage", "passages")} ${filter} · `,
        el("a", {
          class: "share-link",
          attrs: {
            href: ex.kind === "quote" ? quoteHref(ex.question, ex.documents) : shareHref(ex.question, ex.k, ex.documents),
            "aria-label": ex.kind === "quote" ? "Link to this check (runs it again)" : "Link to this question (runs it again)",
          },
          text: ex.kind === "quote" ? "Link to this check" : "Link to this question",
        }),
      ]),
    ]),
    el("div", { class: "answer" }, [answerBody(ex)]),
  ]);
}

function topicDivider(ex) {
  return el("p", { class: "topic-divider", attrs: { id: `topic-${ex.id}`, role: "separator" }, text: "New topic" });
}

function startsTopic(ex) {
  const i = state.exchanges.indexOf(ex);
  if (i <= 0) return false;
  return (Number(state.exchanges[i - 1].topic) || 0) !== (Number(ex.topic) || 0);
}

function renderExchange(ex) {
  const node = exchangeNode(ex);
  if (!$(`topic-${ex.id}`) && startsTopic(ex)) ui.transcript.appendChild(topicDivider(ex));
  const old = $(`ex-${ex.id}`);
  if (old) old.replaceWith(node);
  else ui.transcript.appendChild(node);
  ui.empty.hidden = state.exchanges.length > 0;
  ui.clear.disabled = state.exchanges.length === 0;
  return node;
}

function renderAll() {
  clear(ui.transcript);
  for (const ex of state.exchanges) renderExchange(ex);
  ui.empty.hidden = state.exchanges.length > 0;
  ui.clear.disabled = state.exchanges.length === 0;
}

function setBusy(busy) {
  state.busy = busy;
  ui.send.disabled = busy;
  ui.send.textContent = busy ? "Searching…" : currentMode() === "verify" ? "Check" : "Ask";
  ui.form.setAttribute("aria-busy", String(busy));
  ui.transcript.setAttribute("aria-busy", String(busy));
}

function showFormMessage(text) {
  ui.formMessage.textContent = text;
  ui.formMessage.hidden = !text;
}

async function runQuestion(question, k, documents, kind = "ask") {
  if (state.busy) return;
  const ex = {
    id: newId(), kind, question, k, documents: documents || [], status: "pending", askedAt: new Date().toISOString(),
    topic: state.topic,
  };
  const history = kind === "ask" ? historyFor() : [];
  if (history.length) ex.history = history.map((h) => ({ id: h.id, question: h.question }));
  const generation = state.generation;
  state.exchanges.push(ex);
  const node = renderExchange(ex);
  node.scrollIntoView({ block: "start" });
  setBusy(true);
  announce("Searching the corpus…");
  try {
    ex.response = kind === "quote"
      ? await verify(question, ex.documents)
      : await ask(question, k, ex.documents, history.map(({ question: q, passages }) => ({ question: q, passages })));
    ex.status = "done";
  } catch (err) {
    ex.status = "error";
    ex.error = err instanceof ApiError
      ? { message: err.message, status: err.status, code: err.code, requestId: err.requestId }
      : { message: String(err && err.message ? err.message : err) };
  } finally {
    setBusy(false);
  }
  if (generation !== state.generation) return; // cleared meanwhile
  const done = renderExchange(ex);
  saveConversation(state.exchanges);
  done.scrollIntoView({ block: "start" });
  if (ex.status === "error") {
    announce(`The service could not answer: ${ex.error.message}`);
  } else if (kind === "quote") {
    const verdicts = { exact: "Found word for word.", close: "Found with differences.", not_found: "Not in the corpus." };
    announce(verdicts[ex.response.verdict] || ex.response.verdict);
  } else if (!ex.response.supported) {
    announce("The corpus does not support an answer to this question.");
  } else {
    const n = ex.response.passages.length;
    announce(`${plural(n, "passage", "passages")} found for: ${question}`);
  }
}

function submit() {
  if (state.busy) return;
  const question = ui.question.value;
  if (!question.trim()) {
    showFormMessage("Write a question first.");
    ui.question.focus();
    return;
  }
  const quoted = QUOTED.exec(question);
  const kind = currentMode() === "verify" || (quoted && quoted[1].trim().split(/\s+/).length >= 5) ? "quote" : "ask";
  const text = kind === "quote" && quoted ? quoted[1].trim() : question.trim();
  showFormMessage("");
  ui.question.value = "";
  runQuestion(text, currentK(), selectedDocuments(), kind);
}

// ---------------------------------------------------------------- document filter

function updateDocSummary() {
  const chosen = selectedDocuments();
  ui.docSummary.textContent = chosen.length === 0 || chosen.length === state.documents.length
    ? "Documents: all"
    : `Documents: ${chosen.length} of ${state.documents.length}`;
}

async function loadDocumentFilter(initial) {
  try {
    state.documents = await listDocuments();
  } catch (err) {
    clear(ui.docList);
    ui.docList.appendChild(el("p", { class: "error-detail", text: `Could not load the documents: ${err.message}` }));
    return;
  }
  clear(ui.docList);
  const wanted = new Set(initial || []);
  for (const doc of state.documents) {
    const box = el("input", { attrs: { type: "checkbox", name: "documents", value: doc.id, id: `doc-${doc.id}` } });
    box.checked = wanted.has(doc.id);
    box.addEventListener("change", () => {
      updateDocSummary();
      persistSettings();
    });
    const extra = [doc.author, doc.kind].filter(Boolean).join(", ");
    ui.docList.appendChild(el("div", { class: "doc-option" }, [
      box,
      el("label", { attrs: { for: `doc-${doc.id}` } }, [
        doc.title,
        extra ? el("span", { class: "muted", text: ` (${extra})` }) : null,
      ]),
    ]));
  }
  if (!state.documents.length) ui.docList.appendChild(el("p", { class: "muted", text: "The corpus is empty." }));
  updateDocSummary();
  // titles in "in …" labels were ids until now
  if (state.exchanges.some((ex) => ex.documents && ex.documents.length)) renderAll();
}

// ---------------------------------------------------------------- adding a document

const JOB_STEPS = {
  queued: "waiting for the indexer",
  reading: "reading the documents",
  embedding: "embedding the new passages",
  indexing: "building the search indexes",
  publishing: "publishing the new index",
  loading: "loading the new index",
};

async function setUpUpload() {
  let policy;
  try {
    policy = await uploadsAllowed();
  } catch {
    return; // an older server: no upload control
  }
  if (!policy.enabled) return;
  ui.upload.hidden = false;
  ui.uploadFile.setAttribute("accept", policy.suffixes.join(","));
  const megabytes = Math.floor(policy.max_bytes / (1024 * 1024));
  ui.uploadHelp.textContent = `PDF, web page, Word or EPUB file, or plain text, up to ${megabytes} MB. It is indexed on the server; its passages are cited with their pages.`;
  ui.uploadToken.value = sessionStorage.getItem("verbatim.adminToken") || "";
}

function uploadStatus(text, isError = false) {
  ui.uploadStatus.textContent = text;
  ui.uploadStatus.classList.toggle("error-detail", isError);
}

async function followJob(job, token) {
  for (;;) {
    if (job.state === "done") return job;
    if (job.state === "failed") throw new ApiError(job.error || "the indexing job failed", { status: job.error_status || 0 });
    const step = JOB_STEPS[job.state === "queued" ? "queued" : job.step] || "working";
    const count = job.step === "embedding" && job.total ? ` (${job.done} of ${job.total})` : "";
    uploadStatus(`Indexing ${job.file_name || "the file"}: ${step}${count}…`);
    if (job.step === "embedding" && job.total) ui.uploadProgress.value = job.done / job.total;
    else ui.uploadProgress.removeAttribute("value");
    await new Promise((done) => setTimeout(done, 500));
    job = await getJob(job.id, token);
  }
}

async function sendUpload() {
  const file = ui.uploadFile.files && ui.uploadFile.files[0];
  const token = ui.uploadToken.value.trim();
  if (!file) return uploadStatus("Choose a file first.", true);
  if (!token) return uploadStatus("Enter the admin token (VERBATIM_ADMIN_TOKEN of this server).", true);
  sessionStorage.setItem("verbatim.adminToken", token);
  ui.uploadSend.disabled = true;
  ui.uploadProgress.hidden = false;
  ui.uploadProgress.value = 0;
  uploadStatus(`Uploading ${file.name}…`);
  try {
    const job = await uploadDocument(file, token, (fraction) => {
      ui.uploadProgress.value = fraction;
    });
    const done = await followJob(job, token);
    forgetDocuments();
    await loadDocumentFilter(selectedDocuments());
    const doc = state.documents.find((d) => d.id === done.document_id);
    uploadStatus(`Added “${doc ? doc.title : done.document_id}” (id ${done.document_id}); index ${done.index_version} is serving.`);
    announce(`Document added: ${doc ? doc.title : done.document_id}.`);
    ui.uploadFile.value = "";
  } catch (err) {
    uploadStatus(`Not added: ${err.message}`, true);
  } finally {
    ui.uploadSend.disabled = false;
    ui.uploadProgress.hidden = true;
  }
}

// ---------------------------------------------------------------- reader

function isOverlay() {
  return OVERLAY_QUERY.matches;
}

function scrollToMark() {
  const mark = $("reader-mark");
  if (!mark) return;
  const body = ui.readerBody;
  const top = mark.offsetTop - Math.max(24, body.clientHeight / 4);
  body.scrollTop = Math.max(0, top);
}

function setReaderModal(open) {
  const modal = open && isOverlay();
  ui.conversation.inert = modal;
  document.querySelector(".site-header").inert = modal;
  document.body.classList.toggle("reader-overlay-open", modal);
  if (modal) {
    ui.reader.setAttribute("role", "dialog");
    ui.reader.setAttribute("aria-modal", "true");
  } else {
    ui.reader.removeAttribute("role");
    ui.reader.removeAttribute("aria-modal");
  }
}

async function openReader({ docId, start, end, title, url, opener }) {
  const token = ++state.readerToken;
  state.readerOpener = opener || null;
  ui.reader.hidden = false;
  ui.layout.classList.add("reader-open");
  setReaderModal(true);
  ui.readerTitle.textContent = title || docId;
  ui.readerMeta.textContent = "Loading the document…";
  ui.readerJump.hidden = true;
  clear(ui.readerText);
  ui.reader.setAttribute("aria-busy", "true");
  ui.readerTitle.focus();
  if (url) history.replaceState(null, "", url);

  let doc;
  try {
    doc = await getDocument(docId);
  } catch (err) {
    if (token !== state.readerToken) return;
    ui.reader.setAttribute("aria-busy", "false");
    ui.readerMeta.textContent = "";
    ui.readerText.appendChild(el("p", { class: "error-detail", text: `Could not open the document: ${err.message}` }));
    return;
  }
  if (token !== state.readerToken) return;
  ui.reader.setAttribute("aria-busy", "false");
  const text = typeof doc.text === "string" ? doc.text : "";
  ui.readerTitle.textContent = doc.title || docId;

  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start < end && end <= text.length)) {
    ui.readerMeta.textContent = "";
    ui.readerText.appendChild(el("p", {
      class: "error-detail",
      text: `The link's span (${start}–${end}) is outside this document (${text.length} characters); showing the whole text.`,
    }));
    append(ui.readerText, textWithPageBreaks(text, 0, text.length, doc.page_breaks));
    return;
  }

  const lineStart = text.slice(0, start).split("\n").length;
  const lineEnd = text.slice(0, end - 1).split("\n").length;
  const byline = [doc.author, doc.kind].filter(Boolean).join(", ");
  const pages = Array.isArray(doc.page_breaks) ? doc.page_breaks : [];
  const pageAt = (offset) => pages.find((p) => p.start <= offset && offset < p.end) || null;
  const first = pageAt(start);
  const last = pageAt(end - 1);
  ui.readerMeta.textContent = [
    byline,
    first ? pageLabel({ page: first.number, page_label: first.label, page_end: last ? last.number : null,
      page_end_label: last ? last.label : null }) : "",
    linesLabel({ line_start: lineStart, line_end: lineEnd }),
    offsetsLabel({ start, end }),
  ].filter(Boolean).join(" · ");

  const breaks = Array.isArray(doc.page_breaks) ? doc.page_breaks : [];
  append(ui.readerText, [
    textWithPageBreaks(text, 0, start, breaks),
    el("mark", {
      class: "cited",
      attrs: { id: "reader-mark" },
      dataset: { start, end, doc: docId },
    }, textWithPageBreaks(text, start, end, breaks)),
    textWithPageBreaks(text, end, text.length, breaks),
  ]);
  ui.readerJump.hidden = false;
  scrollToMark();
}

function closeReader() {
  if (ui.reader.hidden) return;
  state.readerToken += 1;
  ui.reader.hidden = true;
  ui.layout.classList.remove("reader-open");
  setReaderModal(false);
  clear(ui.readerText);
  const params = new URLSearchParams(window.location.search);
  if (params.has("doc")) history.replaceState(null, "", "/");
  const opener = state.readerOpener;
  state.readerOpener = null;
  if (opener && opener.isConnected) opener.focus();
  else ui.question.focus();
}

// ---------------------------------------------------------------- wiring

function wire() {
  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  ui.question.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      submit();
    }
  });
  ui.question.addEventListener("input", () => showFormMessage(""));
  ui.k.addEventListener("change", persistSettings);
  for (const radio of [ui.modeAsk, ui.modeVerify]) {
    radio.addEventListener("change", () => {
      setMode(currentMode());
      persistSettings();
    });
  }
  ui.newTopic.addEventListener("click", () => {
    state.topic += 1;
    persistSettings();
    announce("New topic: your next question will be read on its own.");
    ui.question.focus();
  });
  ui.docClear.addEventListener("click", () => {
    for (const box of ui.docList.querySelectorAll("input[type=checkbox]")) box.checked = false;
    updateDocSummary();
    persistSettings();
  });
  ui.clear.addEventListener("click", () => {
    state.generation += 1;
    state.exchanges = [];
    state.topic = 0;
    clearConversation();
    persistSettings();
    renderAll();
    setBusy(false);
    announce("Conversation cleared.");
    ui.question.focus();
  });
  ui.uploadSend.addEventListener("click", sendUpload);
  ui.readerClose.addEventListener("click", closeReader);
  ui.readerJump.addEventListener("click", scrollToMark);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !ui.reader.hidden) {
      event.preventDefault();
      closeReader();
    }
  });
  OVERLAY_QUERY.addEventListener("change", () => setReaderModal(!ui.reader.hidden));
}

function start() {
  const settings = loadSettings();
  const params = new URLSearchParams(window.location.search);

  let k = Number.parseInt(params.get("k") || "", 10);
  if (!(Number.isInteger(k) && k >= 1 && k <= 50)) {
    k = K_CHOICES.includes(settings.k) || (Number.isInteger(settings.k) && settings.k >= 1 && settings.k <= 50)
      ? settings.k
      : DEFAULT_K;
  }
  setK(k);
  setMode(settings.mode === "verify" ? "verify" : "ask");
  const urlDocs = params.getAll("documents").filter(Boolean);
  const initialDocs = urlDocs.length ? urlDocs : Array.isArray(settings.documents) ? settings.documents : [];

  wire();
  renderAll();
  loadDocumentFilter(initialDocs);
  setUpUpload();

  const q = params.get("q");
  const quote = params.get("quote");
  if (q && q.trim()) {
    history.replaceState(null, "", "/"); // a reload should not ask again
    runQuestion(q.trim(), k, urlDocs);
  } else if (quote && quote.trim()) {
    history.replaceState(null, "", "/");
    runQuestion(quote.trim(), k, urlDocs, "quote");
  }

  const docId = params.get("doc");
  if (docId) {
    const s = Number.parseInt(params.get("start") || "", 10);
    const e = Number.parseInt(params.get("end") || "", 10);
    openReader({ docId, start: s, end: e, title: docId, opener: null });
  } else if (!q && !quote && state.exchanges.length) {
    const last = $(`ex-${state.exchanges[state.exchanges.length - 1].id}`);
    if (last) last.scrollIntoView({ block: "start" });
  }
}

start();
