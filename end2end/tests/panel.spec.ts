import { test, expect, Page } from "@playwright/test";
import { EMOJI, chatPanel, hydrated, openChat, say, shot, signUp, signUpIn } from "./helpers";

/** The request bodies the panel posts to /api/chatkit, by `type`, as they happen. */
function recordRequests(page: Page) {
  const seen: { type: string; params: any }[] = [];
  page.on("request", (r) => {
    if (r.url().endsWith("/api/chatkit") && r.method() === "POST") {
      try { seen.push(JSON.parse(r.postData() ?? "{}")); } catch { /* not JSON */ }
    }
  });
  return seen;
}

test("icons are SVG with names, no emoji anywhere; a favicon is served", async ({ page }) => {
  await signUp(page);
  const launcher = page.getByRole("button", { name: "Open chat" });
  await expect(launcher.locator("svg")).toHaveCount(1);
  await openChat(page);
  const panel = chatPanel(page);
  await say(page, "add buy milk");
  // Every button in the panel has an accessible name; none shows an emoji.
  const buttons = panel.getByRole("button");
  const count = await buttons.count();
  expect(count).toBeGreaterThan(8);
  for (let i = 0; i < count; i++) {
    const b = buttons.nth(i);
    const name = (await b.getAttribute("aria-label")) ?? (await b.innerText());
    expect(name.trim(), `button ${i}`).not.toBe("");
  }
  for (const label of ["Attach a file", "Send", "New chat", "History", "Close chat", "Copy", "Good answer", "Bad answer", "Retry", "Edit", "Dark theme", "Language: English"]) {
    await expect(panel.getByRole("button", { name: label, exact: true }).locator("svg")).toHaveCount(1);
  }
  expect(await page.locator("body").innerText()).not.toMatch(EMOJI);
  await expect(page.locator('link[rel=icon]')).toHaveAttribute("href", "/favicon.svg");
  const icon = await page.request.get("/favicon.svg");
  expect(icon.status()).toBe(200);
  expect(await icon.text()).toContain("<svg");
});

test("the start screen greets by name and its chips send", async ({ page }) => {
  await signUp(page, "Ada");
  await openChat(page);
  const panel = chatPanel(page);
  await expect(panel.getByRole("heading", { name: "Hello, Ada!" })).toBeVisible();
  const chips = panel.getByRole("group", { name: "Suggestions" }).getByRole("button");
  await expect(chips).toHaveText(["Show me my tasks", "What's due today?", "What's overdue?", "What's left?"]);
  await chips.first().click();
  await expect(panel.locator(".msg.user")).toHaveText("Show me my tasks");
  await expect(panel.locator(".msg.assistant")).toBeVisible();
  await expect(panel.getByRole("group", { name: "Suggestions" })).toHaveCount(0);
});

