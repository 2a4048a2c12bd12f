// The events of the Node test servers (sio-server.mjs: socket.io 4.x; sio-server-v2.cjs:
// socket.io 2.x), written once for both. In every namespace:
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
//   bin-back              → emits `bin` with (<01 02 03>, {name: "file.bin", nested: {data: <04 05>},
//                           list: [<06>]}): three attachments, two of them nested
//   describe ...args      → emits `described` with the arguments as the server got them, every
//                           Buffer written {"buffer": [bytes]} (proves binary arrived as binary)
//   say-reserved          → emits `error` (4.x only: 2.x keeps that name to itself), `open`,
//                           `close`, `ping`, `message`, each with one string argument
//   question              → emits `question` ("2+2?") asking for an ack; the answer's arguments
//                           come back as `answered`
"use strict";

function describe(value) {
  if (Buffer.isBuffer(value)) return { buffer: [...value] };
  if (value instanceof ArrayBuffer) return { buffer: [...new Uint8Array(value)] };
  if (Array.isArray(value)) return value.map(describe);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, describe(v)]));
  }
  return value;
}

function handlers(io, { v2 = false } = {}) {
  return (socket) => {
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
      const prompt = String((args[0] && args[0].prompt) ?? "");
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
    socket.on("bin-back", (...args) => {
      ackOf(args);
      socket.emit("bin", Buffer.from([1, 2, 3]), {
        name: "file.bin",
        nested: { data: Buffer.from([4, 5]) },
        list: [Buffer.from([6])],
      });
    });
    socket.on("describe", (...args) => {
      const ack = ackOf(args);
      socket.emit("described", ...describe(args));
      if (ack) ack(...describe(args));
    });
    socket.on("say-reserved", () => {
      if (!v2) socket.emit("error", "an event named error");
      socket.emit("open", "an event named open");
      socket.emit("close", "an event named close");
      socket.emit("ping", "an event named ping");
      socket.emit("message", "an event named message");
    });
    socket.on("question", () => {
      socket.emit("question", "2+2?", (...answer) => socket.emit("answered", ...describe(answer)));
    });
  };
}

// `/admin` lets in only auth.token (4.x) or query.token (2.x) == "s3cret"; otherwise
// "not authorized" with data {"reason": "bad token"} (2.x sends only the message).
function guard(socket, next) {
  const token = (socket.handshake.auth && socket.handshake.auth.token) || socket.handshake.query.token;
  if (token === "s3cret") return next();
  const err = new Error("not authorized");
  err.data = { reason: "bad token" };
  next(err);
}

// Heartbeat settings from the environment, for tests that outlive several ping intervals.
function heartbeat() {
  const opts = {};
  if (process.env.SIO_PING_INTERVAL) opts.pingInterval = Number(process.env.SIO_PING_INTERVAL);
  if (process.env.SIO_PING_TIMEOUT) opts.pingTimeout = Number(process.env.SIO_PING_TIMEOUT);
  return opts;
}

function listen(httpServer) {
  const port = Number(process.env.SIO_PORT || 0);
  httpServer.listen(port, "127.0.0.1", () => {
    process.stdout.write(`listening on http://127.0.0.1:${httpServer.address().port}\n`);
  });
  // The test harness kills us; also leave when our stdin closes (the test process died).
  process.stdin.on("end", () => process.exit(0));
  process.stdin.resume();
}

module.exports = { handlers, guard, heartbeat, listen };
