// The official Node socket.io server, with the behaviours the sockai client tests need.
//
//   node sio-server.mjs
//
// Listens on 127.0.0.1 with a free port and prints `listening on http://127.0.0.1:PORT` on
// stdout. Namespaces: `/` (open) and `/admin` (requires auth.token == "s3cret"; otherwise the
// connection is refused with the error "not authorized" and data {"reason": "bad token"}).
// Events, in every namespace:
//   echo ...args          → emits `echo` with the same arguments (and acks them if asked)
//   message ...args       → emits `message-back` with the same arguments
//   say-message ...args   → emits `message` (a name Socket.IO clients treat specially) with them
//   ack-me ...args        → acknowledges with ({"got": [...args]}, "second")
//   never-answered        → nothing, not even an acknowledgement
//   ai-message {prompt}   → emits two `ai-message-chunk` {id, delta}, then `ai-message-response`
//                           {id, response: "node: <prompt>"}; acks with the response if asked
//   whoami                → emits `whoami` {headers, query, auth, namespace}
//   greet-me              → emits `MixedCase-Event` with ({"hello": "world"}, 42)
//   order                 → emits `first` {n: 1}, then `second` {n: 2}
//   kick-me               → the server disconnects the socket (disconnect(true))
//   broadcast ...args     → emits `announce` with the arguments to every socket of `/`
import { createServer } from "node:http";
import { Server } from "socket.io";

const httpServer = createServer();
const io = new Server(httpServer);

function handlers(socket) {
  const ackOf = (args) => (typeof args[args.length - 1] === "function" ? args.pop() : null);
  socket.on("echo", (...args) => {
    const ack = ackOf(args);
    socket.emit("echo", ...args);
    if (ack) ack(...args);
  });
  socket.on("message", (...args) => {
    ackOf(args);
    socket.emit("message-back", ...args);
  });
  socket.on("say-message", (...args) => {
    ackOf(args);
    socket.emit("message", ...args);
  });
  socket.on("ack-me", (...args) => {
    const ack = ackOf(args);
    if (ack) ack({ got: args }, "second");
  });
  socket.on("never-answered", () => {});
  socket.on("ai-message", (...args) => {
    const ack = ackOf(args);
    const prompt = String(args[0]?.prompt ?? "");
    const id = "req-1";
    socket.emit("ai-message-chunk", { id, delta: "node: " });
    socket.emit("ai-message-chunk", { id, delta: prompt });
    const response = { id, response: `node: ${prompt}` };
    socket.emit("ai-message-response", response);
    if (ack) ack(response);
  });
  socket.on("whoami", () => {
    socket.emit("whoami", {
      headers: socket.handshake.headers,
      query: socket.handshake.query,
      auth: socket.handshake.auth,
      namespace: socket.nsp.name,
    });
  });
  socket.on("greet-me", () => socket.emit("MixedCase-Event", { hello: "world" }, 42));
  socket.on("order", () => {
    socket.emit("first", { n: 1 });
    socket.emit("second", { n: 2 });
  });
  socket.on("kick-me", () => socket.disconnect(true));
  socket.on("broadcast", (...args) => {
    ackOf(args);
    io.of("/").emit("announce", ...args);
  });
}

io.on("connection", handlers);
const admin = io.of("/admin");
admin.use((socket, next) => {
  if (socket.handshake.auth?.token === "s3cret") return next();
  const err = new Error("not authorized");
  err.data = { reason: "bad token" };
  next(err);
});
admin.on("connection", handlers);

httpServer.listen(0, "127.0.0.1", () => {
  process.stdout.write(`listening on http://127.0.0.1:${httpServer.address().port}\n`);
});
// The test harness kills us; also leave when our stdin closes (the test process died).
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