test("copy, thumbs, retry and edit on messages; copy on code blocks", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const sent = recordRequests(page);
  await signUp(page);
  await openChat(page);
  const panel = await say(page, "add buy milk");
  const answer = panel.locator(".msg.assistant").last();
  await expect(answer).toContainText("buy milk");

  await answer.getByRole("button", { name: "Copy" }).click();
  await expect(answer.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toContain("buy milk");

  const up = answer.getByRole("button", { name: "Good answer" });
  await expect(up).toHaveAttribute("aria-pressed", "false");
  await up.click();
  await expect(up).toHaveAttribute("aria-pressed", "true");
  await expect(answer.getByRole("button", { name: "Bad answer" })).toHaveAttribute("aria-pressed", "false");
  await expect.poll(() => sent.find((r) => r.type === "items.feedback")?.params.kind).toBe("positive");

  // Retry: the last answer is asked for again and replaces the old one.
  const oldId = await answer.getAttribute("data-item-id");
  await answer.getByRole("button", { name: "Retry" }).click();
  await expect(panel.getByRole("button", { name: "Send" })).toBeEnabled();
  await expect(panel.locator(".msg.assistant")).toHaveCount(1);
  await expect(panel.locator(".msg.assistant")).not.toHaveAttribute("data-item-id", oldId!);
  expect(sent.some((r) => r.type === "threads.retry_after_item")).toBe(true);

  // Edit: the last message comes back to the composer to change and send again.
  await panel.locator(".msg-row.user").last().getByRole("button", { name: "Edit" }).click();
  const box = panel.getByLabel("Message");
  await expect(box).toHaveValue("add buy milk");
  await expect(box).toBeFocused();
  await box.fill("add buy oat milk");
  await box.press("Enter");
  await expect(panel.locator(".msg.user").last()).toHaveText("add buy oat milk");
  await expect(panel.locator(".tool-badge.complete").last()).toHaveText("Added task 'buy oat milk'");

  // Code blocks (here in a task's markdown description) carry their own copy button.
  await page.goto("/tasks");
  await hydrated(page);
  const row = page.locator(".task", { hasText: "buy oat milk" });
  await row.getByText("Edit").click();
  await row.getByLabel("Description").fill("Steps:\n\n```\nnpm ci\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n- two\n\n[docs](https://example.com) <b>raw</b>");
  await row.getByRole("button", { name: "Save" }).click();
  const md = row.locator(".markdown");
  await expect(md.locator("table td")).toHaveText(["1", "2"]);
  await expect(md.locator("li")).toHaveText(["one", "two"]);
  await expect(md.getByRole("link", { name: "docs" })).toHaveAttribute("href", "https://example.com");
  await expect(md).toContainText("<b>raw</b>");
  await md.getByRole("button", { name: "Copy code" }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe("npm ci\n");
});

test("thinking until the first words; the list stops following when scrolled up", async ({ page }) => {
  await signUp(page);
  await openChat(page);
  const panel = chatPanel(page);
  for (const t of ["add one", "add two", "add three", "add four"]) await say(page, t);
  // Slow the next turn down: "Thinking…" shows until its first event arrives.
  await page.route("**/api/chatkit", async (route) => {
    await new Promise((r) => setTimeout(r, 1500));
    await route.continue();
  });
  await panel.getByLabel("Message").fill("show me my tasks");
  await panel.getByLabel("Message").press("Enter");
  await expect(panel.getByRole("status").filter({ hasText: "Thinking…" })).toBeVisible();
  await expect(panel.locator(".msg.widget")).toBeVisible();
  await expect(panel.locator(".chat-thinking")).toHaveCount(0);
  await page.unroute("**/api/chatkit");
  await expect(panel.getByRole("button", { name: "Send" })).toBeEnabled();

  const list = panel.locator(".chat-messages");
  const atBottom = () => list.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 50);
  expect(await atBottom()).toBe(true);
  await list.evaluate((el) => { el.scrollTop = 0; el.dispatchEvent(new Event("scroll")); });
  const jump = panel.getByRole("button", { name: "Jump to latest" });
  await expect(jump).toBeVisible();
  await say(page, "show me my tasks");
  expect(await list.evaluate((el) => el.scrollTop)).toBeLessThan(50);
  await jump.click();
  await expect.poll(atBottom).toBe(true);
  await expect(jump).toHaveCount(0);
  // The answer was announced to screen readers.
  await expect(panel.locator("[aria-live=polite]")).not.toHaveText("");
});

