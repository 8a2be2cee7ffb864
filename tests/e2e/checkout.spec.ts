import { gzipSync } from "node:zlib";
import { type APIRequestContext, type BrowserContext, expect, type Page, test } from "@playwright/test";
import { E2E_API_KEY, E2E_SIM_PORT } from "../../playwright.config";

async function newCheckout(request: APIRequestContext, reference: string) {
  const res = await request.post("/api/v1/checkout-sessions", {
    headers: { Authorization: `Bearer ${E2E_API_KEY}` },
    data: { amount: 1250, reference, description: "2 bags of flour" },
  });
  expect(res.status()).toBe(201);
  return (await res.json()) as { id: string; url: string };
}

async function answerOnPhone(context: BrowserContext, msisdn: string, action: "Send" | "Cancel") {
  const phone = await context.newPage();
  await phone.goto(`http://localhost:${E2E_SIM_PORT}/phone?phone=${msisdn}`);
  await expect(phone.getByText("KES 1,250")).toBeVisible();
  if (action === "Send") await phone.getByLabel("M-PESA PIN").fill("1234");
  await phone.getByRole("button", { name: action, exact: true }).click();
  await expect(phone.getByText("No prompts waiting.")).toBeVisible();
  await phone.close();
}

async function askForPrompt(page: Page, phone: string) {
  await page.getByLabel("M-Pesa phone number").fill(phone);
  await page.getByRole("button", { name: /Pay with M-Pesa|Try again/ }).click();
  await expect(page.getByText("Check your phone")).toBeVisible();
}

test("a customer opens a checkout link, approves on the phone and sees the receipt", async ({
  page,
  context,
  request,
}, testInfo) => {
  const session = await newCheckout(request, "ORDER-101");
  const scripts: Promise<Buffer>[] = [];
  page.on("response", (response) => {
    if (response.request().resourceType() === "script")
      scripts.push(response.body().catch(() => Buffer.alloc(0)));
  });
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(new URL(session.url).pathname);
  await expect(page.getByTestId("amount")).toHaveText("KES 1,250");
  await expect(page.getByText("ORDER-101").first()).toBeVisible();
  await page.waitForLoadState("networkidle");
  // External and inline scripts alike count against the budget (issue 14): 50 KB gzipped.
  const inline = await page
    .locator("script:not([src])")
    .evaluateAll((nodes) => nodes.map((n) => n.textContent ?? ""));
  const bodies = [...(await Promise.all(scripts)), ...inline.map((text) => Buffer.from(text))];
  const raw = bodies.reduce((n, b) => n + b.length, 0);
  const gzipped = bodies.reduce((n, b) => n + gzipSync(b).length, 0);
  const size = `${bodies.length} scripts (${inline.length} inline), ${(raw / 1024).toFixed(1)} KiB, ${(gzipped / 1024).toFixed(1)} KiB gzipped`;
  testInfo.annotations.push({ type: "checkout-javascript", description: size });
  console.log(`checkout page JavaScript: ${size}`);
  expect(gzipped).toBeLessThanOrEqual(50_000);

  await page.getByLabel("M-Pesa phone number").fill("0712");
  await expect(page.getByText("Enter a Safaricom number like 0712 345 678.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Pay with M-Pesa" })).toBeDisabled();
  await page.screenshot({ path: "test-results/screenshots/checkout.png", fullPage: true });

  await askForPrompt(page, "0722 000 333");
  await page.screenshot({ path: "test-results/screenshots/checkout-waiting.png", fullPage: true });
  await answerOnPhone(context, "254722000333", "Send");
  await expect(page.getByText("Paid. Thank you!")).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId("receipt")).toHaveText(/^[A-Z0-9]{10}$/);
  await page.screenshot({ path: "test-results/screenshots/checkout-paid.png", fullPage: true });

  await page.reload();
  await expect(page.getByText("Paid. Thank you!")).toBeVisible();
  await expect(page.getByLabel("M-Pesa phone number")).toHaveCount(0);
});

test("a customer cancels, retries on the same page and pays", async ({ page, context, request }) => {
  const session = await newCheckout(request, "ORDER-102");
  await page.goto(new URL(session.url).pathname);
  await askForPrompt(page, "0722 000 444");
  await answerOnPhone(context, "254722000444", "Cancel");
  await expect(
    page.getByRole("alert").filter({ hasText: "The payment was cancelled on the phone." }),
  ).toBeVisible({
    timeout: 15_000,
  });
  await page.screenshot({ path: "test-results/screenshots/checkout-cancelled.png", fullPage: true });
  await askForPrompt(page, "0722 000 444");
  await answerOnPhone(context, "254722000444", "Send");
  await expect(page.getByText("Paid. Thank you!")).toBeVisible({ timeout: 15_000 });
  expect(new URL(page.url()).pathname).toBe(new URL(session.url).pathname);
});

test.describe("with JavaScript off", () => {
  test.use({ javaScriptEnabled: false });

  test("a customer pays: the form posts, a bad number is refused on the page, the waiting page reloads itself until paid", async ({
    page,
    browser,
    request,
  }) => {
    const session = await newCheckout(request, "ORDER-103");
    const path = new URL(session.url).pathname;
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(path);
    const field = page.getByLabel("M-Pesa phone number");
    await field.fill("0712");
    await page.getByRole("button", { name: "Pay with M-Pesa" }).click();
    await expect(page.getByRole("alert")).toHaveText(/That is not a valid Kenyan mobile number\./);
    await expect(field).toHaveValue("0712");
    await expect(field).toBeFocused();
    await expect(field).toHaveAttribute("aria-invalid", "true");
    await page.screenshot({ path: "test-results/screenshots/checkout-nojs-refused.png", fullPage: true });

    await field.fill("0722 000 555");
    await page.getByRole("button", { name: "Pay with M-Pesa" }).click();
    await expect(page.getByText("Check your phone")).toBeVisible();
    expect(new URL(page.url()).pathname).toBe(path);
    await page.screenshot({ path: "test-results/screenshots/checkout-nojs-waiting.png", fullPage: true });

    const phone = await browser.newContext({ javaScriptEnabled: true }); // the virtual phone needs it
    await answerOnPhone(phone, "254722000555", "Send");
    await phone.close();
    // Nothing but the page's <meta> refresh can bring this.
    await expect(page.getByText("Paid. Thank you!")).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId("receipt")).toHaveText(/^[A-Z0-9]{10}$/);
    await expect(page.locator('meta[http-equiv="refresh"]')).toHaveCount(0);
  });
});
