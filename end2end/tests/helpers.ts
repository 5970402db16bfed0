import { expect, Page } from "@playwright/test";

/** Waits until the WASM bundle has hydrated the page (frontend sets body[data-hydrated]). */
export async function hydrated(page: Page) {
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
}

let counter = 0;
/** Signs up a fresh user, then signs in (sign-up answers the same whether or not an email is
 * taken, so it signs no one in), and lands on the home page, signed in. */
export async function signUp(page: Page, name = "Tester") {
  const email = `user${Date.now()}-${counter++}@example.com`;
  await page.goto("/signup");
  await hydrated(page);
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page).toHaveURL(/\/signin\?signed_up=1$/);
  await expect(page.getByRole("status")).toContainText("your account is ready");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: `Hello, ${name}` })).toBeVisible();
  return email;
}

export async function openChat(page: Page) {
  await hydrated(page);
  await page.getByRole("button", { name: "Open chat" }).click();
  await expect(page.getByRole("dialog", { name: "Chat" })).toBeVisible();
}

/** The open chat panel (its accessible name follows the UI language). */
export function chatPanel(page: Page, name = "Chat") {
  return page.getByRole("dialog", { name });
}

/** Sends `text` from the composer and waits until the turn is over (Send enabled again). */
export async function say(page: Page, text: string) {
  const panel = chatPanel(page);
  await panel.getByLabel("Message").fill(text);
  await panel.getByLabel("Message").press("Enter");
  await expect(panel.locator(".chat-thinking")).toHaveCount(0);
  await expect(panel.getByRole("button", { name: "Send" })).toBeEnabled();
  return panel;
}

/** Writes a screenshot for the README (end2end/screenshots/NAME.png; a run that is not the
 * README's, such as the scale-out one, points E2E_SCREENSHOTS_DIR elsewhere). */
export async function shot(page: Page, name: string) {
  const dir = process.env.E2E_SCREENSHOTS_DIR ?? "screenshots";
  await page.screenshot({ path: `${dir}/${name}.png` });
}

/** Any character an emoji font would be needed for (Debian's Chromium has none). */
export const EMOJI = /[\u{1F300}-\u{1FAFF}\u{2600}-\u{27BF}\u{1F000}-\u{1F2FF}]/u;

/** The words the account pages use, by UI language (the server picks it per request). */
export const ACCOUNT_WORDS = {
  en: {
    name: "Name", email: "Email", password: "Password", signUp: "Sign up", signIn: "Sign in",
    ready: "your account is ready", hello: (name: string) => `Hello, ${name}`,
  },
  ur: {
    name: "نام", email: "ای میل", password: "پاس ورڈ", signUp: "سائن اپ کریں", signIn: "سائن ان کریں",
    ready: "آپ کا اکاؤنٹ تیار ہے", hello: (name: string) => `السلام علیکم، ${name}`,
  },
};

/** `signUp` for a browser whose pages come in `lang`: signs up a fresh user, signs in, and
 * lands on the home page; returns the email. */
export async function signUpIn(page: Page, lang: keyof typeof ACCOUNT_WORDS, name = "Tester") {
  const w = ACCOUNT_WORDS[lang];
  const email = `user${Date.now()}-${counter++}@example.com`;
  await page.goto("/signup");
  await hydrated(page);
  await page.getByLabel(w.name, { exact: true }).fill(name);
  await page.getByLabel(w.email, { exact: true }).fill(email);
  await page.getByLabel(w.password, { exact: true }).fill("correct horse battery");
  await page.getByRole("button", { name: w.signUp }).click();
  await expect(page).toHaveURL(/\/signin\?signed_up=1$/);
  await expect(page.getByRole("status")).toContainText(w.ready);
  await hydrated(page);
  await page.getByLabel(w.email, { exact: true }).fill(email);
  await page.getByLabel(w.password, { exact: true }).fill("correct horse battery");
  await page.getByRole("button", { name: w.signIn }).click();
  await expect(page.getByRole("heading", { name: w.hello(name) })).toBeVisible();
  return email;
}

/** Records every change of `<html lang>` or `dir` the page makes (a flip after hydration);
 * read them with `langFlips`. Call before navigating. */
export async function watchLang(page: Page) {
  await page.addInitScript(() => {
    const flips: string[] = ((window as any).__langFlips = []);
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target as Element;
        const now = el.getAttribute(r.attributeName!);
        if (el === document.documentElement && r.oldValue !== now) flips.push(`${r.attributeName}: ${r.oldValue} → ${now}`);
      }
    }).observe(document, { attributes: true, attributeOldValue: true, subtree: true, attributeFilter: ["lang", "dir"] });
  });
}

export function langFlips(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as any).__langFlips ?? []);
}