test("401 keeps the draft and offers sign-in; 429 says when; offline offers retry", async ({ page }) => {
  await signUp(page);
  await openChat(page);
  const panel = chatPanel(page);
  const box = panel.getByLabel("Message");
  const alert = panel.getByRole("alert");

  await page.route("**/api/chatkit", (route) =>
    route.fulfill({ status: 429, headers: { "Retry-After": "7", "Content-Type": "application/json" }, body: '{"error":{"code":"rate_limited","message":"slow"}}' }));
  await box.fill("add buy milk");
  await box.press("Enter");
  await expect(alert).toContainText("Slow down: try again in 7 s.");
  await expect(box).toHaveValue("add buy milk");
  await page.unroute("**/api/chatkit");

  await page.route("**/api/chatkit", (route) => route.abort("internetdisconnected"));
  await box.press("Enter");
  await expect(alert).toContainText("You are offline");
  await expect(box).toHaveValue("add buy milk");
  await page.unroute("**/api/chatkit");
  await alert.getByRole("button", { name: "Retry" }).click();
  await expect(panel.locator(".tool-badge.complete").last()).toHaveText("Added task 'buy milk'");
  await expect(alert).toHaveCount(0);

  await page.route("**/api/chatkit", (route) =>
    route.fulfill({ status: 500, contentType: "application/json", body: '{"error":{"code":"internal","message":"boom"}}' }));
  await box.fill("add call mom");
  await box.press("Enter");
  await expect(alert).toContainText("The server had a problem (500).");
  await expect(alert.getByRole("button", { name: "Retry" })).toBeVisible();
  await page.unroute("**/api/chatkit");

  await page.route("**/api/chatkit", (route) =>
    route.fulfill({ status: 401, contentType: "application/json", body: '{"error":{"code":"unauthorized","message":"no"}}' }));
  await box.fill("add call mom tomorrow");
  await box.press("Enter");
  await expect(alert).toContainText("Sign in again");
  await expect(alert.getByRole("link", { name: "Sign in again" })).toHaveAttribute("href", /\/signin\?next=/);
  await expect(box).toHaveValue("add call mom tomorrow");
  expect(await page.evaluate(() => localStorage.getItem("todokit.draft"))).toBe("add call mom tomorrow");
  await page.unroute("**/api/chatkit");
  // The draft survives a reload too.
  await page.reload();
  await openChat(page);
  await expect(chatPanel(page).getByLabel("Message")).toHaveValue("add call mom tomorrow");
});

