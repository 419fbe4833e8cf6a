// Labels and citation strings built from a passage's fields. Nothing here invents content.

export function linesLabel(c) {
  if (!c) return "";
  return c.line_start === c.line_end ? `line ${c.line_start}` : `lines ${c.line_start}–${c.line_end}`;
}

function onePage(number, label) {
  return label && label !== String(number) ? `${number} (“${label}”)` : `${number}`;
}

/** "p. 4", "pp. 4–5", or with a PDF's own page labels "p. 12 (“x”)". */
export function pageLabel(c) {
  if (!c || c.page === null || c.page === undefined) return "";
  const first = onePage(c.page, c.page_label);
  if (c.page_end !== null && c.page_end !== undefined && c.page_end !== c.page) {
    return `pp. ${first}–${onePage(c.page_end, c.page_end_label)}`;
  }
  return `p. ${first}`;
}

export function offsetsLabel(c) {
  return `characters ${c.start}–${c.end}`;
}

export function absoluteUrl(path) {
  try {
    return new URL(path, window.location.origin).href;
  } catch {
    return path;
  }
}

/** A plain-text citation: title, section / source, lines, page, offsets, then the quoted text. */
export function plainCitation(p) {
  const c = p.citation;
  const parts = [p.document.title];
  if (c.section) parts.push(c.section);
  if (c.source_attribution) parts.push(`quoting ${c.source_attribution}`);
  parts.push(linesLabel(c));
  const page = pageLabel(c);
  if (page) parts.push(page);
  parts.push(`${offsetsLabel(c)} of document “${p.document.id}”`);
  return `${parts.join(", ")}.\n\n“${p.text}”\n\n${absoluteUrl(p.url)}\n`;
}

/** The same citation as JSON, exactly the fields the API returned. */
export function jsonCitation(p) {
  return JSON.stringify(
    {
      document: p.document,
      citation: p.citation,
      text: p.text,
      url: absoluteUrl(p.url),
    },
    null,
    2,
  );
}

/** Copy text; falls back to a hidden textarea where the async clipboard API is unavailable. */
export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      /* fall through */
    }
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "offscreen";
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}
