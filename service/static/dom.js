// Small DOM helpers. Every string becomes a text node: corpus text never goes through innerHTML.

/**
 * el("p", {class: "x", dataset: {rank: 1}, attrs: {"aria-label": "y"}, on: {click: fn}}, ["text", child])
 */
export function el(tag, options = {}, children = []) {
  const node = document.createElement(tag);
  const { class: cls, dataset, attrs, on, text } = options;
  if (cls) node.className = cls;
  if (dataset) for (const [k, v] of Object.entries(dataset)) node.dataset[k] = String(v);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === false || v === null || v === undefined) continue;
      node.setAttribute(k, v === true ? "" : String(v));
    }
  }
  if (on) for (const [k, fn] of Object.entries(on)) node.addEventListener(k, fn);
  if (text !== undefined && text !== null) node.textContent = String(text);
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(typeof child === "string" || typeof child === "number"
      ? document.createTextNode(String(child))
      : child);
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

/**
 * Spans relative to `text`: clamp to [0, text.length], drop empty ones, sort and merge overlaps.
 */
export function normaliseSpans(spans, length) {
  const out = [];
  const sorted = spans
    .map(([s, e]) => [Math.max(0, Math.min(length, s)), Math.max(0, Math.min(length, e))])
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/**
 * Fill `container` with `text`, wrapping each span [start, end) (relative offsets) in <mark>.
 */
export function fillMarked(container, text, spans, markClass = "hl") {
  let at = 0;
  for (const [s, e] of normaliseSpans(spans, text.length)) {
    if (s > at) container.appendChild(document.createTextNode(text.slice(at, s)));
    container.appendChild(el("mark", { class: markClass, dataset: { start: s, end: e }, text: text.slice(s, e) }));
    at = e;
  }
  if (at < text.length) container.appendChild(document.createTextNode(text.slice(at)));
  return container;
}

/**
 * The nodes for text[from:to]: text nodes, with an empty marker at each page start in [from, to).
 * The marker's label is drawn by CSS from its data attribute, so selecting and copying the text
 * gives the document's characters only.
 */
export function textWithPageBreaks(text, from, to, breaks) {
  const nodes = [];
  let at = from;
  for (const page of breaks || []) {
    if (page.start < from || page.start >= to) continue;
    if (page.start > at) nodes.push(document.createTextNode(text.slice(at, page.start)));
    nodes.push(pageBreak(page));
    at = page.start;
  }
  if (to > at) nodes.push(document.createTextNode(text.slice(at, to)));
  return nodes;
}

export function pageBreak(page) {
  const label = page.label && page.label !== String(page.number) ? `page ${page.number} (“${page.label}”)` : `page ${page.number}`;
  return el("span", {
    class: "page-break",
    dataset: { page: page.number, label },
    attrs: { role: "separator", "aria-label": label },
  });
}
