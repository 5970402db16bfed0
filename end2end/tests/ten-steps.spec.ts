import { test, expect } from "@playwright/test";
import { chatPanel, hydrated, openChat, say, shot, signUp } from "./helpers";

test("the ten-step flow: sign in to new chat", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  // 1. Sign in (a fresh account), with one task to start from.
  await signUp(page, "Ada");
  await page.goto("/tasks");
  await hydrated(page);
  await page.getByLabel("Title").first().fill("Grocery shopping");
  await page.getByRole("button", { name: "Add" }).click();
  await expect(page.locator(".task-title")).toHaveText(["Grocery shopping"]);
  // 2–3. The launcher opens the panel.
  await openChat(page);
  const panel = chatPanel(page);
  await shot(page, "desktop-start");
  // 4. "show me my tasks": a tool badge and the list.
  await say(page, "show me my tasks");
  await expect(panel.locator(".tool-badge.complete").last()).toBeVisible();
  await expect(panel.locator(".msg.widget").last()).toContainText("Grocery shopping");
  // 5. Add a task.
  await say(page, "add a task called 'Meeting prep'");
  await expect(panel.locator(".tool-badge.complete").last()).toHaveText("Added task 'Meeting prep'");
  // 6. Complete one by its words.
  await say(page, "mark my grocery task as done");
  await expect(panel.locator(".msg.assistant").last()).toContainText("Grocery shopping");
  // 7. What is left.
  await say(page, "show me what's left");
  const left = panel.locator(".msg.widget .wg-list").last();
  await expect(left).toContainText("Meeting prep");
  await expect(left.locator(".wg-list-item", { hasText: "Grocery shopping" })).toHaveCount(0);
  await shot(page, "desktop");
  // 8. Close and reopen: the conversation is still there.
  await panel.getByRole("button", { name: "Close chat" }).click();
  await expect(panel).toHaveCount(0);
  await openChat(page);
  await expect(chatPanel(page).locator(".msg.user")).toHaveText([
    "show me my tasks", "add a task called 'Meeting prep'", "mark my grocery task as done", "show me what's left",
  ]);
  // 9. The tasks page agrees.
  await page.goto("/tasks?status=all");
  await hydrated(page);
  await expect(page.locator(".task", { hasText: "Meeting prep" })).not.toHaveClass(/done/);
  await expect(page.locator(".task", { hasText: "Grocery shopping" })).toHaveClass(/done/);
  // 10. New chat resets the panel.
  await openChat(page);
  await chatPanel(page).getByRole("button", { name: "New chat" }).click();
  await expect(chatPanel(page).locator(".msg")).toHaveCount(0);
  await expect(chatPanel(page).getByRole("heading", { name: "Hello, Ada!" })).toBeVisible();
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  test("the panel is full screen and works", async ({ page }) => {
    await signUp(page);
    await openChat(page);
    const panel = chatPanel(page);
    const box = await panel.boundingBox();
    expect(box).toEqual({ x: 0, y: 0, width: 390, height: 844 });
    await say(page, "add buy milk");
    await say(page, "show me my tasks");
    await expect(panel.locator(".msg.widget")).toBeVisible();
    await shot(page, "mobile");
    await panel.getByRole("button", { name: "Close chat" }).click();
    await expect(page.getByRole("button", { name: "Open chat" })).toBeVisible();
  });
});
