// The two API calls the page makes, with errors turned into readable messages.

export class ApiError extends Error {
  constructor(message, { status = 0, code = "", requestId = null } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }
}

async function request(path, init) {
  let response;
  try {
    response = await fetch(path, { headers: { Accept: "application/json" }, ...init });
  } catch (err) {
    throw new ApiError(`Could not reach the service (${err && err.message ? err.message : "network error"}).`);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    const detail = body && typeof body.detail === "string" ? body.detail : `the server answered ${response.status}`;
    throw new ApiError(detail, {
      status: response.status,
      code: body && typeof body.error === "string" ? body.error : "",
      requestId: (body && body.request_id) || response.headers.get("x-request-id"),
    });
  }
  if (body === null) throw new ApiError("The server's answer was not JSON.", { status: response.status });
  return body;
}

export function ask(question, k, documents, history) {
  const payload = { question, k };
  if (documents && documents.length) payload.documents = documents;
  if (history && history.length) payload.history = history;
  return request("/v1/ask", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(payload),
  });
}

export function verify(quote, documents) {
  const payload = { quote };
  if (documents && documents.length) payload.documents = documents;
  return request("/v1/verify", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(payload),
  });
}

export function listDocuments() {
  return request("/v1/documents");
}

const documentCache = new Map();

/** The whole document, fetched once per page and cached (a failed fetch is not cached). */
export function getDocument(id) {
  if (!documentCache.has(id)) {
    const pending = request(`/v1/documents/${encodeURIComponent(id)}`).catch((err) => {
      documentCache.delete(id);
      throw err;
    });
    documentCache.set(id, pending);
  }
  return documentCache.get(id);
}
