// A refund with four eyes, end to end against the simulator: a customer pays through the REST API;
// staff A (the owner) asks for the money back from the payment's page and sees no approve button on
// their own request; staff B (an approver) finds it under Payouts → Reversals, approves it on the
// payment's page, and the simulator's Result turns it (and the payment) reversed by itself.
// Screenshots go to test-results/screenshots/reversals-*.png.
import { expect, type Page, test } from "@playwright/test";
import { E2E_API_KEY } from "../../playwright.config";
import { giveSimulatorInitiator, signIn } from "./support/staff";

const shot = (page: Page, name: string) =>
  page.screenshot({ path: `test-results/screenshots/reversals-${name}.png`, fullPage: true });

test("a refund is requested by one person, approved by another and shown as reversed", async ({
  browser,
  request,
}, testInfo) => {
  test.setTimeout(120_000);
  const baseURL = testInfo.project.use.baseURL;
  const auth = { Authorization: `Bearer ${E2E_API_KEY}` };

  // A paid payment with a receipt: the magic number 254700000000 pays at once.
  const created = await request.post("/api/v1/payments", {
    headers: { ...auth, "Idempotency-Key": `e2e-refund-${Date.now()}` },
    data: { amount: 230, phone: "0700 000 000", reference: "E2E-REFUND" },
  });
  expect(created.status()).toBe(201);
  const { id: paymentId } = await created.json();
  await expect
    .poll(
      async () =>
        (await (await request.get(`/api/v1/payments/${paymentId}`, { headers: auth })).json()).status,
      { timeout: 20_000 },
    )
    .toBe("paid");

  // Reversals go through the initiator APIs: give the simulator merchant its initiator.
  const a = await signIn(browser, baseURL, "owner@duka.example");
  await giveSimulatorInitiator(a);

  // Staff A asks for the whole amount back, with a reason.
  await a.goto(`/payments/${paymentId}`);
  await expect(a.getByTestId("receipt-source")).toContainText("callback");
  await a.getByRole("button", { name: "Refund (reversal)…" }).click();
  const form = a.getByTestId("reversal-form");
  await expect(form.getByLabel("Amount (KES)")).toHaveValue("230");
  await form.getByLabel("Reason (required)").fill("E2E order cancelled");
  await form.getByRole("button", { name: "Request reversal" }).click();
  const aReversal = a.getByTestId("reversals").getByRole("listitem");
  await expect(aReversal).toContainText("waiting for approval");
  await expect(aReversal).toContainText("E2E order cancelled");
  await expect(aReversal.getByText(/^You · /)).toBeVisible();
  // The requester cannot approve their own request: no button, only cancel.
  await expect(a.getByRole("button", { name: "Approve reversal" })).toHaveCount(0);
  await expect(a.getByRole("button", { name: "Cancel reversal" })).toBeVisible();
  await expect(a.getByRole("button", { name: "Refund (reversal)…" })).toHaveCount(0);
  await shot(a, "01-requested");

  // Staff B finds it under Payouts → Reversals and approves it on the payment's page.
  const b = await signIn(browser, baseURL, "approver@duka.example");
  await b.goto("/payouts");
  await expect(b.getByTestId("reversals-pending-count")).toContainText("1 waiting for approval");
  const queued = b.getByTestId("reversals-table").getByRole("row").filter({ hasText: "E2E order cancelled" });
  await expect(queued).toContainText("KES 230");
  await expect(queued).toContainText("waiting for approval");
  await shot(b, "02-queue");
  await queued.getByRole("link", { name: "Review" }).click();
  await expect(b).toHaveURL(new RegExp(`/payments/${paymentId}$`));
  await b.getByRole("button", { name: "Approve reversal" }).click();

  // The simulator answers; the page follows by itself until the money is back.
  const bReversal = b.getByTestId("reversals").getByRole("listitem");
  await expect(bReversal.locator("[data-status]")).toHaveText("reversed", { timeout: 30_000 });
  await expect(b.getByTestId("reversal-done")).toHaveText("Reversed: KES 230 went back to the payer.");
  await expect(bReversal).toContainText("Approved by approver@duka.example");
  await expect(bReversal).toContainText(/Reversal receipt [A-Z0-9]{10}/);
  await expect(b.getByRole("button", { name: "Approve reversal" })).toHaveCount(0);
  await shot(b, "03-reversed");

  // A's page shows it too, and the payment itself is reversed (also through the API).
  await a.reload();
  await expect(a.getByTestId("reversal-done")).toBeVisible();
  await expect(a.getByText("reversed", { exact: true }).first()).toBeVisible();
  const after = await (await request.get(`/api/v1/payments/${paymentId}`, { headers: auth })).json();
  expect(after.status).toBe("reversed");
});
