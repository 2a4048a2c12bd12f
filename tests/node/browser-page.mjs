// The playground page of `sockai serve` in a real Chromium, used as a person would: keyboard
// first. Argument: JSON {"fast": URL, "slow": URL, "token": URL, "echo": URL, "stream": URL,
// "streamText": TEXT, "screenshots"?: DIR}: `fast` an echo server without delay, `slow` one
// with a long --echo-delay-ms, `token` one with --auth-token s3cret, `echo` an --echo-server
// (binary both ways), `stream` one whose provider
// streams 2,000 pieces making `streamText`. With {"fast": URL, "measure": N} it only measures
// (scripts/page-latency.sh). Prints JSON records (measurements); exits 1 on a failure.
import { check, record, run } from "./browser-kit.mjs";

const config = JSON.parse(process.argv[2]);
const WAIT = { timeout: 30000 };

/** A page on `url` that fails the test on a console error, a page error or a request that
 *  leaves 127.0.0.1. */
async function open(context, url) {
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push("console error: " + m.text());
  });
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  const local = (u) => new URL(u).hostname === "127.0.0.1";
  page.on("request", (r) => {
    if (!local(r.url())) problems.push("request outside 127.0.0.1: " + r.url());
  });
  page.on("websocket", (ws) => {
    if (!local(ws.url())) problems.push("WebSocket outside 127.0.0.1: " + ws.url());
    page.wsFrames = ws;
  });
  page.problems = problems;
  await page.goto(url + "/");
  await page.waitForSelector('#state[data-state="connected"]', WAIT);
  return page;
}

const logHas = (page, name) =>
  page.waitForFunction(
    (n) => [...document.querySelectorAll("#log .n")].some((e) => e.textContent.startsWith(n)),
    name, WAIT);

/** Enter a prompt; resolve with the ms from the Enter key to its first text on screen. */
async function askTimed(page, prompt) {
  await page.evaluate(() => {
    const messages = document.getElementById("messages");
    window.firstPaint = new Promise((resolve) => {
      let pressed = 0;
      document.getElementById("prompt").addEventListener("keydown", (e) => {
        if (e.key === "Enter") pressed = performance.now();
      }, { capture: true });
      setTimeout(() => resolve(Infinity), 10000);
      const seen = new MutationObserver(() => {
        const bots = messages.querySelectorAll(".bot .bubble");
        const last = bots[bots.length - 1];
        if (pressed && last && last.textContent.length) {
          seen.disconnect();
          // On screen: the frame that paints this mutation.
          requestAnimationFrame(() => resolve(performance.now() - pressed));
        }
      });
      seen.observe(messages, { childList: true, subtree: true, characterData: true });
    });
  });
  await page.focus("#prompt");
  await page.keyboard.type(prompt);
  await page.keyboard.press("Enter");
  return page.evaluate(() => window.firstPaint);
}

const lastAnswer = (page) =>
  page.$eval("#messages li.bot:last-of-type", (li) => ({
    text: li.querySelector(".bubble").textContent,
    done: li.dataset.done,
    meta: li.querySelector(".meta").textContent,
  }));

async function waitDone(page) {
  await page.waitForFunction(() => {
    const bots = document.querySelectorAll("#messages li.bot");
    return bots.length && bots[bots.length - 1].dataset.done;
  }, null, WAIT);
  return lastAnswer(page);
}

async function chat(page) {
  const sid = await page.textContent("#sid");
  check(/^[\w-]{20}$/.test(sid), "the socket id is shown: " + sid);
  check((await page.textContent("#transport")) === "websocket", "the transport is shown");
  const latencies = [];
  for (let i = 1; i <= 5; i++) {
    const prompt = "hello sockai " + i;
    latencies.push(await askTimed(page, prompt));
    const answer = await waitDone(page);
    check(answer.text === "echo: " + prompt, "the streamed answer: " + JSON.stringify(answer));
    check(answer.done === "stop", "finished with stop: " + JSON.stringify(answer));
  }
  record({ first_chunk_ms: latencies.map((ms) => Math.round(ms * 10) / 10) });
  check(Math.max(...latencies) < 1000, "first chunk on screen within 1 s: " + latencies);
  for (const name of ["ai-message #0", "ai-message-chunk", "ai-message-response", "ack #0"]) {
    await logHas(page, name);
  }
  // Enter on an empty prompt sends nothing.
  await page.keyboard.press("Enter");
  check((await page.$$("#messages li.user")).length === 5, "an empty prompt is not sent");
}

