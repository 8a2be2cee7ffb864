import { expect, test } from "@playwright/test";
import { E2E_PASSWORD } from "../../playwright.config";

test("an owner creates an API key (shown once), uses it, and revokes it", async ({ page, request }) => {
  await page.goto("/login");
  await page.getByLabel("Email").fill("owner@duka.example");
  await page.getByLabel("Password").fill(E2E_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
  await expect(page.getByRole("heading", { name: "API keys" })).toBeVisible();

  await page.getByLabel("New key name").fill("E2E shop");
  await page.getByRole("button", { name: "Create API key" }).click();
  const key = (await page.getByTestId("new-api-key").textContent())?.trim() ?? "";
  expect(key).toMatch(/^mlp_test_/);
  await page.screenshot({ path: "test-results/screenshots/settings.png", fullPage: true });
  const auth = { Authorization: `Bearer ${key}` };
  expect((await request.get("/api/v1/payments?limit=1", { headers: auth })).status()).toBe(200);

  page.once("dialog", (dialog) => dialog.accept());
  await page
    .getByTestId("api-keys")
    .getByRole("row")
    .filter({ hasText: "E2E shop" })
    .getByRole("button", { name: "Revoke" })
    .click();
  await expect(page.getByTestId("api-keys").getByRole("row").filter({ hasText: "E2E shop" })).toContainText(
    "revoked",
  );
  expect((await request.get("/api/v1/payments?limit=1", { headers: auth })).status()).toBe(401);
});
