// Verbatim's page: a transcript of questions, each answered with the corpus's own passages.
// Corpus text is only ever inserted as text nodes (see dom.js); nothing here is generated prose.

import { ApiError, ask, getDocument, listDocuments } from "./api.js";
import { copyText, jsonCitation, linesLabel, offsetsLabel, pageLabel, plainCitation } from "./citation.js";
import { append, clear, el, fillMarked } from "./dom.js";
import { clearConversation, loadConversation, loadSettings, saveConversation, saveSettings } from "./store.js";

const K_CHOICES = [3, 5, 10, 20, 50];
const DEFAULT_K = 5;
const OVERLAY_QUERY = window.matchMedia("(max-width: 51.99rem)");

const $ = (id) => document.getElementById(id);
const ui = {
  form: $("ask-form"),
  question: $("question"),
  k: $("k"),
  send: $("send"),
  clear: $("clear"),
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
};

const state = {
  exchanges: loadConversation(),
  busy: false,
  generation: 0, // bumped by "clear" so late answers to cleared questions are dropped
  documents: [], // from /v1/documents
  readerToken: 0,
  readerOpener: null,
};

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
  saveSettings({ k: currentK(), documents: selectedDocuments() });
}

// ---------------------------------------------------------------- cards

function citationLine(p) {
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
    el("span", { class: "cite-item cite-score", attrs: { title: "Retrieval score" } }, [
      el("span", { class: "cite-label", text: "score " }),
      typeof p.score === "number" ? p.score.toFixed(4) : String(p.score),
    ]),
  ].filter(Boolean);
  items.forEach((item, i) => {
    numbers.appendChild(item);
    if (i < items.length - 1) numbers.appendChild(document.createTextNode(" "));
  });
  return el("div", { class: "card-cite" }, [...where, numbers]);
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

function passageCard(p, exchangeId) {
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
      citationLine(p),
      quote,
      el("div", { class: "card-actions" }, [view, copy, copyJson, link]),
    ]),
  ]);
}

function passageList(passages, exchangeId) {
  return el("ol", { class: "passages" }, passages.map((p) => passageCard(p, exchangeId)));
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
  const r = ex.response;
  const passages = Array.isArray(r.passages) ? r.passages : [];
  const took = typeof r.took_ms === "number" ? ` · ${r.took_ms} ms` : "";
  if (!r.supported) {
    return el("div", { class: "unsupported" }, [
      el("p", { class: "unsupported-text", text: "The corpus does not support an answer to this question." }),
      passages.length
        ? el("details", { class: "nearest" }, [
          el("summary", { text: `Show the ${plural(passages.length, "nearest passage", "nearest passages")} anyway` }),
          el("p", { class: "nearest-note", text: "These are the closest passages; none of them answers the question." }),
          passageList(passages, ex.id),
        ])
        : null,
    ]);
  }
  if (!passages.length) return el("p", { class: "answer-meta", text: "No passages matched." });
  return el("div", { class: "answer-body" }, [
    el("p", { class: "answer-meta", text: `${plural(passages.length, "passage", "passages")} from the corpus${took}` }),
    passageList(passages, ex.id),
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
      el("p", { class: "question-label", attrs: { "aria-hidden": "true" }, text: "You asked" }),
      el("h3", { class: "question-text", attrs: { id: qid } }, [
        el("span", { class: "visually-hidden", text: "Question: " }),
        ex.question,
      ]),
      el("p", { class: "question-meta" }, [
        `up to ${plural(ex.k, "passage", "passages")} ${filter} · `,
        el("a", {
          class: "share-link",
          attrs: { href: shareHref(ex.question, ex.k, ex.documents), "aria-label": "Link to this question (runs it again)" },
          text: "Link to this question",
        }),
      ]),
    ]),
    el("div", { class: "answer" }, [answerBody(ex)]),
  ]);
}

function renderExchange(ex) {
  const node = exchangeNode(ex);
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
  ui.send.textContent = busy ? "Searching…" : "Ask";
  ui.form.setAttribute("aria-busy", String(busy));
  ui.transcript.setAttribute("aria-busy", String(busy));
}

function showFormMessage(text) {
  ui.formMessage.textContent = text;
  ui.formMessage.hidden = !text;
}

async function runQuestion(question, k, documents) {
  if (state.busy) return;
  const ex = { id: newId(), question, k, documents: documents || [], status: "pending", askedAt: new Date().toISOString() };
  const generation = state.generation;
  state.exchanges.push(ex);
  const node = renderExchange(ex);
  node.scrollIntoView({ block: "start" });
  setBusy(true);
  announce("Searching the corpus…");
  try {
    ex.response = await ask(question, k, ex.documents);
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
  showFormMessage("");
  ui.question.value = "";
  runQuestion(question.trim(), currentK(), selectedDocuments());
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
    ui.readerText.appendChild(document.createTextNode(text));
    return;
  }

  const lineStart = text.slice(0, start).split("\n").length;
  const lineEnd = text.slice(0, end - 1).split("\n").length;
  const byline = [doc.author, doc.kind].filter(Boolean).join(", ");
  ui.readerMeta.textContent = [
    byline,
    linesLabel({ line_start: lineStart, line_end: lineEnd }),
    offsetsLabel({ start, end }),
  ].filter(Boolean).join(" · ");

  append(ui.readerText, [
    text.slice(0, start),
    el("mark", {
      class: "cited",
      attrs: { id: "reader-mark" },
      dataset: { start, end, doc: docId },
      text: text.slice(start, end),
    }),
    text.slice(end),
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
  ui.docClear.addEventListener("click", () => {
    for (const box of ui.docList.querySelectorAll("input[type=checkbox]")) box.checked = false;
    updateDocSummary();
    persistSettings();
  });
  ui.clear.addEventListener("click", () => {
    state.generation += 1;
    state.exchanges = [];
    clearConversation();
    renderAll();
    setBusy(false);
    announce("Conversation cleared.");
    ui.question.focus();
  });
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
  const urlDocs = params.getAll("documents").filter(Boolean);
  const initialDocs = urlDocs.length ? urlDocs : Array.isArray(settings.documents) ? settings.documents : [];

  wire();
  renderAll();
  loadDocumentFilter(initialDocs);

  const q = params.get("q");
  if (q && q.trim()) {
    history.replaceState(null, "", "/"); // a reload should not ask again
    runQuestion(q.trim(), k, urlDocs);
  }

  const docId = params.get("doc");
  if (docId) {
    const s = Number.parseInt(params.get("start") || "", 10);
    const e = Number.parseInt(params.get("end") || "", 10);
    openReader({ docId, start: s, end: e, title: docId, opener: null });
  } else if (!q && state.exchanges.length) {
    const last = $(`ex-${state.exchanges[state.exchanges.length - 1].id}`);
    if (last) last.scrollIntoView({ block: "start" });
  }
}

start();
