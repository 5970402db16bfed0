import { test, expect } from "@playwright/test";
import { hydrated, openChat, signUp } from "./helpers";

async function say(page: import("@playwright/test").Page, text: string) {
  const panel = page.getByRole("dialog", { name: "Chat" });
  await panel.getByLabel("Message").fill(text);
  await panel.getByLabel("Message").press("Enter");
  // The turn is over when Send is enabled again.
  await expect(panel.getByRole("button", { name: "Send" })).toBeEnabled();
  return panel;
}

test("a listing's Done button completes the task in place; a delete waits for Confirm", async ({ page }) => {
  await signUp(page);
  await openChat(page);
  const panel = page.getByRole("dialog", { name: "Chat" });
  await say(page, "add buy milk");
  await expect(panel.locator(".tool-badge.complete").last()).toHaveText("Added task 'buy milk'");
  await say(page, "add call mom");
  await expect(panel.locator(".tool-badge.complete").last()).toHaveText("Added task 'call mom'");

  // "what's left?" answers in words and with a list widget.
  await say(page, "what's left?");
  const list = panel.locator(".msg.widget .wg-list").last();
  await expect(list.locator(".wg-status")).toHaveText("Tasks · 2");
  const milk = list.locator(".wg-list-item", { hasText: "buy milk" });
  await expect(milk.getByRole("button", { name: "Done" })).toBeVisible();
  await milk.getByRole("button", { name: "Done" }).click();
  // Updated in place: the row is struck through and its button became a badge.
  await expect(milk.locator(".wg-text[data-line-through=true]")).toContainText("buy milk");
  await expect(milk.getByRole("button", { name: "Done" })).toHaveCount(0);
  await expect(milk.locator(".wg-badge", { hasText: "Done" })).toBeVisible();
  await expect(list.locator(".wg-list-item", { hasText: "call mom" }).getByRole("button", { name: "Done" })).toBeVisible();

  // An uncertain delete shows Confirm/Cancel; Cancel keeps the task.
  await say(page, "delete mom");
  let card = panel.locator(".msg.widget .wg-card").last();
  await expect(card).toContainText("call mom");
  await card.getByRole("button", { name: "Cancel" }).click();
  await expect(panel.locator(".msg.widget .wg-card").last()).toContainText("Kept");

  await say(page, "delete mom");
  card = panel.locator(".msg.widget .wg-card").last();
  await card.getByRole("button", { name: "Confirm" }).click();
  await expect(panel.locator(".msg.widget .wg-card").last()).toContainText("Deleted: call mom");

  // The tasks page agrees, and the widget survives a reload as updated.
  await page.goto("/tasks?status=all");
  await hydrated(page);
  await expect(page.locator(".task .task-title")).toHaveText(["buy milk"]);
  await expect(page.locator(".task", { hasText: "buy milk" })).toHaveClass(/done/);
  await openChat(page);
  const reopened = page.getByRole("dialog", { name: "Chat" });
  const row = reopened.locator(".wg-list-item", { hasText: "buy milk" }).last();
  await expect(row.locator(".wg-badge", { hasText: "Done" })).toBeVisible();
});
