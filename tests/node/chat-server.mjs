// A chat server on the official Node socket.io 4.x, for `sockai run`'s scenario tests.
//
//   node chat-server.mjs        (SIO_PORT: optional)
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
import { createServer } from "node:http";
import { Server } from "socket.io";
import peers from "./sio-handlers.cjs";

const httpServer = createServer();
const io = new Server(httpServer);
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
    const members = io.of(socket.nsp.name).adapter.rooms.get(room)?.size ?? 0;
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

peers.listen(httpServer);
