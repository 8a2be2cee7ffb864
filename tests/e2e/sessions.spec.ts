// Sessions end on the server: a copy of the session cookie saved before signing out (or kept in
// another browser) stops working at once on pages and on the dashboard API.
import { type Browser, type BrowserContext, expect, type Page, test } from "@playwright/test";
import { E2E_PASSWORD } from "../../playwright.config";

// Several browsers sign in per test (each a password hash check): more than the default minute
// on a busy machine.
test.describe.configure({ timeout: 120_000 });

const OWNER = "owner@duka.example";
const APPROVER = "approver@duka.example";

async function signIn(page: Page, email: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(E2E_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
}

/** A separate browser (its own cookies) signed in as `email`. */
async function signedInBrowser(
  browser: Browser,
  email: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, email);
  return { context, page };
}

async function expectSignedOut(context: BrowserContext) {
  const page = await context.newPage();
  await page.goto("/payments");
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole("heading", { name: "Sign in to Malipo" })).toBeVisible();
  expect((await context.request.get("/api/dashboard/payments")).status()).toBe(401);
  await page.close();
}

test("a session cookie saved before signing out is refused afterwards", async ({
  browser,
  page,
  context,
}) => {
  await signIn(page, OWNER);
  const saved = await context.storageState();
  expect(saved.cookies.some((c) => c.name.includes("session-token"))).toBe(true);

  // The saved cookie works in another browser while the session lasts...
  const replay = await browser.newContext({ storageState: saved });
  expect((await replay.request.get("/api/dashboard/payments")).status()).toBe(200);

  await page.getByRole("link", { name: "Sign out" }).click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "You are signed out" })).toBeVisible();

  // ...and not a moment after sign-out, though the cookie itself has hours left.
  const fresh = await browser.newContext({ storageState: saved });
  const stale = await fresh.newPage();
  await stale.goto("/payments");
  await expect(stale).toHaveURL(/\/login/);
  await expect(stale.getByText("Your session has ended.")).toBeVisible();
  expect((await fresh.request.get("/api/dashboard/payments")).status()).toBe(401);
  await expectSignedOut(replay);
  await Promise.all([fresh.close(), replay.close()]);
});

test("the Account page lists this user's sessions and signs out the other ones", async ({ browser }) => {
  const laptop = await signedInBrowser(browser, APPROVER);
  const phone = await signedInBrowser(browser, APPROVER);

  await phone.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Account" }).click();
  await expect(phone.page.getByRole("heading", { name: "Account" })).toBeVisible();
  await expect(phone.page.getByTestId("session-row").filter({ hasText: "This device" })).toHaveCount(1);
  expect(await phone.page.getByTestId("session-row").count()).toBeGreaterThanOrEqual(2);
  await expect(phone.page.getByRole("link", { name: "Change password" })).toHaveAttribute(
    "href",
    "/account/password",
  );

  await phone.page.getByRole("button", { name: "Sign out other sessions" }).click();
  await expect(phone.page.getByRole("status").filter({ hasText: /other sessions? ended/ })).toBeVisible();
  await expectSignedOut(laptop.context);
  await expect(phone.page.getByTestId("session-row")).toHaveCount(1);
  expect((await phone.context.request.get("/api/dashboard/payments")).status()).toBe(200);

  await Promise.all([laptop.context.close(), phone.context.close()]);
});

test("sign out everywhere ends this browser's session and another browser's", async ({ browser }) => {
  const phone = await signedInBrowser(browser, APPROVER);
  const desk = await signedInBrowser(browser, APPROVER);

  await phone.page.goto("/account");
  phone.page.once("dialog", (dialog) => dialog.accept());
  await phone.page.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(phone.page).toHaveURL(/\/login/);
  await expectSignedOut(phone.context);
  await expectSignedOut(desk.context);

  await Promise.all([phone.context.close(), desk.context.close()]);
});
