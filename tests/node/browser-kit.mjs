// What the browser tests share: Debian's Chromium driven by playwright-core, launched once per
// test file as the developers' guide asks, and a way to fail with a message.
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.SOCKAI_CHROMIUM || "/usr/bin/chromium";

/** Headless Chromium, sandbox and background networking off, a fresh profile. */
export async function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // playwright-core gives each launch a fresh temporary --user-data-dir.
    args: [
      "--no-sandbox",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-gpu",
      "--disable-quic",
      ...extraArgs,
    ],
  });
}

/** One JSON line on stdout: what the Rust side reads. */
export const record = (value) => process.stdout.write(JSON.stringify(value) + "\n");

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Run `main`, always close the browser, exit 1 with the error on stderr. */
export async function run(main) {
  let browser;
  try {
    browser = await launch(main.args || []);
    await main(browser);
  } catch (error) {
    process.stderr.write((error && error.stack) || String(error));
    process.stderr.write("\n");
    process.exitCode = 1;
  } finally {
    if (browser) await browser.close().catch(() => {});
  }
}
