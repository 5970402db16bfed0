import { defineConfig } from "@playwright/test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// The server under test is the release build; scripts/test.sh passes its path in TODOKIT_BIN.
const root = path.resolve(__dirname, "..");
const port = Number(process.env.E2E_PORT ?? 3100);
const transcribePort = port + 99;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "todokit-e2e-"));

export default defineConfig({
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
    launchOptions: {
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
    },
  },
  webServer: [{
    command: "node fake-transcribe.mjs",
    url: `http://127.0.0.1:${transcribePort}/`,
    reuseExistingServer: false,
    env: { FAKE_TRANSCRIBE_PORT: String(transcribePort) },
  }, {
    command: process.env.TODOKIT_BIN ?? path.join(root, "target/server-release/todokit"),
    cwd: root,
    url: `http://127.0.0.1:${port}/api/chatkit/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: path.join(root, "target/site"),
      TODOKIT_DATA_DIR: dataDir,
      DATABASE_URL: process.env.E2E_DATABASE_URL ?? `sqlite://${dataDir}/todokit.db`,
      RUST_LOG: "info,sqlx=warn,rmcp=warn",
      TRANSCRIBE_BASE_URL: `http://127.0.0.1:${transcribePort}/v1`,
    },
  }],
});
