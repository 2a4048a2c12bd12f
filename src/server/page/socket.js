// sockai playground: a small Socket.IO v5 client (Engine.IO v4 over a WebSocket to this
// server) and values shown as the REPL shows them. A module of the page's own: no dependencies.

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

export function show(v) {
  if (isBinary(v)) return describeBinary(v.$binary);
  if (Array.isArray(v)) return "[" + v.map(show).join(",") + "]";
  if (v !== null && typeof v === "object") {
    return "{" + Object.keys(v).map((k) => JSON.stringify(k) + ":" + show(v[k])).join(",") + "}";
  }
  return v === undefined ? "undefined" : JSON.stringify(v);
}

export const showArgs = (args) => args.map(show).join(" ");

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

export class Socket {
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

