import { test, expect } from "@playwright/test";
import { hydrated, openChat, say, signUp } from "./helpers";

// Run by playwright.scale-out.config.ts only: two todokit instances on one PostgreSQL database
// behind haproxy (scripts/scale-out.sh), which names the instance that answered in
// X-Todokit-Instance.
const INSTANCES = ["instance-1", "instance-2"];

test("haproxy sends each request to the next instance, with no stickiness", async ({ request }) => {
  const seen: string[] = [];
  for (let i = 0; i < 6; i++) {
    const res = await request.get("/api/chatkit/health");
    expect(res.status()).toBe(200);
    expect((await res.json()).database).toBe("postgres");
    seen.push(res.headers()["x-todokit-instance"]);
  }
  console.log(`health answered by: ${seen.join(" ")}`);
  expect([...new Set(seen)].sort()).toEqual(INSTANCES);
  // Round robin with nothing else in flight: never the same instance twice in a row, though
  // the requests share one keep-alive connection.
  for (let i = 1; i < seen.length; i++) expect(seen[i]).not.toBe(seen[i - 1]);
});

test("a user signed up through the balancer chats, and both instances serve them", async ({ page, baseURL }) => {
  const answered: { what: string; instance: string | undefined }[] = [];
  page.on("response", (res) => {
    const url = new URL(res.url());
    if (url.origin !== baseURL) return;
    let what = url.pathname;
    if (what === "/api/chatkit") {
      try {
        what += ` ${JSON.parse(res.request().postData() ?? "{}").type}`;
      } catch {
        // an upload or other non-JSON body: the path says enough
      }
    }
    answered.push({ what, instance: res.headers()["x-todokit-instance"] });
  });

  // The session opened on one instance is good on the other (sessions live in the database).
  await signUp(page);
  await openChat(page);
  const panel = await say(page, "add buy milk");
  await expect(panel.locator(".msg.user")).toHaveText("add buy milk");
  await expect(panel.locator(".tool-badge.complete")).toHaveText("Added task 'buy milk'");
  await expect(panel.locator(".msg.assistant")).toContainText("Added buy milk");

  await page.goto("/tasks");
  await hydrated(page);
  await expect(page.locator(".task-list .task-title")).toHaveText(["buy milk"]);

  const chat = answered.filter((a) => a.what.startsWith("/api/chatkit"));
  console.log(`/api/chatkit answered by: ${chat.map((a) => `${a.what} → ${a.instance}`).join(", ")}`);
  expect(chat.some((a) => a.what === "/api/chatkit threads.create")).toBe(true);
  // Every answer came through haproxy, and both instances gave some of them.
  expect(answered.filter((a) => !a.instance).map((a) => a.what)).toEqual([]);
  expect([...new Set(answered.map((a) => a.instance))].sort()).toEqual(INSTANCES);
});
