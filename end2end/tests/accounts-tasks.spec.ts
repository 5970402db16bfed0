import { test, expect } from "@playwright/test";
import { hydrated, openChat, signUp } from "./helpers";

test("sign up, sign in, manage tasks, sign out, protected pages redirect to sign in", async ({ page }) => {
  const email = await signUp(page, "Ada");

  // Sign out, then back in with the same account.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin$/);
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("wrong password!");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("Wrong email or password.");
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Hello, Ada" })).toBeVisible();

  // Create.
  await page.goto("/tasks");
  await hydrated(page);
  await expect(page.locator(".empty")).toContainText("No tasks yet.");
  await page.getByLabel("Title").first().fill("water the plants");
  await page.getByRole("button", { name: "Add" }).click();
  const row = page.locator(".task", { hasText: "water the plants" });
  await expect(row).toHaveCount(1);

  // Edit: title, markdown description, tags.
  await row.getByText("Edit").click();
  await row.getByLabel("Title").fill("water the ferns");
  await row.getByLabel("Description").fill("use **rain** water <script>window.pwned=1</script>");
  await row.getByLabel("Tags").fill("home, garden");
  await row.getByRole("button", { name: "Save" }).click();
  const edited = page.locator(".task", { hasText: "water the ferns" });
  await expect(edited.locator(".markdown strong")).toHaveText("rain");
  await expect(edited.locator(".tag")).toHaveText(["#home", "#garden"]);
  expect(await page.evaluate(() => (window as any).pwned)).toBeUndefined();

  // Complete, filter, reopen.
  await edited.getByRole("button", { name: "Complete" }).click();
  await expect(edited).toHaveClass(/done/);
  await page.getByLabel("Status").selectOption("open");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.locator(".empty")).toContainText("No tasks match");
  await page.goto("/tasks?status=done");
  await hydrated(page);
  await page.locator(".task", { hasText: "water the ferns" }).getByRole("button", { name: "Reopen" }).click();
  await expect(page.locator(".empty")).toContainText("No tasks match");
  await page.goto("/tasks");
  await hydrated(page);

  // Delete, then undo.
  await page.locator(".task", { hasText: "water the ferns" }).getByRole("button", { name: "Delete" }).click();
  await expect(page.locator(".task", { hasText: "water the ferns" })).toHaveCount(0);
  await page.getByRole("status").getByRole("button", { name: "Undo" }).click();
  await expect(page.locator(".task", { hasText: "water the ferns" })).toHaveCount(1);

  // Sign out: the tasks page redirects to sign in, which returns there afterwards.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin$/);
  await page.goto("/tasks?status=open");
  await expect(page).toHaveURL(/\/signin\?next=\/tasks%3Fstatus%3Dopen$/);
  await expect(page.locator(".task")).toHaveCount(0);
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/tasks\?status=open$/);
  await expect(page.locator(".task", { hasText: "water the ferns" })).toHaveCount(1);

  // Ending all sessions signs this browser out too, on the server: the tasks page is closed.
  await hydrated(page);
  await page.getByRole("button", { name: "End all sessions" }).click();
  await expect(page).toHaveURL(/\/signin$/);
  await page.goto("/tasks");
  await expect(page).toHaveURL(/\/signin\?next=\/tasks$/);
});

test("a task added in the chat appears on the open tasks page without a reload", async ({ page }) => {
  await signUp(page);
  await page.goto("/tasks");
  await hydrated(page);
  await expect(page.locator(".empty")).toContainText("No tasks yet.");
  await openChat(page);
  const panel = page.getByRole("dialog", { name: "Chat" });
  await panel.getByLabel("Message").fill("add call the plumber tomorrow");
  await panel.getByLabel("Message").press("Enter");
  await expect(panel.locator(".tool-badge.complete")).toHaveText("Added task 'call the plumber'");
  // No navigation happened: the list refetched on the server's change feed. Its row has
  // a due date, which the browser checks against its own clock (chrono's wasmbind).
  await expect(page.locator(".task-list .task-title")).toHaveText(["call the plumber"], { timeout: 3_000 });
  await expect(page.locator(".task", { hasText: "call the plumber" }).locator(".due")).toBeVisible();
  await expect(page).toHaveURL(/\/tasks$/);
});

test("a task added from another tab appears on the open tasks page without a reload", async ({ page, context }) => {
  await signUp(page);
  await page.goto("/tasks");
  await hydrated(page);
  await expect(page.locator(".empty")).toContainText("No tasks yet.");

  // A second tab of the same session adds a task through its chat.
  const other = await context.newPage();
  await other.goto("/");
  await openChat(other);
  const panel = other.getByRole("dialog", { name: "Chat" });
  await panel.getByLabel("Message").fill("add water the plants");
  await panel.getByLabel("Message").press("Enter");
  await expect(panel.locator(".tool-badge.complete")).toHaveText("Added task 'water the plants'");

  // The first tab heard it from the server's change feed (/api/tasks/events).
  await expect(page.locator(".task-list .task-title")).toHaveText(["water the plants"], { timeout: 3_000 });
  await expect(page).toHaveURL(/\/tasks$/);
});
