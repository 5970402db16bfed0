import { test, expect } from "@playwright/test";
import { openChat, signUp } from "./helpers";

/** A valid 1×1 RGBA PNG. */
const PIXEL = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==",
  "base64",
);

test("an attached image shows as a chip, goes with the message and is still there after a reload", async ({ page }) => {
  await signUp(page);
  await openChat(page);
  const panel = page.getByRole("dialog", { name: "Chat" });

  await expect(panel.getByRole("button", { name: "Attach a file" })).toBeVisible();
  await panel.locator("input[type=file]").setInputFiles({ name: "pixel.png", mimeType: "image/png", buffer: PIXEL });
  const chip = panel.locator(".chat-drafts .chip", { hasText: "pixel.png" });
  await expect(chip).toHaveAttribute("data-ready", "true");
  await expect(chip.locator("img.chip-thumb")).toHaveJSProperty("naturalWidth", 1);
  await expect(chip.getByRole("button", { name: "Remove pixel.png" })).toBeEnabled();

  await panel.getByLabel("Message").fill("add buy milk");
  await panel.getByLabel("Message").press("Enter");
  await expect(panel.getByRole("button", { name: "Send" })).toBeEnabled();
  await expect(panel.locator(".chat-drafts")).toHaveCount(0);
  await expect(panel.locator(".tool-badge.complete").last()).toHaveText("Added task 'buy milk'");
  const sent = panel.locator(".msg.user", { hasText: "add buy milk" });
  const image = sent.getByRole("img", { name: "pixel.png" });
  await expect(image).toHaveJSProperty("naturalWidth", 1);

  // The thread is reloaded from the server: the message still carries its image.
  await page.reload();
  await openChat(page);
  const again = page.getByRole("dialog", { name: "Chat" }).locator(".msg.user", { hasText: "add buy milk" });
  await expect(again.getByRole("img", { name: "pixel.png" })).toHaveJSProperty("naturalWidth", 1);
});

test("a file of a type we do not accept is refused in the panel's error area", async ({ page }) => {
  await signUp(page);
  await openChat(page);
  const panel = page.getByRole("dialog", { name: "Chat" });
  await panel.locator("input[type=file]").setInputFiles({ name: "page.html", mimeType: "text/html", buffer: Buffer.from("<p>hi</p>") });
  await expect(panel.getByRole("alert")).toContainText("not accepted");
  await expect(panel.locator(".chat-drafts")).toHaveCount(0);
});