test("Urdu: the switch, <html lang dir>, Urdu chips and answers, IME-safe Enter", async ({ page }) => {
  await signUp(page, "عائشہ");
  await openChat(page);
  let panel = chatPanel(page);
  await panel.getByRole("button", { name: "Language: English" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "ur");
  await expect(page.locator("html")).toHaveAttribute("dir", "rtl");
  panel = chatPanel(page, "چیٹ");
  await expect(panel.getByRole("heading", { name: "السلام علیکم، عائشہ!" })).toBeVisible();
  await expect(panel.getByRole("button", { name: "بھیجیں" })).toBeVisible();

  // Enter that ends an IME composition does not send.
  const box = panel.getByLabel("پیغام");
  await box.fill("کیا باقی ہے");
  await box.dispatchEvent("keydown", { key: "Enter", isComposing: true });
  await expect(panel.locator(".msg.user")).toHaveCount(0);

  await panel.getByRole("button", { name: "میرے کام دکھاؤ" }).click();
  await expect(panel.locator(".msg.user")).toHaveText("میرے کام دکھاؤ");
  await expect(panel.locator(".msg.user")).toHaveAttribute("dir", "auto");
  await expect(panel.locator(".msg.assistant").last()).toHaveAttribute("dir", "auto");
  await expect(panel.getByRole("button", { name: "بھیجیں" })).toBeEnabled();
  await box.fill("دودھ لینا شامل کرو");
  await box.press("Enter");
  await expect(panel.locator(".msg.assistant").last()).toContainText("دودھ لینا");
  // The badges speak the panel's language too (the panel sends it as Accept-Language).
  await expect(panel.locator(".tool-badge.complete").last()).toHaveText("کام شامل کیا: 'دودھ لینا'");
  await shot(page, "urdu");

  // Remembered after a reload; a browser asking for Urdu gets it from the start.
  await page.reload();
  await hydrated(page);
  await expect(page.locator("html")).toHaveAttribute("lang", "ur");
  await page.getByRole("button", { name: "چیٹ کھولیں" }).click();
  await chatPanel(page, "چیٹ").getByRole("button", { name: "زبان: اردو" }).click();
  await expect(page.locator("html")).toHaveAttribute("dir", "ltr");
});

test.describe("a browser set to Urdu", () => {
  test.use({ locale: "ur-PK" });
  test("gets the Urdu panel without choosing", async ({ page }) => {
    await signUpIn(page, "ur");
    await expect(page.locator("html")).toHaveAttribute("lang", "ur");
    await page.getByRole("button", { name: "چیٹ کھولیں" }).click();
    await expect(chatPanel(page, "چیٹ")).toBeVisible();
  });
});

test("the theme toggle switches to dark and is remembered", async ({ page }) => {
  await signUp(page);
  await openChat(page);
  const toggle = chatPanel(page).getByRole("button", { name: "Dark theme" });
  await expect(toggle).toHaveAttribute("aria-pressed", "false");
  await toggle.click();
  await expect(toggle).toHaveAttribute("aria-pressed", "true");
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(await bg()).toBe("rgb(19, 19, 24)");
  await say(page, "add buy milk");
  await say(page, "show me my tasks");
  await shot(page, "dark");
  await page.reload();
  await hydrated(page);
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  expect(await bg()).toBe("rgb(19, 19, 24)");
  await openChat(page);
  await chatPanel(page).getByRole("button", { name: "Dark theme" }).click();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
  expect(await bg()).toBe("rgb(247, 247, 249)");
});

test("keyboard: focus in and out, Tab reaches every control, Escape closes", async ({ page }) => {
  await signUp(page);
  await hydrated(page);
  const launcher = page.getByRole("button", { name: "Open chat" });
  await launcher.focus();
  await page.keyboard.press("Enter");
  const panel = chatPanel(page);
  await expect(panel.getByLabel("Message")).toBeFocused();
  // Tab walks through the panel's controls in order, the chips included.
  await panel.getByRole("button", { name: "New chat" }).focus();
  const reached: string[] = [];
  for (let i = 0; i < 14; i++) {
    reached.push(await page.evaluate(() => document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.textContent ?? ""));
    await page.keyboard.press("Tab");
  }
  for (const name of ["New chat", "History", "Language: English", "Dark theme", "Close chat", "Show me my tasks",
    "What's left?", "Attach a file", "Message", "Send"]) {
    expect(reached, name).toContain(name);
  }
  await panel.getByLabel("Message").focus();
  await page.keyboard.press("Escape");
  await expect(panel).toHaveCount(0);
  await expect(launcher).toBeFocused();
});

test("history: search, paging on scroll, rename, delete with confirm, new chat", async ({ page }) => {
  await signUp(page);
  await openChat(page);
  const panel = chatPanel(page);
  await say(page, "add buy milk");
  await panel.getByRole("button", { name: "New chat" }).click();
  await expect(panel.getByRole("group", { name: "Suggestions" })).toBeVisible();
  await say(page, "add call mom");
  await panel.getByRole("button", { name: "History" }).click();
  const rows = panel.locator(".thread-row");
  await expect(rows).toHaveCount(2);
  await panel.getByLabel("Search chats").fill("mom");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("Add call mom");
  await panel.getByLabel("Search chats").fill("");

  await rows.filter({ hasText: "Add buy milk" }).getByRole("button", { name: "Rename" }).click();
  await panel.getByLabel("Thread title").fill("Groceries");
  await panel.getByLabel("Thread title").press("Enter");
  await expect(rows.filter({ hasText: "Groceries" })).toHaveCount(1);
  const groceries = rows.filter({ hasText: "Groceries" });
  await groceries.getByRole("button", { name: "Delete" }).click();
  await groceries.getByRole("button", { name: "Keep" }).click();
  await expect(rows).toHaveCount(2);
  await groceries.getByRole("button", { name: "Delete" }).click();
  await groceries.getByRole("group", { name: "Delete this chat?" }).getByRole("button", { name: "Delete" }).click();
  await expect(rows).toHaveCount(1);
  await rows.first().getByRole("button", { name: "Add call mom" }).click();
  await expect(panel.locator(".msg.user")).toHaveText("add call mom");

  // Paging: 20 a page; scrolling to the end asks for the next with `after`.
  const asked: (string | undefined)[] = [];
  await page.route("**/api/chatkit", async (route) => {
    const body = JSON.parse(route.request().postData() ?? "{}");
    if (body.type !== "threads.list") return route.continue();
    asked.push(body.params.after);
    const from = body.params.after ? 20 : 0;
    const n = body.params.after ? 5 : 20;
    const data = Array.from({ length: n }, (_, i) => ({
      id: `thr_${from + i}`, title: `Chat ${from + i}`, created_at: "2026-12-01T00:00:00Z",
      status: { type: "active" }, metadata: {}, items: { data: [], has_more: false },
    }));
    await route.fulfill({ contentType: "application/json", body: JSON.stringify({ data, has_more: !body.params.after, after: body.params.after ? null : "thr_19" }) });
  });
  await panel.getByRole("button", { name: "History" }).click();
  await expect(rows).toHaveCount(20);
  await panel.locator(".chat-history").evaluate((el) => { el.scrollTop = el.scrollHeight; el.dispatchEvent(new Event("scroll")); });
  await expect(rows).toHaveCount(25);
  expect(asked).toEqual([undefined, "thr_19"]);
  await page.unroute("**/api/chatkit");
});

test("Table widgets render; the slash menu is keyboard-driven", async ({ page }) => {
  await signUp(page);
  await hydrated(page);
  // A saved thread whose widget is a table (our assistant sends none yet).
  await page.evaluate(() => localStorage.setItem("todokit.thread", "thr_table"));
  await page.route("**/api/chatkit", async (route) => {
    const body = JSON.parse(route.request().postData() ?? "{}");
    if (body.type === "threads.get_by_id") {
      const cell = (v: string, align?: string) => ({ type: "Table.Cell", align, children: [{ type: "Text", value: v }] });
      const widget = { type: "Card", children: [{ type: "Table", children: [
        { type: "Table.Row", header: true, children: [cell("Task"), cell("Due", "end")] },
        { type: "Table.Row", children: [cell("buy milk"), cell("today", "end")] },
      ] }] };
      return route.fulfill({ contentType: "application/json", body: JSON.stringify({
        id: "thr_table", title: "Table", created_at: "2026-12-01T00:00:00Z", status: { type: "active" }, metadata: {},
        items: { has_more: false, data: [{ id: "msg_t", thread_id: "thr_table", created_at: "2026-12-01T00:00:00Z", type: "widget", widget }] },
      }) });
    }
    if (body.type === "todokit.threads.resume") return route.fulfill({ contentType: "text/event-stream", body: "" });
    return route.continue();
  });
  await page.getByRole("button", { name: "Open chat" }).click();
  const panel = chatPanel(page);
  const table = panel.locator(".wg-table");
  await expect(table.locator("tr")).toHaveCount(2);
  await expect(table.locator("td")).toHaveText(["Task", "Due", "buy milk", "today"]);
  await page.unroute("**/api/chatkit");

  await panel.getByRole("button", { name: "New chat" }).click();
  const box = panel.getByLabel("Message");
  await box.fill("/");
  const menu = panel.getByRole("listbox", { name: "Commands" });
  await expect(menu.getByRole("option")).toHaveCount(4);
  await expect(menu.getByRole("option").first()).toHaveAttribute("aria-selected", "true");
  await box.press("ArrowDown");
  await expect(menu.getByRole("option").nth(1)).toHaveAttribute("aria-selected", "true");
  await box.press("Escape");
  await expect(menu).toHaveCount(0);
  await expect(panel).toBeVisible();
  await box.fill("/to");
  await expect(menu.getByRole("option")).toHaveText([/\/today/]);
  await box.press("Enter");
  await expect(panel.locator(".msg.user")).toHaveText("What's due today?");
  await expect(panel.getByRole("button", { name: "Send" })).toBeEnabled();
  await box.fill("/new");
  await box.press("Enter");
  await expect(panel.locator(".msg.user")).toHaveCount(0);
  await expect(panel.getByRole("group", { name: "Suggestions" })).toBeVisible();
});
