import { expect, test } from "@playwright/test";
import { E2E_API_KEY, E2E_PASSWORD, E2E_SIM_PORT } from "../../playwright.config";

test("a merchant sees a payment arrive live, finds it by phone and exports the list", async ({
  page,
  request,
}, testInfo) => {
  await page.goto("/login");
  await page.getByLabel("Email").fill("owner@duka.example");
  await page.getByLabel("Password").fill(E2E_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Payments" }).click();
  await expect(page.getByRole("heading", { name: "Payments" })).toBeVisible();

  const created = await request.post("/api/v1/payments", {
    headers: { Authorization: `Bearer ${E2E_API_KEY}` },
    data: { amount: 4321, phone: "0700 000 000", reference: "LIVE-1" },
  });
  expect(created.status()).toBe(201);
  const row = page.getByTestId("payments-table").getByRole("row").filter({ hasText: "LIVE-1" });
  await expect(row).toBeVisible({ timeout: 10_000 });
  await expect(row).toContainText("paid", { timeout: 15_000 });
  await expect(row).toContainText("KES 4,321");
  await expect(row).toContainText("2547•••••000");
  await page.screenshot({ path: "test-results/screenshots/payments.png", fullPage: true });

  await row.getByRole("link", { name: "LIVE-1" }).click();
  const timeline = page.getByTestId("timeline");
  await expect(timeline).toContainText("Payment created");
  await expect(timeline).toContainText("Prompt sent (STK Push)");
  await expect(timeline).toContainText("Callback received (processed)");
  await expect(timeline).toContainText("Settled: paid");
  await page.screenshot({ path: "test-results/screenshots/payment-timeline.png", fullPage: true });
  await page.goBack();

  await page.getByLabel("Phone").fill("0700000000");
  await page.getByLabel("Reference").fill("LIVE-1");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/reference=LIVE-1/);
  await expect(page.getByTestId("payments-table").getByRole("row")).toHaveCount(2);

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Export CSV" }).click(),
  ]);
  const path = testInfo.outputPath("payments.csv");
  await download.saveAs(path);
  const csv = await import("node:fs").then((fs) => fs.readFileSync(path, "utf8"));
  expect(csv.split("\n")[0]).toContain("created_at,status,amount_kes,reference");
  expect(csv).toContain("LIVE-1");
  expect(csv.trim().split("\n")).toHaveLength(2);
});

test("a pending payment's page settles by itself when the customer answers", async ({
  page,
  request,
  context,
}) => {
  const created = await request.post("/api/v1/payments", {
    headers: { Authorization: `Bearer ${E2E_API_KEY}` },
    data: { amount: 777, phone: "0722 000 555", reference: "WAIT-1" },
  });
  const payment = (await created.json()) as { id: string };
  await page.goto("/login");
  await page.getByLabel("Email").fill("owner@duka.example");
  await page.getByLabel("Password").fill(E2E_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("overview-stats")).toBeVisible();
  await page.goto(`/payments/${payment.id}`);
  await expect(page.getByText("Updating by itself")).toBeVisible();
  const phone = await context.newPage();
  await phone.goto(`http://localhost:${E2E_SIM_PORT}/phone?phone=254722000555`);
  await phone.getByLabel("M-PESA PIN").fill("1234");
  await phone.getByRole("button", { name: "Send", exact: true }).click();
  await expect(page.getByTestId("timeline")).toContainText("Settled: paid", { timeout: 15_000 });
  await expect(page.getByText("Updating by itself")).toHaveCount(0);
});
