import { expect, test } from "@playwright/test";
import { E2E_API_KEY, E2E_PASSWORD, E2E_SIM_PORT } from "../../playwright.config";

test("a payment with the wrong amount is held for review and an owner accepts it with a note", async ({
  page,
  request,
}) => {
  await request.post(`http://127.0.0.1:${E2E_SIM_PORT}/sim/faults`, { data: { amount: 999, times: 1 } });
  const created = await request.post("/api/v1/payments", {
    headers: { Authorization: `Bearer ${E2E_API_KEY}` },
    data: { amount: 1000, phone: "0700 000 000", reference: "SHORT-1" },
  });
  const payment = await created.json();
  await expect
    .poll(
      async () =>
        (
          await (
            await request.get(`/api/v1/payments/${payment.id}`, {
              headers: { Authorization: `Bearer ${E2E_API_KEY}` },
            })
          ).json()
        ).status,
      {
        timeout: 15_000,
      },
    )
    .toBe("needs_review");

  await page.goto("/login");
  await page.getByLabel("Email").fill("owner@duka.example");
  await page.getByLabel("Password").fill(E2E_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Mismatches" }).click();
  const item = page.getByTestId("review-items").getByRole("listitem").filter({ hasText: "SHORT-1" });
  await expect(item).toContainText("Amount differs");
  await expect(item).toContainText("999");
  await page.screenshot({ path: "test-results/screenshots/mismatches.png", fullPage: true });
  await item.getByLabel("Note (required)").fill("Customer paid 999 by agreement");
  await item.getByRole("button", { name: "Accept as paid" }).click();
  await expect(item).toHaveCount(0); // decided items leave the list

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByTestId("audit-entries").getByText("review.accepted")).toBeVisible();
  await expect(page.getByTestId("chain-status")).toContainText("Chain intact");
  expect(
    (
      await (
        await request.get(`/api/v1/payments/${payment.id}`, {
          headers: { Authorization: `Bearer ${E2E_API_KEY}` },
        })
      ).json()
    ).status,
  ).toBe("paid");
});
