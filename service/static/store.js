// The conversation and the reader's settings, kept in localStorage so they survive a reload.

const CONVERSATION_KEY = "verbatim.conversation.v1";
const SETTINGS_KEY = "verbatim.settings.v1";
const MAX_EXCHANGES = 50;

function read(key, fallback) {
  try {
    const raw = window.localStorage.getItem(key);
    return raw === null ? fallback : JSON.parse(raw);
  } catch {
    return fallback;
  }
}

function write(key, value) {
  try {
    window.localStorage.setItem(key, JSON.stringify(value));
    return true;
  } catch {
    return false; // storage full or disabled: the page still works, it just forgets
  }
}

function isExchange(x) {
  return (
    x && typeof x === "object" && typeof x.id === "string" && typeof x.question === "string" &&
    (x.status === "done" || x.status === "error")
  );
}

export function loadConversation() {
  const list = read(CONVERSATION_KEY, []);
  return Array.isArray(list) ? list.filter(isExchange) : [];
}

export function saveConversation(exchanges) {
  const finished = exchanges.filter(isExchange).slice(-MAX_EXCHANGES);
  if (!write(CONVERSATION_KEY, finished)) {
    // too big: keep the newest half
    write(CONVERSATION_KEY, finished.slice(-Math.ceil(finished.length / 2)));
  }
}

export function clearConversation() {
  try {
    window.localStorage.removeItem(CONVERSATION_KEY);
  } catch {
    /* ignore */
  }
}

export function loadSettings() {
  const s = read(SETTINGS_KEY, {});
  return s && typeof s === "object" ? s : {};
}

export function saveSettings(settings) {
  write(SETTINGS_KEY, settings);
}
