import { test, expect } from "@playwright/test";
import { hydrated, openChat, signUp } from "./helpers";

test("a chat turn adds a task, survives a reload and shows on the tasks page", async ({ page }) => {
  await signUp(page);
  await openChat(page);

  const panel = page.getByRole("dialog", { name: "Chat" });
  const box = panel.getByLabel("Message");
  await box.fill("add buy milk");
  await box.press("Enter");

  await expect(panel.locator(".msg.user")).toHaveText("add buy milk");
  await expect(panel.locator(".tool-badge.complete")).toHaveText("Added task 'buy milk'");
  await expect(panel.locator(".msg.assistant")).toContainText("Added buy milk");
  await expect(panel.locator(".chat-title")).toHaveText("Add buy milk");

  // A reload reopens the same thread from localStorage via threads.get_by_id.
  await page.reload();
  await openChat(page);
  await expect(panel.locator(".msg.user")).toHaveText("add buy milk");
  await expect(panel.locator(".msg.assistant")).toContainText("Added buy milk");

  // The task is really stored for this user.
  await page.goto("/tasks");
  await hydrated(page);
  await expect(page.locator(".task-list .task-title")).toHaveText(["buy milk"]);
});

test("markup typed into the chat is shown as text, never run", async ({ page }) => {
  await signUp(page);
  await openChat(page);
  const panel = page.getByRole("dialog", { name: "Chat" });
  await panel.getByLabel("Message").fill("add <img src=x onerror=\"window.pwned=1\"> **bold**");
  await panel.getByLabel("Message").press("Enter");
  await expect(panel.locator(".msg.assistant")).toContainText("<img src=x");
  expect(await page.evaluate(() => (window as any).pwned)).toBeUndefined();
  await expect(panel.locator(".msg.assistant img")).toHaveCount(0);
});
