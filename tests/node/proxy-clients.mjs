// Many official socket.io-client clients through a reverse proxy: each opens its own
// connection (client i: polling only, polling then upgrade, or WebSocket only, in turn), from
// its own loopback source address when `subnets` is given (127.0.<1 + i % subnets>.1, so that
// nginx's ip_hash, which hashes an IPv4 address's first three octets, spreads them), asks
// `ai-message` with its own prompt and checks the answer is its own.
//
//   node proxy-clients.mjs '{"url": "http://127.0.0.1:PORT", "clients": 200, "subnets": 20,
//                            "timeout_ms": 10000}'
//
// Prints one JSON line: {"clients", "answered", "by_transport": {...}, "failures": [first few]}.
import http from "node:http";
import { io } from "socket.io-client";

const cfg = JSON.parse(process.argv[2]);
const modes = [["polling"], ["polling", "websocket"], ["websocket"]];
const names = ["polling", "upgrade", "websocket"];
const byTransport = { polling: 0, upgrade: 0, websocket: 0 };
const failures = [];
let answered = 0;

function client(i) {
  return new Promise((resolve) => {
    const mode = i % modes.length;
    const options = { transports: modes[mode], reconnection: false, forceNew: true, timeout: cfg.timeout_ms };
    if (cfg.subnets) {
      const localAddress = `127.0.${1 + (i % cfg.subnets)}.1`;
      options.localAddress = localAddress;
      options.agent = new http.Agent({ keepAlive: true, localAddress });
    }
    const socket = io(cfg.url, options);
    const prompt = `client ${i}`;
    let done = false;
    const finish = (failure) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (failure) {
        failures.push({ client: i, mode: names[mode], failure });
      } else {
        answered += 1;
        byTransport[names[mode]] += 1;
      }
      socket.close();
      options.agent?.destroy();
      resolve();
    };
    const timer = setTimeout(() => finish("no answer in time"), cfg.timeout_ms);
    socket.on("connect_error", (e) => finish(`connect_error: ${e.message}`));
    socket.on("ai-message-error", (e) => finish(`ai-message-error: ${JSON.stringify(e)}`));
    socket.on("ai-message-response", (answer) => {
      const transport = socket.io.engine.transport.name;
      const expected = modes[mode].at(-1);
      if (answer.response !== `echo: ${prompt}`) finish(`answer ${JSON.stringify(answer)}`);
      else if (transport !== expected) finish(`answered on ${transport}, not ${expected}`);
      else finish(null);
    });
    const ask = () => socket.emit("ai-message", { prompt });
    socket.on("connect", () => {
      const engine = socket.io.engine;
      // An upgrading client asks once it is on WebSocket: the upgrade went through the proxy.
      if (mode === 1 && engine.transport.name !== "websocket") engine.once("upgrade", ask);
      else ask();
    });
  });
}

let next = 0;
async function worker() {
  while (next < cfg.clients) {
    const i = next;
    next += 1;
    await client(i);
  }
}
await Promise.all(Array.from({ length: Math.min(cfg.concurrency ?? 50, cfg.clients) }, worker));
process.stdout.write(
  JSON.stringify({ clients: cfg.clients, answered, by_transport: byTransport, failures: failures.slice(0, 5) }) + "\n",
);
process.exit(0);
