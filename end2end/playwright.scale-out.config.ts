import { defineConfig } from "@playwright/test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { baseConfig, RUST_LOG } from "./playwright.shared";

// Two instances of the release build on one PostgreSQL database behind haproxy
// (scripts/scale-out.sh): haproxy on SCALE_PORT, the instances on the next two ports.
//   E2E_DATABASE_URL=postgres://…/fresh_db TODOKIT_BIN=…/server-release/todokit \
//     npx playwright test -c playwright.scale-out.config.ts
const databaseUrl = process.env.E2E_DATABASE_URL;
if (!databaseUrl || !/^postgres(ql)?:\/\//.test(databaseUrl)) {
  throw new Error(
    "playwright.scale-out.config.ts needs E2E_DATABASE_URL=postgres://… (a fresh PostgreSQL " +
      "database both instances share; a SQLite file serves one process)",
  );
}
const port = Number(process.env.SCALE_PORT ?? 3300);
// Shared by both instances, as attachment bytes and the generated JWT secret must be.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "todokit-scale-e2e-"));
// The README's screenshots come from the single-instance run; this run's go to a temp dir.
process.env.E2E_SCREENSHOTS_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), "todokit-scale-shots-"));

const env: Record<string, string> = {
  SCALE_PORT: String(port),
  DATABASE_URL: databaseUrl,
  TODOKIT_DATA_DIR: dataDir,
  RUST_LOG,
};
// Without it the script finds the release build as scripts/run.sh does.
if (process.env.TODOKIT_BIN) env.TODOKIT_BIN = process.env.TODOKIT_BIN;

export default defineConfig({
  ...baseConfig(port),
  // The balancer's own checks, and two suites of the single-instance run that need nothing
  // but the app (no fake transcription server): a turn, a reload, the tasks page.
  testMatch: ["**/scale-out.spec.ts", "**/chat-slice.spec.ts", "**/ten-steps.spec.ts"],
  webServer: {
    command: "bash ../scripts/scale-out.sh",
    cwd: __dirname,
    // Through haproxy, so both instances and the balancer are up.
    url: `http://127.0.0.1:${port}/api/chatkit/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "pipe",
    stderr: "pipe",
    // The script stops the instances and haproxy on SIGTERM.
    gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
    env,
  },
});
