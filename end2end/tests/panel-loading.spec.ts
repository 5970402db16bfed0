import { test, expect, Page } from "@playwright/test";
import { chatPanel, hydrated, signUp } from "./helpers";

// The chat panel's code is a WASM chunk of its own (`cargo leptos --split`): pages load
// without it, the launcher fetches it.

/** A `.wasm` file under /pkg/ other than the page's own bundle: a split-off chunk. */
const isChunk = (url: string | URL) => {
  const path = new URL(url).pathname;
  return /^\/pkg\/[^/]+\.wasm$/.test(path) && path !== "/pkg/todokit.wasm";
};

function wasmRequests(page: Page) {
  const seen: string[] = [];
  page.on("request", (r) => {
    if (r.url().endsWith(".wasm")) seen.push(r.url());
  });
  return seen;
}

test("a page loads without the panel's code; reaching the launcher fetches it", async ({ page }) => {
  await signUp(page);
  const seen = wasmRequests(page);
  await page.goto("/tasks");
  await hydrated(page);
  await page.waitForLoadState("networkidle");
  expect(seen.map((u) => new URL(u).pathname)).toContain("/pkg/todokit.wasm");
  expect(seen.filter(isChunk)).toEqual([]);

  await page.getByRole("button", { name: "Open chat" }).hover();
  await expect.poll(() => seen.filter(isChunk).length).toBeGreaterThan(0);
  await page.getByRole("button", { name: "Open chat" }).click();
  await expect(chatPanel(page)).toBeVisible();
  await expect(chatPanel(page).getByLabel("Message")).toBeFocused();
});

test("a chunk that cannot be fetched shows an error with Retry, and Retry opens the panel", async ({ page }) => {
  await signUp(page);
  await page.goto("/tasks");
  await hydrated(page);
  let refused = 0;
  await page.route(isChunk, (route) => {
    refused++;
    return route.abort("internetdisconnected");
  });
  await page.getByRole("button", { name: "Open chat" }).click();
  const alert = page.getByRole("alert").filter({ hasText: "offline" });
  await expect(alert).toBeVisible();
  expect(refused).toBeGreaterThan(0);
  // The page lives on: the launcher still answers.
  await expect(page.getByRole("button", { name: "Open chat" })).toHaveAttribute("aria-expanded", "true");

  await page.unroute(isChunk);
  await alert.getByRole("button", { name: "Retry" }).click();
  await expect(chatPanel(page)).toBeVisible();
  await expect(chatPanel(page).getByLabel("Message")).toBeFocused();
});
