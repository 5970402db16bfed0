// Panel benchmark (prints figures, asserts nothing): click-to-panel-visible on a fresh page, and
// the time from opening the panel on a long thread to its messages painted in the list.
// Run by hand after `cargo leptos build --release -P --split` (`build_site`), from end2end/:
//   TODOKIT_BIN=$CARGO_TARGET_DIR/server-release/todokit node bench/panel.mjs [runs] [items]
// Uses Debian's chromium (CHROMIUM_PATH) and a fresh SQLite file; seeds through the ChatKit API.
import { chromium } from "@playwright/test";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
const runs = Number(process.argv[2] ?? 7);
const items = Number(process.argv[3] ?? 1000);
const port = Number(process.env.BENCH_PORT ?? 3500);
const base = `http://127.0.0.1:${port}`;
const bin = process.env.TODOKIT_BIN ?? path.join(root, "target/server-release/todokit");
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "todokit-bench-"));
const env = {
  ...process.env,
  LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
  LEPTOS_SITE_ROOT: process.env.LEPTOS_SITE_ROOT ?? path.join(root, "target/site"),
  TODOKIT_DATA_DIR: dataDir,
  DATABASE_URL: `sqlite://${dataDir}/todokit.db`,
  JWT_SECRET: `bench-${Date.now()}-0123456789abcdef0123456789`,
  RATE_LIMIT_PER_MINUTE: "1000000000",
  RUST_LOG: "warn",
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs) => `median ${median(xs).toFixed(1)} ms (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)}, n=${xs.length})`;

execFileSync(bin, ["user", "add", "--email", "bench@example.com", "--password-stdin"], { env, input: "correct horse battery\n" });
const token = execFileSync(bin, ["token", "--email", "bench@example.com"], { env }).toString().trim();
const server = spawn(bin, [], { env, stdio: "ignore" });
process.on("exit", () => server.kill());
for (let i = 0; ; i++) {
  try { if ((await fetch(`${base}/api/chatkit/health`)).ok) break; } catch {}
  if (i > 100) throw new Error("server did not start");
  await new Promise((r) => setTimeout(r, 100));
}

async function chatkit(body) {
  const res = await fetch(`${base}/api/chatkit`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${body.type}: ${res.status} ${await res.text()}`);
  return res.text();
}
const input = (text) => ({ content: [{ type: "input_text", text }], attachments: [], inference_options: {} });

// A long thread: each turn of the offline assistant adds the user message and one reply.
const first = await chatkit({ type: "threads.create", params: { input: input("hello 0") } });
const threadId = JSON.parse(first.split("\n").find((l) => l.startsWith("data: ")).slice(6)).thread.id;
let seeded = Date.now();
for (let i = 1; i < items / 2; i++) {
  await chatkit({ type: "threads.add_user_message", params: { thread_id: threadId, input: input(`hello ${i}`) } });
}
const list = JSON.parse(await chatkit({ type: "items.list", params: { thread_id: threadId, limit: 1 } }));
console.log(`seeded thread ${threadId} with ${items / 2} turns in ${((Date.now() - seeded) / 1000).toFixed(1)} s (has_more: ${list.has_more})`);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
// Signed in once through the sign-in page (a session cookie is the page's, not the CLI
// token's); every measured context starts from that state.
const signIn = await browser.newContext({ locale: "en-US" });
const signInPage = await signIn.newPage();
await signInPage.goto(`${base}/signin`);
await signInPage.waitForSelector("body[data-hydrated=true]");
await signInPage.getByLabel("Email").fill("bench@example.com");
await signInPage.getByLabel("Password").fill("correct horse battery");
await signInPage.getByRole("button", { name: "Sign in" }).click();
await signInPage.waitForSelector('[aria-label="Open chat"]');
const storageState = await signIn.storageState();
await signIn.close();

// In the page: click the launcher, then wait (per animation frame) for the dialog to have a box.
const openAndWait = async (page, waitFor) =>
  page.evaluate(async (waitFor) => {
    const t0 = performance.now();
    document.querySelector('[aria-label="Open chat"]').click();
    const count = () => document.querySelectorAll(".chat-panel [data-item-id]").length;
    await new Promise((resolve) => {
      let last = -1, stable = 0;
      const tick = () => {
        const d = document.querySelector('[role=dialog][aria-label="Chat"]');
        const shown = d && d.getBoundingClientRect().height > 0;
        if (shown && waitFor === "panel") return resolve();
        if (shown && waitFor === "items") {
          const n = count();
          // Done when the count is non-zero and unchanged for 5 frames (no paging in flight).
          stable = n > 0 && n === last ? stable + 1 : 0;
          last = n;
          if (stable >= 5) return resolve();
        }
        requestAnimationFrame(tick);
      };
      tick();
    });
    // Subtract the 5 idle frames of the "items" wait (about 16.7 ms each at 60 Hz).
    return { ms: performance.now() - t0, items: count() };
  }, waitFor);

// Each measured cold (the click fetches the panel's chunk) and warm (the pointer reached the
// launcher first, which fetches it, as a mouse user's click does).
const figures = { panel: [], "panel-warm": [], items: [], "items-warm": [] };
let rendered = 0;
for (let i = 0; i < runs; i++) {
  for (const key of Object.keys(figures)) {
    const [kind, warm] = key.split("-");
    const ctx = await browser.newContext({ locale: "en-US", storageState });
    if (kind === "items") await ctx.addInitScript((id) => localStorage.setItem("todokit.thread", id), threadId);
    const page = await ctx.newPage();
    await page.goto(`${base}/`);
    await page.waitForSelector("body[data-hydrated=true]");
    if (warm) {
      const chunk = page.waitForResponse((r) => /\/pkg\/split_[^/]+\.wasm$/.test(r.url()));
      await page.hover('[aria-label="Open chat"]');
      await (await chunk).finished();
      await page.waitForTimeout(50);
    }
    const r = await openAndWait(page, kind);
    figures[key].push(kind === "items" ? r.ms - 5 * (1000 / 60) : r.ms);
    rendered = kind === "items" ? r.items : rendered;
    await ctx.close();
  }
}
console.log(`click to panel visible (fresh page, first open, chunk fetched on click): ${fmt(figures.panel)}`);
console.log(`click to panel visible (fresh page, first open, chunk fetched on hover): ${fmt(figures["panel-warm"])}`);
console.log(`open a ${items}-item thread to its messages painted (${rendered} items in the list), chunk fetched on click: ${fmt(figures.items)}`);
console.log(`open a ${items}-item thread to its messages painted (${rendered} items in the list), chunk fetched on hover: ${fmt(figures["items-warm"])}`);
await browser.close();
server.kill();
fs.rmSync(dataDir, { recursive: true, force: true });
