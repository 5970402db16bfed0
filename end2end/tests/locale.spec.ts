import { test, expect, Page, Response } from "@playwright/test";
import { chatPanel, hydrated, langFlips, shot, signUpIn, watchLang } from "./helpers";

/** The HTML the server sent for a navigation, before any script ran. */
async function firstBytes(response: Response | null) {
  expect(response, "a navigation response").not.toBeNull();
  expect(response!.status()).toBe(200);
  return response!.text();
}

/** Hydration errors the page reported (Leptos logs a mismatch between server and browser). */
function hydrationErrors(page: Page) {
  const errors: string[] = [];
  page.on("console", (m) => { if (m.type() === "error" && /hydrat/i.test(m.text())) errors.push(m.text()); });
  page.on("pageerror", (e) => { if (/hydrat/i.test(e.message)) errors.push(e.message); });
  return errors;
}

test.describe("a browser set to Urdu", () => {
  test.use({ locale: "ur-PK" });

  test("gets sign-in and tasks pages in Urdu from the first byte, errors too, no flip after hydration", async ({ page }) => {
    const errors = hydrationErrors(page);
    await watchLang(page);

    // Sign-in page: the server's HTML is already Urdu and right-to-left.
    const signin = await firstBytes(await page.goto("/signin"));
    expect(signin).toContain('lang="ur"');
    expect(signin).toContain('dir="rtl"');
    expect(signin).toContain("سائن ان کریں");
    expect(signin).toContain("پاس ورڈ");
    expect(signin).not.toContain(">Password<");
    await hydrated(page);
    await expect(page.locator("html")).toHaveAttribute("lang", "ur");
    await expect(page.locator("html")).toHaveAttribute("dir", "rtl");
    await expect(page.getByRole("heading", { name: "سائن ان کریں" })).toBeVisible();
    await expect(page.getByLabel("پاس ورڈ", { exact: true })).toBeVisible();
    expect(await langFlips(page)).toEqual([]);

    // A server function's error comes back in the request's language.
    await page.getByLabel("ای میل", { exact: true }).fill("nobody@example.com");
    await page.getByLabel("پاس ورڈ", { exact: true }).fill("wrong password!");
    await page.getByRole("button", { name: "سائن ان کریں" }).click();
    await expect(page.getByRole("alert")).toHaveText("ای میل یا پاس ورڈ غلط ہے۔");

    await signUpIn(page, "ur", "عائشہ");

    // Tasks page: Urdu in the server's HTML and unchanged once hydrated.
    const tasks = await firstBytes(await page.goto("/tasks"));
    expect(tasks).toContain('lang="ur"');
    expect(tasks).toContain('dir="rtl"');
    for (const words of ["نیا کام", "لاگو کریں", "شامل کریں", "سائن آؤٹ کریں"]) expect(tasks).toContain(words);
    for (const words of ["New task", ">Apply<", ">Sign out<"]) expect(tasks).not.toContain(words);
    await hydrated(page);
    await expect(page.getByRole("heading", { name: "کام", exact: true })).toBeVisible();
    await expect(page.getByPlaceholder("نیا کام")).toBeVisible();
    await expect(page.getByRole("button", { name: "لاگو کریں" })).toBeVisible();
    await expect(page.locator(".empty")).toContainText("ابھی کوئی کام نہیں۔");
    await expect(page.locator("html")).toHaveAttribute("lang", "ur");
    await expect(page.locator("html")).toHaveAttribute("dir", "rtl");
    expect(await langFlips(page)).toEqual([]);
    expect(errors).toEqual([]);

    // Choosing English in the panel wins over the browser's Urdu on the next load (cookie).
    await page.getByRole("button", { name: "چیٹ کھولیں" }).click();
    await chatPanel(page, "چیٹ").getByRole("button", { name: "زبان: اردو" }).click();
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    await expect(page.getByRole("heading", { name: "Tasks", exact: true })).toBeVisible();
    const english = await firstBytes(await page.reload());
    expect(english).toContain('lang="en"');
    expect(english).toContain("New task");
    await hydrated(page);
    await expect(page.getByPlaceholder("New task")).toBeVisible();
  });
});

test.describe("a browser set to English", () => {
  test.use({ locale: "en-US" });

  test("gets English pages", async ({ page }) => {
    const signin = await firstBytes(await page.goto("/signin"));
    expect(signin).toContain('lang="en"');
    expect(signin).toContain('dir="ltr"');
    expect(signin).toContain("Password");
    expect(signin).not.toContain("پاس ورڈ");
    await signUpIn(page, "en", "Ada");
    const tasks = await firstBytes(await page.goto("/tasks"));
    expect(tasks).toContain('lang="en"');
    expect(tasks).toContain("New task");
    expect(tasks).not.toContain("نیا کام");
    await hydrated(page);
    await expect(page.getByRole("heading", { name: "Tasks", exact: true })).toBeVisible();
  });

  test("choosing Urdu in the panel renders the next load in Urdu; adding a task works there", async ({ page, context }) => {
    const errors = hydrationErrors(page);
    await signUpIn(page, "en", "Ada");
    await page.goto("/tasks");
    await hydrated(page);
    await page.getByRole("button", { name: "Open chat" }).click();
    await chatPanel(page).getByRole("button", { name: "Language: English" }).click();
    // The page around the panel follows at once…
    await expect(page.locator("html")).toHaveAttribute("lang", "ur");
    await expect(page.getByRole("heading", { name: "کام", exact: true })).toBeVisible();
    const cookie = (await context.cookies()).find((c) => c.name === "todokit_locale");
    expect(cookie?.value).toBe("ur");
    expect(cookie?.sameSite).toBe("Lax");

    // …and the server renders the reload in Urdu.
    await watchLang(page);
    const html = await firstBytes(await page.reload());
    expect(html).toContain('lang="ur"');
    expect(html).toContain('dir="rtl"');
    expect(html).toContain("نیا کام");
    await hydrated(page);
    expect(await langFlips(page)).toEqual([]);

    // Adding a task from the Urdu page: title, priority and due date.
    await page.getByLabel("عنوان", { exact: true }).first().fill("دودھ لینا");
    await page.locator(".task-new summary").click();
    await page.locator(".task-new select[name=priority]").selectOption("high");
    await page.locator(".task-new input[name=due]").fill("2031-03-14");
    await page.getByRole("button", { name: "شامل کریں", exact: true }).click();
    const row = page.locator(".task", { hasText: "دودھ لینا" });
    await expect(row).toHaveCount(1);
    await expect(row.locator(".badge")).toHaveText("زیادہ");
    await expect(row.locator(".due")).toHaveText("14 مارچ");
    await expect(row.getByRole("button", { name: "مکمل کریں" })).toBeVisible();
    await page.getByLabel("عنوان", { exact: true }).first().fill("پودوں کو پانی دینا");
    await page.getByRole("button", { name: "شامل کریں", exact: true }).click();
    await expect(page.locator(".task-list .task")).toHaveCount(2);
    await page.locator(".task-new summary").click();
    await shot(page, "tasks-urdu");
    expect(errors).toEqual([]);
  });
});