async function stop(page) {
  await page.focus("#prompt");
  await page.keyboard.type("a long story that takes a minute to echo");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#stop:not([disabled])", WAIT);
  check(await page.isDisabled("#send"), "Send waits while an answer is in flight");
  await page.keyboard.press("Escape");
  const answer = await waitDone(page);
  check(answer.done === "cancelled", "stopped: " + JSON.stringify(answer));
  check(answer.meta.includes("cancelled"), "the cancelled finish is shown: " + answer.meta);
  check(answer.text === "(no text)", "the echo had streamed nothing yet: " + answer.text);
  check(await page.isDisabled("#stop"), "Stop is off once stopped");
  await logHas(page, "ai-cancel");
  await page.waitForFunction(() =>
    [...document.querySelectorAll("#log .ack .a")].some((e) => e.textContent.includes('"cancelled":true')),
  null, WAIT);
}

async function reset(page) {
  await page.keyboard.press("Alt+N");
  await page.waitForSelector("#messages .empty", WAIT);
  const text = await page.textContent("#messages .empty");
  check(text.includes("forgot 5 exchanges"), "the reset says what was forgotten: " + text);
  await logHas(page, "ai-reset");
}

async function composer(page) {
  await page.keyboard.press("Alt+E");
  check(await page.evaluate(() => document.activeElement.id === "event"), "Alt+E focuses the event");
  // The default: ai-message with a prompt, asking for an ack.
  await page.keyboard.press("Control+Enter");
  await page.waitForFunction(() => document.getElementById("composer-note").textContent.includes("ms:"),
    null, WAIT);
  const note = await page.textContent("#composer-note");
  check(/^ack #\d+ in [\d.]+ ms: .*echo: hello from the composer/.test(note), "the ack and its latency: " + note);
  // A custom event, two arguments (one binary), no ack.
  await page.fill("#event", "hello");
  await page.fill("#args li:first-child textarea", '{"$binary": "AQID"}');
  await page.click("#add-arg");
  await page.keyboard.type("42");
  await page.uncheck("#want-ack");
  await page.keyboard.press("Control+Enter");
  await page.waitForFunction(() =>
    [...document.querySelectorAll("#log li.out")].some((li) => li.querySelector(".n").textContent === "hello" &&
      li.querySelector(".a").textContent === "<binary 3 bytes: 01 02 03> 42"), null, WAIT);
  await page.waitForFunction(() =>
    [...document.querySelectorAll("#log li.in.bad")].some((li) => li.textContent.includes("unknown_event")),
  null, WAIT);
  await page.waitForSelector("#messages .notice .error-text", WAIT);
  // Bad JSON is pointed at, not sent.
  await page.fill("#args li:first-child textarea", "{oops");
  await page.keyboard.press("Control+Enter");
  check((await page.textContent("#composer-note")).startsWith("argument 1 is not JSON"), "bad JSON is refused");
}

/** A server with --auth-token: refused until the token is given, then connected. */
async function token(context, url) {
  const page = await context.newPage();
  await page.goto(url + "/");
  await page.waitForSelector('#state[data-state="refused"]', WAIT);
  const why = await page.getAttribute("#state", "title");
  check(why.startsWith("auth_required"), "the refusal says why: " + why);
  await page.fill("#token", "s3cret");
  await page.press("#token", "Enter");
  await page.waitForSelector('#state[data-state="connected"]', WAIT);
  await page.close();
}

/** Binary both ways, against `--echo-server` (which sends `message-with-ack`'s arguments back
 *  in its ack and `message` back as `message-back`). */
async function binary(page) {
  await logHas(page, "auth");
  await page.fill("#event", "message-with-ack");
  await page.fill("#args li:first-child textarea", '{"file": {"$binary": "AQID"}}');
  await page.click("#add-arg");
  await page.keyboard.type('"x"');
  await page.check("#want-ack");
  await page.keyboard.press("Control+Enter");
  await page.waitForFunction(() => document.getElementById("composer-note").textContent.includes("ms:"),
    null, WAIT);
  const note = await page.textContent("#composer-note");
  check(note.endsWith(': {"file":<binary 3 bytes: 01 02 03>} "x"'), "the binary ack as the REPL shows it: " + note);
  await page.fill("#event", "message");
  await page.keyboard.press("Control+Enter");
  await page.waitForFunction(() =>
    [...document.querySelectorAll("#log li.in")].some((li) => li.querySelector(".n").textContent === "message-back" &&
      li.querySelector(".a").textContent === '{"file":<binary 3 bytes: 01 02 03>} "x"'), null, WAIT);
}

/** Many chunks: rendered once per frame, the page never stalls. */
async function manyChunks(page, expected) {
  let received = 0;
  page.wsFrames.on("framereceived", (f) => {
    if (typeof f.payload === "string" && f.payload.startsWith('42["ai-message-chunk"')) received++;
  });
  await page.evaluate(() => {
    window.gaps = [];
    let last = performance.now();
    const tick = (now) => {
      window.gaps.push(now - last);
      last = now;
      if (!window.stopTicks) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await page.focus("#prompt");
  await page.keyboard.type("stream a lot");
  await page.keyboard.press("Enter");
  const answer = await waitDone(page);
  const gaps = await page.evaluate(() => { window.stopTicks = true; return window.gaps; });
  check(answer.text === expected, "all the chunks, in order (" + answer.text.length + " characters)");
  const chunks = await page.$$eval("#log li.chunk", (rows) => rows.length);
  const longest = Math.max(...gaps);
  record({ stream_chunks_received: received, stream_chunks_logged: chunks, longest_frame_ms: Math.round(longest) });
  check(received > 1000, "many chunks were streamed: " + received);
  check(chunks >= 500, "the chunks are in the log (at most 1000 rows kept): " + chunks);
  check(longest < 1000, "the page kept painting while streaming: longest frame " + longest + " ms");
}

async function screenshots(browser, url, dir) {
  for (const scheme of ["light", "dark"]) {
    for (const width of [1280, 360]) {
      const context = await browser.newContext({ viewport: { width, height: width > 400 ? 800 : 740 }, colorScheme: scheme });
      const page = await open(context, url);
      for (const prompt of ["What is Socket.IO?", "Tell me a joke about WebSockets"]) {
        await askTimed(page, prompt);
        await waitDone(page);
      }
      await page.focus("#event");
      await page.keyboard.press("Control+Enter");
      await page.waitForSelector("#composer-note:has-text('ack')", WAIT);
      await page.screenshot({ path: `${dir}/playground-${width}-${scheme}.png`, fullPage: width < 400 });
      await context.close();
    }
  }
}

/** scripts/page-latency.sh: Enter to first text on screen, `n` prompts, in figures. */
async function measure(browser, url, n) {
  const page = await open(await browser.newContext({ viewport: { width: 1280, height: 800 } }), url);
  const all = [];
  for (let i = 0; i < n; i++) {
    all.push(await askTimed(page, "measure " + i));
    await waitDone(page);
  }
  all.sort((a, b) => a - b);
  const at = (q) => Math.round(all[Math.min(all.length - 1, Math.floor(q * all.length))] * 10) / 10;
  record({ prompts: n, first_chunk_ms: { min: at(0), p50: at(0.5), p90: at(0.9), max: at(1) } });
}

async function main(browser) {
  if (config.measure) return measure(browser, config.fast, config.measure);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const fast = await open(context, config.fast);
  await chat(fast);
  await reset(fast);
  await composer(fast);
  const slow = await open(context, config.slow);
  await stop(slow);
  const pages = [fast, slow];
  if (config.token) await token(context, config.token);
  if (config.echo) {
    pages.push(await open(context, config.echo));
    await binary(pages[pages.length - 1]);
  }
  if (config.stream) {
    pages.push(await open(context, config.stream));
    await manyChunks(pages[pages.length - 1], config.streamText);
  }
  for (const page of pages) {
    check(page.problems.length === 0, page.problems.join("\n"));
  }
  if (config.screenshots) await screenshots(browser, config.fast, config.screenshots);
  record({ ok: true });
}

await run(main);
