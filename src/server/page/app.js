// sockai playground: a chat, a live event log and an event composer, over a small Socket.IO v5
// client of its own (Engine.IO v4, WebSocket transport). No dependencies, no build step.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const MAX_LOG_ROWS = 1000;
  const ACK_TIMEOUT_MS = 30000;

  // ---- Values as the REPL shows them: {"$binary": "<base64>"} is <binary 3 bytes: 01 02 03> ----

  const isBinary = (v) =>
    v !== null && typeof v === "object" && !Array.isArray(v) &&
    Object.keys(v).length === 1 && typeof v.$binary === "string";

  function toBase64(bytes) {
    let s = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(s);
  }

  function fromBase64(text) {
    const s = atob(text);
    const bytes = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
    return bytes;
  }

  function describeBinary(b64) {
    let bytes;
    try { bytes = fromBase64(b64); } catch { return "<binary: bad base64>"; }
    const count = bytes.length === 1 ? "1 byte" : bytes.length + " bytes";
    if (!bytes.length) return "<binary " + count + ">";
    const hex = Array.from(bytes.subarray(0, 16), (b) => b.toString(16).padStart(2, "0"));
    if (bytes.length > 16) hex.push("…");
    return "<binary " + count + ": " + hex.join(" ") + ">";
  }

  function show(v) {
    if (isBinary(v)) return describeBinary(v.$binary);
    if (Array.isArray(v)) return "[" + v.map(show).join(",") + "]";
    if (v !== null && typeof v === "object") {
      return "{" + Object.keys(v).map((k) => JSON.stringify(k) + ":" + show(v[k])).join(",") + "}";
    }
    return v === undefined ? "undefined" : JSON.stringify(v);
  }

  const showArgs = (args) => args.map(show).join(" ");

  // Attachments out: {"$binary"} -> placeholders; in: placeholders -> {"$binary"}.
  function deconstruct(value, buffers) {
    if (isBinary(value)) {
      buffers.push(fromBase64(value.$binary));
      return { _placeholder: true, num: buffers.length - 1 };
    }
    if (Array.isArray(value)) return value.map((v) => deconstruct(v, buffers));
    if (value !== null && typeof value === "object") {
      const out = {};
      for (const k of Object.keys(value)) out[k] = deconstruct(value[k], buffers);
      return out;
    }
    return value;
  }

  function reconstruct(value, buffers) {
    if (value !== null && typeof value === "object" && value._placeholder === true &&
        typeof value.num === "number") {
      const b = buffers[value.num];
      return b ? { $binary: toBase64(new Uint8Array(b)) } : value;
    }
    if (Array.isArray(value)) return value.map((v) => reconstruct(v, buffers));
    if (value !== null && typeof value === "object") {
      const out = {};
      for (const k of Object.keys(value)) out[k] = reconstruct(value[k], buffers);
      return out;
    }
    return value;
  }

  // ---- Socket.IO v5 over an Engine.IO v4 WebSocket ----

  // Decodes `<type>[<n>-][<namespace>,][<ack id>][JSON]` (the Engine.IO `4` already removed).
  function decodePacket(text) {
    const type = Number(text[0]);
    let i = 1, attachments = 0, nsp = "/", id = null;
    if (type === 5 || type === 6) {
      const dash = text.indexOf("-", i);
      attachments = Number(text.slice(i, dash));
      i = dash + 1;
    }
    if (text[i] === "/") {
      const comma = text.indexOf(",", i);
      nsp = comma < 0 ? text.slice(i) : text.slice(i, comma);
      i = comma < 0 ? text.length : comma + 1;
    }
    let digits = "";
    while (i < text.length && text[i] >= "0" && text[i] <= "9") digits += text[i++];
    if (digits) id = Number(digits);
    const data = i < text.length ? JSON.parse(text.slice(i)) : undefined;
    return { type, attachments, nsp, id, data };
  }

  class Socket {
    constructor(hooks) {
      this.hooks = hooks; // onState, onEvent, onAck, onLog
      this.ws = null;
      this.nextAck = 0;
      this.acks = new Map();
      this.wanted = false;
      this.retries = 0;
    }

    open(token) {
      this.wanted = true;
      this.token = token;
      clearTimeout(this.retryTimer);
      const scheme = location.protocol === "https:" ? "wss:" : "ws:";
      const url = scheme + "//" + location.host + "/socket.io/?EIO=4&transport=websocket";
      const ws = new WebSocket(url);
      ws.binaryType = "arraybuffer";
      this.ws = ws;
      this.pending = null;
      this.refused = false;
      this.hooks.onState("connecting", "");
      ws.onmessage = (m) => {
        try {
          this.received(m.data);
        } catch (e) {
          this.hooks.onLog("bad packet", e.message + ": " + String(m.data).slice(0, 200));
        }
      };
      ws.onclose = (e) => this.closed(ws, e.code === 1000 ? "closed" : "transport closed (" + e.code + ")");
    }

    close() {
      this.wanted = false;
      clearTimeout(this.retryTimer);
      if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send("41");
      if (this.ws) this.ws.close(1000);
    }

    send(frame) {
      if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
    }

    // Sends an event: returns its ack id, null without ack, or false when not connected.
    emit(event, args, onAck) {
      if (!this.sid) return false;
      const buffers = [];
      const data = deconstruct([event, ...args], buffers);
      let id = null;
      if (onAck) {
        id = this.nextAck++;
        const timer = setTimeout(() => {
          this.acks.delete(id);
          onAck(null, "timed out after " + ACK_TIMEOUT_MS / 1000 + " s");
        }, ACK_TIMEOUT_MS);
        this.acks.set(id, { onAck, timer, sent: performance.now() });
      }
      const head = buffers.length ? "45" + buffers.length + "-" : "42";
      this.send(head + (id === null ? "" : id) + JSON.stringify(data));
      for (const b of buffers) this.send(b);
      this.hooks.onEvent("out", "/", event, args, id);
      return id;
    }

    received(data) {
      if (typeof data !== "string") return this.attachment(data);
      this.heartbeat();
      switch (data[0]) {
        case "0": {
          const open = JSON.parse(data.slice(1));
          this.timeout = open.pingInterval + open.pingTimeout;
          this.hooks.onLog("open", "pingInterval " + open.pingInterval + " ms, pingTimeout " +
            open.pingTimeout + " ms, maxPayload " + open.maxPayload);
          this.send("40" + (this.token ? JSON.stringify({ token: this.token }) : ""));
          return this.heartbeat();
        }
        case "2": return this.send("3");
        case "1": return this.ws.close(1000);
        case "4": return this.packet(decodePacket(data.slice(1)));
        default: return undefined;
      }
    }

    packet(p) {
      if (p.attachments > 0) {
        this.pending = { p, buffers: [] };
        return;
      }
      this.deliver(p);
    }

    attachment(buffer) {
      const pending = this.pending;
      if (!pending) return;
      pending.buffers.push(buffer);
      if (pending.buffers.length === pending.p.attachments) {
        this.pending = null;
        pending.p.data = reconstruct(pending.p.data, pending.buffers);
        this.deliver(pending.p);
      }
    }

    deliver(p) {
      switch (p.type) {
        case 0:
          this.sid = p.data && p.data.sid;
          this.retries = 0;
          this.hooks.onState("connected", "");
          break;
        case 4:
          this.wanted = false;
          this.refused = true;
          this.hooks.onState("refused", (p.data && p.data.message) || show(p.data));
          break;
        case 1:
          this.sid = null;
          this.hooks.onState("disconnected", "the server disconnected this socket");
          break;
        case 2: case 5: {
          const args = Array.isArray(p.data) ? p.data : [];
          this.hooks.onEvent("in", p.nsp, String(args[0]), args.slice(1), p.id);
          break;
        }
        case 3: case 6: {
          const ack = this.acks.get(p.id);
          if (!ack) return;
          this.acks.delete(p.id);
          clearTimeout(ack.timer);
          const args = Array.isArray(p.data) ? p.data : [];
          const ms = performance.now() - ack.sent;
          this.hooks.onAck(p.id, args, ms);
          ack.onAck(args, null, ms);
          break;
        }
        default: break;
      }
    }

    heartbeat() {
      clearTimeout(this.pingTimer);
      if (!this.timeout || !this.ws) return;
      const ws = this.ws;
      this.pingTimer = setTimeout(() => this.closed(ws, "ping timeout"), this.timeout);
    }

    closed(ws, reason) {
      if (ws !== this.ws) return;
      clearTimeout(this.pingTimer);
      ws.onclose = ws.onmessage = null;
      if (ws.readyState <= WebSocket.OPEN) ws.close();
      this.ws = null;
      this.sid = null;
      for (const [, ack] of this.acks) {
        clearTimeout(ack.timer);
        ack.onAck(null, "disconnected");
      }
      this.acks.clear();
      if (!this.wanted) {
        if (!this.refused) this.hooks.onState("disconnected", reason);
        return;
      }
      // The official client's schedule: 1 s doubling up to 5 s, ±50 %.
      const delay = Math.min(5000, 1000 * 2 ** this.retries++) * (0.5 + Math.random());
      this.hooks.onState("disconnected", reason + "; reconnecting in " + (delay / 1000).toFixed(1) + " s");
      this.retryTimer = setTimeout(() => this.open(this.token), delay);
    }
  }

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
})();
