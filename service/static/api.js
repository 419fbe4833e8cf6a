// The API calls the page makes, with errors turned into readable messages.

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

/** Forget the cached documents (after an upload or a removal changed the index). */
export function forgetDocuments() {
  documentCache.clear();
}

/** Whether this server takes uploads, its size limit and formats. */
export function uploadsAllowed() {
  return request("/v1/uploads");
}

export function getJob(id, token) {
  return request(`/v1/jobs/${encodeURIComponent(id)}`, { headers: { Accept: "application/json", Authorization: `Bearer ${token}` } });
}

/**
 * Upload a file (multipart, field `file`) with the admin token; `onProgress(fraction)` while it is sent.
 * Resolves with the indexing job; rejects with an ApiError carrying the server's message.
 */
export function uploadDocument(file, token, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/v1/documents");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable && onProgress) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("error", () => reject(new ApiError("Could not reach the service (network error).")));
    xhr.addEventListener("load", () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300 && body) resolve(body);
      else {
        const detail = body && typeof body.detail === "string" ? body.detail : `the server answered ${xhr.status}`;
        reject(new ApiError(detail, { status: xhr.status, code: body && body.error, requestId: body && body.request_id }));
      }
    });
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
}
