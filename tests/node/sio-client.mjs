// A scripted official socket.io-client, driven by the sockai integration tests.
//
//   node sio-client.mjs '<scenario JSON>'
//
// scenario: { "url": "...", "options": { ...io() options }, "timeout": ms,
//             "steps": [ { "emit": "event", "args": [...], "ack": true? },
//                        { "wait": "event" }, { "waitUpgrade": true }, { "disconnect": true } ] }
//
// Prints one JSON object per line on stdout: connect, event (every incoming event, in order),
// ack, upgrade, connect_error, disconnect, done. Exits 0 when every step ran, 1 on a timeout or
// a connection error.
import { io } from "socket.io-client";

const scenario = JSON.parse(process.argv[2]);
const stepTimeout = scenario.timeout ?? 5000;
const print = (record) => process.stdout.write(JSON.stringify(record) + "\n");
const fail = (reason) => {
  print({ type: "fail", reason });
  process.exit(1);
};

// Binary travels through JSON as {"$binary": "<base64>"}, both ways.
const decode = (v) => (v && typeof v === "object" && typeof v.$binary === "string" ? Buffer.from(v.$binary, "base64") : v);
const encode = (v) =>
  Buffer.isBuffer(v) || v instanceof ArrayBuffer ? { $binary: Buffer.from(v).toString("base64") } : v;

const socket = io(scenario.url, { reconnection: false, ...scenario.options });
const received = [];
let initialTransport = null;
socket.io.on("open", () => (initialTransport = socket.io.engine.transport.name));
let notify = () => {};

socket.onAny((event, ...args) => {
  print({ type: "event", event, args: args.map(encode) });
  received.push(event);
  notify();
});
socket.on("connect_error", (err) => {
  print({ type: "connect_error", message: err.message, data: err.data ?? null });
  if (!scenario.expectConnectError) fail("connect_error");
  process.exit(0);
});
socket.on("disconnect", (reason) => {
  print({ type: "disconnect", reason });
  notify();
});

function within(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), stepTimeout);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Resolves when `event` has arrived; consumes it so a later wait needs a later event.
function waitFor(event) {
  return new Promise((resolve) => {
    const check = () => {
      const at = received.indexOf(event);
      if (at >= 0) {
        received.splice(at, 1);
        notify = () => {};
        resolve();
      } else {
        notify = check;
      }
    };
    check();
  });
}

async function run() {
  await within(new Promise((resolve) => socket.once("connect", resolve)), "connect");
  print({ type: "connect", id: socket.id, transport: socket.io.engine.transport.name, initial_transport: initialTransport });
  for (const step of scenario.steps ?? []) {
    if (step.emit !== undefined) {
      const args = (step.args ?? []).map(decode);
      if (step.ack) {
        const started = Date.now();
        const reply = await within(
          new Promise((resolve, reject) =>
            socket.timeout(stepTimeout).emit(step.emit, ...args, (err, ...reply) => (err ? reject(err) : resolve(reply))),
          ),
          `ack of ${step.emit}`,
        );
        print({ type: "ack", event: step.emit, args: reply.map(encode), ms: Date.now() - started });
      } else {
        socket.emit(step.emit, ...args);
      }
    } else if (step.wait !== undefined) {
      await within(waitFor(step.wait), step.wait);
    } else if (step.waitUpgrade) {
      const engine = socket.io.engine;
      if (engine.transport.name !== "websocket") {
        await within(new Promise((resolve) => engine.once("upgrade", resolve)), "upgrade");
      }
      print({ type: "upgrade", transport: engine.transport.name });
    } else if (step.waitDisconnect) {
      await within(new Promise((resolve) => (socket.connected ? socket.once("disconnect", resolve) : resolve())), "disconnect");
    } else if (step.disconnect) {
      socket.disconnect();
    }
  }
  print({ type: "done" });
  socket.disconnect();
  process.exit(0);
}

run().catch((err) => fail(err.message));
