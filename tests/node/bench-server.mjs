// The official Node socket.io server with the behaviour of `sockai serve --provider echo`, as
// the peer `sockai bench` is compared against (scripts/bench.sh) and tested against (tests).
//
//   node bench-server.mjs [PORT]     (default 0: a free port)
//
// Prints `listening on http://127.0.0.1:PORT` first on stdout. Answers `ai-message`
// {"prompt": "…"} with `ai-message-response` {"response": "echo: …"}, and acknowledges with the
// same object when asked; a payload without a string prompt gets `ai-message-error`. No logging:
// it is the yardstick, so it does as little as a real handler would.
import { createServer } from "node:http";
import { Server } from "socket.io";

const port = Number(process.argv[2] ?? 0);
const httpServer = createServer();
const io = new Server(httpServer, { serveClient: false });

io.on("connection", (socket) => {
  socket.on("ai-message", (payload, ack) => {
    let answer;
    let event;
    if (payload && typeof payload.prompt === "string" && payload.prompt.trim() !== "") {
      event = "ai-message-response";
      answer = { response: "echo: " + payload.prompt };
    } else {
      event = "ai-message-error";
      answer = { code: "invalid_payload", message: "expected {\"prompt\": \"…\"}" };
    }
    socket.emit(event, answer);
    if (typeof ack === "function") ack(answer);
  });
});

httpServer.listen({ host: "127.0.0.1", port, backlog: 4096 }, () => {
  process.stdout.write(`listening on http://127.0.0.1:${httpServer.address().port}\n`);
});

const stop = () => io.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
