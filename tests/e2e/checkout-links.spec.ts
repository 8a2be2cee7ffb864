import { expect, test } from "@playwright/test";
import { E2E_PASSWORD } from "../../playwright.config";

test("staff create a checkout link with a QR code, open it, and cancel it", async ({ page, context }) => {
  await page.goto("/login");
  await page.getByLabel("Email").fill("owner@duka.example");
  await page.getByLabel("Password").fill(E2E_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Checkout links" }).click();

  await page.getByLabel("Amount (KES)").fill("2500");
  await page.getByLabel("Reference").fill("TABLE-7");
  await page.getByLabel("Description").fill("Lunch for 3");
  await page.getByRole("button", { name: "Create checkout link" }).click();
  const card = page.getByTestId("checkout-links").getByRole("listitem").filter({ hasText: "TABLE-7" });
  await expect(card).toContainText("KES 2,500");
  await expect(card.getByRole("img", { name: /QR code for/ })).toBeVisible();
  await page.screenshot({ path: "test-results/screenshots/checkout-links.png", fullPage: true });

  const url = (await card.getByRole("link").textContent()) ?? "";
  const customer = await context.newPage();
  await customer.goto(new URL(url).pathname);
  await expect(customer.getByTestId("amount")).toHaveText("KES 2,500");

  await card.getByRole("button", { name: "Cancel" }).click();
  await expect(card).toContainText("cancelled");
  await customer.reload();
  await expect(customer.getByText("This payment link was cancelled.")).toBeVisible();
});
