import { defineConfig } from "@playwright/test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { baseConfig, root, RUST_LOG } from "./playwright.shared";

// The server under test is the release build; scripts/test.sh passes its path in TODOKIT_BIN.
const port = Number(process.env.E2E_PORT ?? 3100);
const transcribePort = port + 99;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "todokit-e2e-"));

const base = baseConfig(port);

export default defineConfig({
  ...base,
  // Pages come in the browser's language (Accept-Language): the suites read English words.
  use: { ...base.use, locale: "en-US" },
  // Two instances behind haproxy: playwright.scale-out.config.ts runs it.
  testIgnore: "**/scale-out.spec.ts",
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
      RUST_LOG,
      TRANSCRIBE_BASE_URL: `http://127.0.0.1:${transcribePort}/v1`,
    },
  }],
});
