// A chat server on the official Node socket.io 4.x, for `sockai run`'s scenario tests.
//
//   node chat-server.mjs        (SIO_PORT: optional; SIO_V2=1: on socket.io 2.x instead)
//
// Listens on 127.0.0.1 with a free port and prints `listening on http://127.0.0.1:PORT`.
// Events:
//   join {room, name}      → joins the room; acks {ok: true, room, members: <count>}; the
//                            room's others get `joined` {room, name}
//   say {room, text}       → the room's others get `said` {room, from: <name>, text, id}; acks
//                            {ok: true, id} (id: "m-<n>", a server-made message id)
//   leave {room}           → leaves; acks {ok: true}
//   quiz                   → emits `question` "2+2?" (or CHAT_QUESTION) asking for an ack; the
//                            answer comes back as `answered` with its arguments
//   kick                   → the server disconnects the socket
//   meet {key}             → acked {met: key} once two sockets have asked to meet with the
//                            same key (proves two scenarios run at once)
// Namespace /private requires auth.token == "s3cret" (else "not authorized",
// data {reason: "bad token"}).
// REST (for the `http` step):
//   POST /login {user, password}  → 200 {ok: true, user, token} when password is "pw" (the
//                                   token is new each time), else 401 {ok: false, error}
//   GET  /me (Authorization: Bearer TOKEN) → 200 {user}, else 401 {ok: false, error}
//   GET  /big                     → 200 with a 5 MiB body
//   GET  /never                   → no answer at all
// Namespace /members requires auth.token to be a token /login gave (else "not authorized",
// data {reason: "unknown token"}); its sockets are named after the token's user.
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { Server } from "socket.io";
import peers from "./sio-handlers.cjs";

const tokens = new Map();

function rest(req, res) {
  const send = (status, body) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  if (req.method === "POST" && req.url === "/login") {
    let text = "";
    req.on("data", (chunk) => { text += chunk; });
    req.on("end", () => {
      let body = {};
      try { body = JSON.parse(text); } catch { return send(400, { ok: false, error: "not JSON" }); }
      if (body.password !== "pw") return send(401, { ok: false, error: "bad password" });
      const token = `t-${randomBytes(8).toString("hex")}`;
      tokens.set(token, String(body.user ?? ""));
      send(200, { ok: true, user: body.user ?? null, token });
    });
  } else if (req.method === "GET" && req.url === "/me") {
    const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
    if (!tokens.has(token)) return send(401, { ok: false, error: "unknown token" });
    send(200, { user: tokens.get(token) });
  } else if (req.method === "GET" && req.url === "/big") {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("x".repeat(5 * 1024 * 1024));
  } else if (req.method === "GET" && req.url === "/never") {
    // No answer: the http step's timeout must end the wait.
  } else if (!req.url.startsWith("/socket.io/")) {
    send(404, { ok: false, error: "not found" });
  }
}

const httpServer = createServer(rest);
const v2 = process.env.SIO_V2 === "1";
const io = v2 ? createRequire(import.meta.url)("socket.io-v2")(httpServer) : new Server(httpServer);
// Sockets in a room: a Map of Sets in 4.x, an object of {length} in 2.x.
const roomSize = (nsp, room) =>
  v2 ? (io.of(nsp).adapter.rooms[room]?.length ?? 0) : (io.of(nsp).adapter.rooms.get(room)?.size ?? 0);
let next = 0;
// A changed server for the `--record` tests: the same events, another question.
const question = process.env.CHAT_QUESTION ?? "2+2?";
const meetings = new Map();

function chat(socket) {
  let name = "anonymous";
  socket.on("join", (data, ack) => {
    const room = String(data?.room ?? "");
    name = String(data?.name ?? name);
    socket.join(room);
    socket.to(room).emit("joined", { room, name });
    const members = roomSize(socket.nsp.name, room);
    if (typeof ack === "function") ack({ ok: true, room, members });
  });
  socket.on("say", (data, ack) => {
    const room = String(data?.room ?? "");
    next += 1;
    const id = `m-${next}`;
    socket.to(room).emit("said", { room, from: name, text: data?.text ?? null, id });
    if (typeof ack === "function") ack({ ok: true, id });
  });
  socket.on("leave", (data, ack) => {
    socket.leave(String(data?.room ?? ""));
    if (typeof ack === "function") ack({ ok: true });
  });
  socket.on("quiz", () => {
    socket.emit("question", question, (...answer) => socket.emit("answered", ...answer));
  });
  socket.on("kick", () => socket.disconnect(true));
  socket.on("meet", (data, ack) => {
    const key = String(data?.key ?? "");
    const first = meetings.get(key);
    if (first) {
      meetings.delete(key);
      first({ met: key });
      if (typeof ack === "function") ack({ met: key });
    } else if (typeof ack === "function") {
      meetings.set(key, ack);
    }
  });
}

io.on("connection", chat);
const priv = io.of("/private");
priv.use(peers.guard);
priv.on("connection", chat);
const members = io.of("/members");
members.use((socket, next) => {
  const token = socket.handshake.auth?.token;
  if (tokens.has(token)) return next();
  const err = new Error("not authorized");
  err.data = { reason: "unknown token" };
  next(err);
});
members.on("connection", (socket) => {
  socket.emit("welcome", { user: tokens.get(socket.handshake.auth.token) });
  chat(socket);
});

peers.listen(httpServer);
