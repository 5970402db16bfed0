import { test, expect } from "@playwright/test";
import { openChat, signUp } from "./helpers";

test("spoken words land in the message box, then act like typed ones", async ({ page }) => {
  await signUp(page);
  await openChat(page);
  const panel = page.getByRole("dialog", { name: "Chat" });
  // Chromium's fake microphone; the server's transcription endpoint is the loopback fake.
  await panel.getByRole("button", { name: "Speak" }).click();
  await expect(panel.getByRole("button", { name: "Stop recording" })).toBeVisible();
  await page.waitForTimeout(1_500);
  await panel.getByRole("button", { name: "Stop recording" }).click();
  await expect(panel.getByLabel("Message")).toHaveValue("add buy bread");
  await expect(panel.getByRole("button", { name: "Speak" })).toBeEnabled();
  await panel.getByLabel("Message").press("Enter");
  await expect(panel.locator(".tool-badge.complete").last()).toHaveText("Added task 'buy bread'");
});
