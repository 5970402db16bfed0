import type { PlaywrightTestConfig } from "@playwright/test";
import * as path from "node:path";

// What the browser suites share: end2end/playwright.config.ts (one instance) and
// end2end/playwright.scale-out.config.ts (two instances behind haproxy).
export const root = path.resolve(__dirname, "..");

/** Debian's chromium, headless, with a synthetic microphone (speech input). */
export const launchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    // A synthetic microphone that needs no permission prompt (speech input).
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
  ],
};

/** The settings both configs use, against the app at http://127.0.0.1:PORT. */
export function baseConfig(port: number): PlaywrightTestConfig {
  return {
    testDir: "./tests",
    timeout: 60_000,
    expect: { timeout: 15_000 },
    fullyParallel: false,
    workers: 1,
    retries: 0,
    reporter: [["list"]],
    use: {
      baseURL: `http://127.0.0.1:${port}`,
      trace: "retain-on-failure",
      launchOptions,
    },
  };
}

/** The server's log levels in the browser runs. */
export const RUST_LOG = "info,sqlx=warn,rmcp=warn";
