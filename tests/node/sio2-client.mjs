// A scripted Socket.IO 2.x client (npm socket.io-client@2.5, Engine.IO 3), for the tests of
// `sockai serve --allow-eio3`.
//
//   node sio2-client.mjs '{"url": "...", "options": {...io() options}, "prompt": "hi", "upgrade": true?}'
//
// Connects (2.x joins `/` implicitly), emits `ai-message` with an ack, waits for
// `ai-message-response`, then `ai-reset` with an ack, optionally after the upgrade to WebSocket.
// Prints one JSON object per line: connect, upgrade, event, ack, error, done.
import io from "socket.io-client-v2";

const scenario = JSON.parse(process.argv[2]);
const print = (record) => process.stdout.write(JSON.stringify(record) + "\n");
const fail = (reason) => {
  print({ type: "fail", reason });
  process.exit(1);
};
setTimeout(() => fail("timed out"), scenario.timeout ?? 8000);

const socket = io(scenario.url, { reconnection: false, ...scenario.options });
let initialTransport = null;
socket.io.on("open", () => (initialTransport = socket.io.engine.transport.name));
socket.on("error", (data) => {
  print({ type: "error", data });
  process.exit(0);
});
socket.on("connect_error", (err) => fail(`connect_error ${err}`));

const once = (emitter, event) => new Promise((resolve) => emitter.once(event, resolve));

async function run() {
  await once(socket, "connect");
  const engine = socket.io.engine;
  print({ type: "connect", transport: engine.transport.name, initial_transport: initialTransport });
  if (scenario.upgrade && engine.transport.name !== "websocket") {
    await once(engine, "upgrade");
    print({ type: "upgrade", transport: engine.transport.name });
  }
  const response = once(socket, "ai-message-response");
  const ack = await new Promise((resolve) => socket.emit("ai-message", { prompt: scenario.prompt }, resolve));
  print({ type: "ack", event: "ai-message", args: [ack] });
  print({ type: "event", event: "ai-message-response", args: [await response] });
  const reset = await new Promise((resolve) => socket.emit("ai-reset", resolve));
  print({ type: "ack", event: "ai-reset", args: [reset] });
  print({ type: "done" });
  socket.close();
  process.exit(0);
}

run().catch((err) => fail(err.message));
