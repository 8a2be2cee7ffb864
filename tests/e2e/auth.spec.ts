import { expect, type Page, test } from "@playwright/test";
import { E2E_PASSWORD } from "../../playwright.config";

const OWNER = "owner@duka.example";
const APPROVER = "approver@duka.example";

async function signIn(page: Page, email: string, password = E2E_PASSWORD) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("an unauthenticated visitor is sent to the sign-in page", async ({ page }) => {
  await page.goto("/payments");
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole("heading", { name: "Sign in to Malipo" })).toBeVisible();
});

test("a wrong password is refused with a clear message", async ({ page }) => {
  await signIn(page, OWNER, "not-the-password");
  await expect(page.getByRole("alert").filter({ hasText: "Wrong email or password." })).toBeVisible();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByLabel("Email")).toHaveValue(OWNER);
});

test("staff sign in, see the shell, switch merchant and sign out", async ({ page }, testInfo) => {
  await signIn(page, OWNER);
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  const nav = page.getByRole("navigation", { name: "Main" });
  for (const item of [
    "Payments",
    "Checkout links",
    "Payouts",
    "Mismatches",
    "Callbacks",
    "Audit log",
    "Settings",
  ]) {
    await expect(nav.getByRole("link", { name: item })).toBeVisible();
  }
  await expect(page.getByText("Simulator", { exact: true })).toBeVisible();
  await expect(page.getByTestId("merchant-switcher")).toHaveValue("duka-la-mama");

  const shot = await page.screenshot({ path: testInfo.outputPath("dashboard-shell.png"), fullPage: true });
  await testInfo.attach("dashboard-shell", { body: shot, contentType: "image/png" });
  await page.screenshot({ path: "test-results/screenshots/dashboard-shell.png", fullPage: true });

  await nav.getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByTestId("chain-status")).toContainText("Chain intact");

  await page.getByTestId("merchant-switcher").selectOption("kahawa-corner");
  await expect(page.getByTestId("merchant-switcher")).toHaveValue("kahawa-corner");
  await expect(page.getByText("Money collected and paid out for Kahawa Corner.")).toBeVisible();

  await page.getByRole("link", { name: "Sign out" }).click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "You are signed out" })).toBeVisible();
  await page.goto("/");
  await expect(page).toHaveURL(/\/login/);
});

test("a member of one merchant cannot reach another merchant or pages beyond their role", async ({
  page,
  context,
}) => {
  await signIn(page, APPROVER);
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await expect(page.getByTestId("merchant-name")).toHaveText("Duka la Mama");

  // A forged merchant cookie for a merchant the approver does not belong to changes nothing.
  await context.addCookies([{ name: "malipo_merchant", value: "kahawa-corner", url: page.url() }]);
  await page.reload();
  await expect(page.getByTestId("merchant-name")).toHaveText("Duka la Mama");
  await expect(page.getByText("Kahawa Corner")).toHaveCount(0);

  const response = await page.goto("/callbacks");
  expect(response?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "You don't have access to this" })).toBeVisible();
});
