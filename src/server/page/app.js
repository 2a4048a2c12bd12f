// sockai playground: a chat, a live event log and an event composer, over the page's own
// Socket.IO client (socket.js). No dependencies, no build step.
import { Socket, show, showArgs } from "./socket.js";

const $ = (id) => document.getElementById(id);
const MAX_LOG_ROWS = 1000;

// ---- Rendering: whatever arrives is queued and drawn once per animation frame ----

let frameAsked = false;
const logQueue = [];
let stream = null; // the chat answer being streamed: { item, text, pending, id, ... }

function draw() {
  if (frameAsked) return;
  frameAsked = true;
  requestAnimationFrame(flush);
}

function flush() {
  frameAsked = false;
  if (stream && stream.pending) {
    const messages = $("messages");
    const stick = atBottom(messages);
    stream.text.appendData(stream.pending);
    stream.pending = "";
    if (stream.firstDrawn === undefined) stream.firstDrawn = performance.now();
    if (stick) messages.scrollTop = messages.scrollHeight;
  }
  if (logQueue.length) {
    const log = $("log");
    const stick = atBottom(log);
    const rows = document.createDocumentFragment();
    for (const entry of logQueue.splice(0, logQueue.length).slice(-MAX_LOG_ROWS)) {
      rows.appendChild(logRow(entry));
    }
    log.appendChild(rows);
    while (log.childElementCount > MAX_LOG_ROWS) log.firstElementChild.remove();
    $("log-count").textContent = "(" + log.childElementCount + ")";
    if (stick) log.scrollTop = log.scrollHeight;
  }
}

const atBottom = (el) => el.scrollHeight - el.scrollTop - el.clientHeight < 40;

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

const clock = () => new Date().toISOString().slice(11, 23);

function logRow(entry) {
  const li = el("li", entry.dir + (entry.cls ? " " + entry.cls : ""));
  li.append(el("span", "t", entry.time), el("span", "d", { in: "↓", out: "↑", sys: "•" }[entry.dir]),
    el("span", "ns", entry.nsp), el("span", "n", entry.name), el("span", "a", entry.text));
  return li;
}

function log(dir, nsp, name, text, cls) {
  logQueue.push({ time: clock(), dir, nsp, name, text, cls });
  draw();
}

// ---- The page ----

const socket = new Socket({
  onState(state, detail) {
    const badge = $("state");
    badge.dataset.state = state;
    badge.textContent = state;
    badge.title = detail;
    $("sid").textContent = socket.sid || "–";
    $("transport").textContent = state === "connected" ? "websocket" : "–";
    $("connection").textContent = socket.wanted ? "Disconnect" : "Connect";
    log("sys", "/", state, (state === "connected" ? "socket id " + socket.sid : detail),
      state === "connected" || state === "connecting" ? "" : "bad");
    if (state !== "connected" && chat.current) endAnswer({ code: "disconnected", message: detail || state });
    chat.buttons();
  },
  onEvent(dir, nsp, name, args, id) {
    const cls = name === "ai-message-chunk" ? "chunk" : /error/.test(name) ? "bad" : "";
    log(dir, nsp, name + (id === null || id === undefined ? "" : " #" + id), showArgs(args), cls);
    if (dir === "in") received(name, args);
  },
  onAck(id, args, ms) {
    log("in", "/", "ack #" + id + " · " + ms.toFixed(1) + " ms", showArgs(args), "ack");
  },
  onLog(name, text) { log("sys", "/", name, text); },
});

// The chat: one answer at a time, finished by its ai-message acknowledgement.
const chat = {
  current: null,
  buttons() {
    const busy = Boolean(this.current);
    $("send").disabled = busy || !socket.sid;
    $("stop").disabled = !busy || this.current.stopping;
  },
};

function say(cls, text, meta) {
  const messages = $("messages");
  const empty = messages.querySelector(".empty");
  if (empty) empty.remove();
  const li = el("li", cls);
  const bubble = el("div", "bubble", text);
  li.append(bubble);
  if (meta !== undefined) li.append(el("div", "meta", meta));
  messages.append(li);
  messages.scrollTop = messages.scrollHeight;
  return li;
}

function ask(prompt) {
  if (chat.current || !prompt.trim()) return false;
  say("user", prompt);
  const item = say("bot streaming", "", "answering… Esc stops");
  const text = document.createTextNode("");
  item.firstChild.append(text);
  const started = performance.now();
  chat.current = { item, text, pending: "", id: null, started };
  const id = socket.emit("ai-message", [{ prompt }], (args, failure) => {
    if (failure) return endAnswer({ code: "no_answer", message: failure });
    const answer = args[0] || {};
    if (typeof answer.response === "string") endAnswer(null, answer);
    else endAnswer(answer);
  });
  if (id === false) {
    endAnswer({ code: "disconnected", message: "not connected" });
    return true;
  }
  chat.buttons();
  return true;
}

