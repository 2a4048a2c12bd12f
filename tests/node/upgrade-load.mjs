// Load over sessions that start on HTTP long-polling and upgrade to WebSocket, as browsers open
// them, with the official socket.io-client: the "upgraded sessions" scenario of scripts/bench.sh
// (sockai bench speaks WebSocket only).
//
//   node upgrade-load.mjs '{"url": "...", "clients": 100, "duration_ms": 10000,
//                           "transports": ["polling", "websocket"], "hold": false}'
//
// Opens every client (256 handshakes in flight), waits until each is on WebSocket, then either
// holds them (`hold`: prints {"ready": n} and waits `duration_ms`) or has each one round-trip
// `ai-message` → `ai-message-response` back to back for `duration_ms`. Prints one JSON summary.
import { io } from "socket.io-client";

const cfg = JSON.parse(process.argv[2]);
const transports = cfg.transports ?? ["polling", "websocket"];
const sockets = [];
let failed = 0;

function open() {
  return new Promise((resolve) => {
    const socket = io(cfg.url, { transports, reconnection: false, forceNew: true });
    const done = (ok) => {
      if (!ok) failed += 1;
      resolve(ok ? socket : null);
    };
    socket.once("connect_error", () => done(false));
    socket.once("connect", () => {
      const engine = socket.io.engine;
      if (engine.transport.name === "websocket") return done(true);
      engine.once("upgrade", () => done(true));
      engine.once("upgradeError", () => done(false));
    });
  });
}

let next = 0;
async function opener() {
  while (next < cfg.clients) {
    next += 1;
    const socket = await open();
    if (socket) sockets.push(socket);
  }
}
await Promise.all(Array.from({ length: Math.min(256, cfg.clients) }, opener));

if (cfg.hold) {
  process.stdout.write(JSON.stringify({ ready: sockets.length, failed }) + "\n");
  await new Promise((resolve) => setTimeout(resolve, cfg.duration_ms));
  process.stdout.write(JSON.stringify({ held: sockets.length, failed }) + "\n");
  process.exit(0);
}

let trips = 0;
let stop = false;
const started = Date.now();
for (const socket of sockets) {
  const go = () => {
    if (stop) return;
    socket.emit("ai-message", { prompt: "ping" });
  };
  socket.on("ai-message-response", () => {
    trips += 1;
    go();
  });
  go();
}
await new Promise((resolve) => setTimeout(resolve, cfg.duration_ms));
stop = true;
const seconds = (Date.now() - started) / 1000;
process.stdout.write(
  JSON.stringify({ clients: sockets.length, failed, round_trips: trips, round_trips_per_sec: trips / seconds }) + "\n",
);
process.exit(0);
