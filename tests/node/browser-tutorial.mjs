// The tutorial's frontend in a real Chromium: a page on another loopback port (a dev server,
// like Vite's http://localhost:5173) loading the official socket.io-client browser bundle and
// doing io(serverUrl) against a default `sockai serve`. It gets answers over polling only, the
// upgrade and WebSocket only; the same page on a foreign origin (evil.example, mapped to
// 127.0.0.1) is refused. Argument: JSON {"server": "http://localhost:PORT"}. Prints JSON
// records; exits 1 on a failure.
import { readFileSync } from "node:fs";
import http from "node:http";
import { check, record, run } from "./browser-kit.mjs";

const config = JSON.parse(process.argv[2]);
const bundle = readFileSync(new URL("./node_modules/socket.io-client/dist/socket.io.min.js", import.meta.url));
const html = '<!doctype html><meta charset="utf-8"><title>tutorial</title><script src="/socket.io.min.js"></script>';

/** The dev server: the page and the bundle, on a free 127.0.0.1 port. */
function devServer() {
  const server = http.createServer((req, res) => {
    if (req.url === "/socket.io.min.js") {
      res.writeHead(200, { "content-type": "text/javascript" }).end(bundle);
    } else {
      res.writeHead(200, { "content-type": "text/html" }).end(html);
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** In the page: connect, ask one prompt, report what happened (or the connect_error). */
function tutorial({ url, options }) {
  return new Promise((resolve) => {
    const socket = io(url, { reconnection: false, timeout: 5000, ...options });
    const seen = { chunks: [], upgraded: false };
    const finish = (result) => { socket.close(); resolve({ ...seen, ...result }); };
    socket.on("connect_error", (e) => finish({ error: e.message }));
    socket.io.engine.on("upgrade", (t) => { seen.upgraded = t.name; });
    socket.on("ai-message-chunk", (c) => seen.chunks.push(c.delta));
    socket.on("ai-message-response", (r) => {
      const answer = () => finish({ response: r.response, transport: socket.io.engine.transport.name });
      // With the upgrade: answer once the WebSocket has taken over (or has had its chance).
      if (options.transports || seen.upgraded) answer();
      else socket.io.engine.once("upgrade", answer);
    });
    socket.on("connect", () => {
      socket.emit("ai-message", { prompt: "hello from " + location.origin });
    });
  });
}

async function main(browser) {
  const dev = await devServer();
  const port = dev.address().port;
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  try {
    await page.goto(`http://localhost:${port}/`);
    const modes = {
      polling: { transports: ["polling"] },
      upgrade: {},
      websocket: { transports: ["websocket"] },
    };
    for (const [mode, options] of Object.entries(modes)) {
      const seen = await page.evaluate(tutorial, { url: config.server, options });
      record({ mode, ...seen });
      const expected = `echo: hello from http://localhost:${port}`;
      check(!seen.error, `${mode}: ${seen.error}`);
      check(seen.response === expected, `${mode}: the answer: ${JSON.stringify(seen)}`);
      check(seen.chunks.join("") === expected, `${mode}: the chunks: ${JSON.stringify(seen)}`);
      const transport = mode === "polling" ? "polling" : "websocket";
      check(seen.transport === transport, `${mode}: ended on ${seen.transport}`);
      check(Boolean(seen.upgraded) === (mode === "upgrade"), `${mode}: upgraded ${seen.upgraded}`);
    }
    // The same page on a foreign origin.
    await page.goto(`http://evil.example:${port}/`);
    for (const [mode, options] of Object.entries({ polling: modes.polling, websocket: modes.websocket })) {
      const seen = await page.evaluate(tutorial, { url: config.server, options });
      record({ mode, origin: "http://evil.example:" + port, ...seen });
      check(seen.error && !seen.response, `${mode} from evil.example is refused: ${JSON.stringify(seen)}`);
    }
    check(errors.length === 0, errors.join("\n"));
    record({ ok: true, page_origin: `http://localhost:${port}`, foreign_origin: `http://evil.example:${port}` });
  } finally {
    dev.closeAllConnections();
    dev.close();
  }
}
// Chromium resolves evil.example to the dev server; nothing leaves the machine.
main.args = ["--host-resolver-rules=MAP evil.example 127.0.0.1"];

await run(main);