function endAnswer(error, answer) {
  const current = chat.current;
  if (!current) return;
  chat.current = null;
  current.pending = "";
  const ms = Math.round(performance.now() - current.started);
  const item = current.item;
  item.classList.remove("streaming");
  const meta = item.querySelector(".meta");
  if (error) {
    item.classList.add("failed");
    item.append(el("div", "error-text", (error.code || "error") + ": " + (error.message || show(error))));
    meta.textContent = ms + " ms";
  } else {
    // The response is the whole text: it replaces the chunks (the same text when streamed).
    current.text.data = answer.response;
    if (!answer.response) item.firstChild.append(el("span", "blank", "(no text)"));
    const reason = answer.finish_reason || "";
    meta.textContent = ms + " ms" + (answer.usage ? " · " + answer.usage.completion_tokens + " tokens" : "");
    if (reason) {
      const badge = el("span", "badge", reason);
      meta.append(" ", badge);
      if (reason === "cancelled") item.classList.add("cancelled");
    }
  }
  item.dataset.done = error ? "error" : answer.finish_reason || "done";
  chat.buttons();
}

function received(name, args) {
  const data = args[0] || {};
  if (name === "ai-message-chunk" && chat.current && typeof data.delta === "string") {
    const current = chat.current;
    if (current.id === null) current.id = data.id;
    if (current.id !== data.id) return;
    if (current.firstChunk === undefined) current.firstChunk = performance.now();
    current.pending += data.delta;
    draw();
  } else if (name === "server-error") {
    say("notice", "", "").firstChild.replaceWith(
      el("div", "error-text", "server-error " + (data.code || "") + ": " + (data.message || show(data))));
  }
}

function stop() {
  const current = chat.current;
  if (!current || current.stopping) return;
  current.stopping = true;
  const args = current.id ? [{ id: current.id }] : [];
  socket.emit("ai-cancel", args, () => {});
  chat.buttons();
}

function newConversation() {
  stop();
  socket.emit("ai-reset", [], (args) => {
    const cleared = args && args[0] && args[0].cleared;
    const messages = $("messages");
    messages.textContent = "";
    messages.append(el("li", "empty", "New conversation" +
      (typeof cleared === "number" ? ": the server forgot " + cleared + " exchange" + (cleared === 1 ? "" : "s") : "")));
  });
}

// The composer: any event, any number of JSON arguments, with or without an ack.
function addArg(value) {
  const li = el("li");
  const area = el("textarea");
  area.rows = 2;
  area.spellcheck = false;
  area.value = value;
  area.setAttribute("aria-label", "argument (JSON)");
  const remove = el("button", "", "×");
  remove.type = "button";
  remove.title = "Remove this argument";
  remove.setAttribute("aria-label", "remove this argument");
  remove.onclick = () => { li.remove(); $("event").focus(); };
  li.append(area, remove);
  $("args").append(li);
  return area;
}

function emitFromComposer() {
  const note = $("composer-note");
  const event = $("event").value.trim();
  note.className = "note error";
  if (!event) { note.textContent = "an event needs a name"; return; }
  const args = [];
  for (const area of $("args").querySelectorAll("textarea")) {
    area.classList.remove("bad");
    if (!area.value.trim()) continue;
    try {
      args.push(JSON.parse(area.value));
    } catch (e) {
      area.classList.add("bad");
      area.focus();
      note.textContent = "argument " + (args.length + 1) + " is not JSON: " + e.message;
      return;
    }
  }
  const withAck = $("want-ack").checked;
  const id = socket.emit(event, args, withAck ? (reply, failure, ms) => {
    note.className = "note" + (failure ? " error" : "");
    note.textContent = failure ? "ack #" + id + " " + failure
      : "ack #" + id + " in " + ms.toFixed(1) + " ms: " + showArgs(reply);
  } : null);
  if (id === false) { note.textContent = "not connected"; return; }
  note.className = "note";
  note.textContent = "sent " + event + (withAck ? " #" + id + ", waiting for its ack" : "");
}

// ---- Wiring ----

function start() {
  $("messages").append(el("li", "empty", "Type a prompt below: the answer streams in here."));
  addArg('{"prompt": "hello from the composer"}');
  $("ask").onsubmit = (e) => {
    e.preventDefault();
    if (ask($("prompt").value)) $("prompt").value = "";
  };
  $("prompt").onkeydown = (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $("ask").requestSubmit();
    }
  };
  $("stop").onclick = stop;
  $("reset").onclick = newConversation;
  $("composer").onsubmit = (e) => { e.preventDefault(); emitFromComposer(); };
  $("add-arg").onclick = () => addArg("").focus();
  $("clear-log").onclick = () => { $("log").textContent = ""; $("log-count").textContent = ""; };
  $("hide-chunks").onchange = (e) => $("log").classList.toggle("hide-chunks", e.target.checked);
  $("connection").onclick = () => (socket.wanted ? socket.close() : socket.open($("token").value));
  $("conn").onsubmit = (e) => {
    e.preventDefault();
    socket.close();
    socket.open($("token").value);
  };
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && chat.current) { e.preventDefault(); stop(); return; }
    if (e.ctrlKey && e.key === "Enter" && e.target.closest("#composer")) {
      e.preventDefault();
      emitFromComposer();
      return;
    }
    if (!e.altKey || e.ctrlKey || e.metaKey) return;
    const key = e.key.toLowerCase();
    const action = { n: newConversation, p: () => $("prompt").focus(), e: () => $("event").focus() }[key];
    if (action) { e.preventDefault(); action(); }
  });
  fetch("/", { headers: { Accept: "application/json" } })
    .then((r) => r.json())
    .then((info) => {
      $("server").textContent = info.name + " " + info.version + " · provider " + info.provider + " · model " + info.model;
    })
    .catch(() => { $("server").textContent = ""; });
  socket.open("");
}

start();
