import { expect, test } from "@playwright/test";
import { createDarajaClient } from "../../lib/payments/daraja/client";
import { SANDBOX_STK_PASSKEY, SANDBOX_STK_SHORTCODE } from "../../lib/payments/daraja/environments";
import { parseStkCallback } from "../../lib/payments/daraja/inbound";
import { E2E_SIM_PORT } from "../../playwright.config";
import { startReceiver } from "../support/daraja";

// The simulator `npm run dev` starts (here through the e2e server): a prompt sent from a script
// is answered by a person on the virtual phone page.
test("a prompt sent from a script is answered on the virtual phone", async ({ page }, testInfo) => {
  const receiver = await startReceiver();
  try {
    const client = createDarajaClient({
      environment: "simulator",
      baseUrl: `http://127.0.0.1:${E2E_SIM_PORT}`,
      consumerKey: "e2e",
      consumerSecret: "e2e",
      stk: { shortcode: SANDBOX_STK_SHORTCODE, passkey: SANDBOX_STK_PASSKEY },
    });
    const push = await client.stkPush({
      amount: 1250,
      phone: "0722 000 111",
      accountReference: "ORDER-42",
      callbackUrl: receiver.url("/stk"),
    });

    await page.goto(`http://localhost:${E2E_SIM_PORT}/phone`);
    await page.getByPlaceholder("2547…").fill("254722000111");
    await expect(page.getByText("KES 1,250")).toBeVisible();
    await expect(page.getByText("ORDER-42").first()).toBeVisible();
    await page.getByLabel("M-PESA PIN").fill("1234");
    const shot = await page.screenshot({ path: testInfo.outputPath("virtual-phone.png"), fullPage: true });
    await testInfo.attach("virtual-phone", { body: shot, contentType: "image/png" });
    await page.screenshot({ path: "test-results/screenshots/virtual-phone.png", fullPage: true });
    await page.getByRole("button", { name: "Send", exact: true }).click();

    const [callback] = await receiver.waitFor(1, "/stk", 10_000);
    const parsed = parseStkCallback(callback?.body);
    expect(parsed).toMatchObject({
      ok: true,
      value: { resultCode: "0", amount: 1250, checkoutRequestId: push.checkoutRequestId },
    });
    await expect(page.getByText("No prompts waiting.")).toBeVisible();
  } finally {
    await receiver.close();
  }
});
