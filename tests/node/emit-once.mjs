// The official socket.io-client doing what `sockai emit URL ai-message '{"prompt":"ping"}'
// --expect ai-message-response` does, for scripts/emit-speed.sh: connect over WebSocket, emit,
// print the response's payload, leave.
//
//   node emit-once.mjs URL
import { io } from "socket.io-client";

const socket = io(process.argv[2], { transports: ["websocket"], reconnection: false });
socket.on("connect", () => socket.emit("ai-message", { prompt: "ping" }));
socket.on("ai-message-response", (payload) => {
  process.stdout.write(JSON.stringify(payload) + "\n");
  socket.disconnect();
  process.exit(0);
});
socket.on("connect_error", (err) => {
  process.stderr.write(`connect_error: ${err.message}\n`);
  process.exit(1);
});
