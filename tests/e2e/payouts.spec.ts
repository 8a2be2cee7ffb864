// Payouts with four eyes, end to end against the simulator: staff A (the owner) gives the
// simulator merchant its initiator, uploads a CSV batch with one bad row (shown with its row and
// column, left out), cannot approve their own batch; staff B (an approver) approves it from the
// batch page and the rows turn paid by themselves; then a B2B paybill payment requested by A is
// approved by B from the queue and paid. Screenshots go to test-results/screenshots/payouts-*.png.
import { readFileSync, writeFileSync } from "node:fs";
import { expect, type Page, test } from "@playwright/test";
import { giveSimulatorInitiator, signIn } from "./support/staff";

const shot = (page: Page, name: string) =>
  page.screenshot({ path: `test-results/screenshots/payouts-${name}.png`, fullPage: true });

test("four eyes: a CSV batch with a bad row, self-approval refused, paid live; a paybill payment", async ({
  browser,
}, testInfo) => {
  test.setTimeout(150_000);
  const baseURL = testInfo.project.use.baseURL;
  const a = await signIn(browser, baseURL, "owner@duka.example");

  // The demo merchant has no initiator: payouts need one (the simulator's, with its certificate).
  await giveSimulatorInitiator(a);

  // Staff A: template download, then an upload with a bad amount on line 3.
  await a.goto("/payouts");
  const upload = a.getByTestId("payout-csv");
  const [template] = await Promise.all([
    a.waitForEvent("download"),
    upload.getByRole("link", { name: "Download the template" }).click(),
  ]);
  const templatePath = testInfo.outputPath("template.csv");
  await template.saveAs(templatePath);
  const header = readFileSync(templatePath, "utf8").split("\n")[0];
  expect(header).toBe("command,amount,phone,shortcode,account_reference,remarks,occasion");
  const csvPath = testInfo.outputPath("riders.csv");
  writeFileSync(
    csvPath,
    [
      header,
      "BusinessPayment,120,0712000101,,,E2E rider one,",
      "BusinessPayment,twelve,0712000102,,,E2E rider two,",
      "SalaryPayment,130,0712000103,,,E2E rider three,",
    ].join("\n"),
  );
  await upload.getByLabel("CSV file").setInputFiles(csvPath);
  await upload.getByLabel("Batch name").fill("E2E riders");
  await upload.getByRole("button", { name: "Preview" }).click();
  await expect(a.getByTestId("payout-csv-preview")).toContainText("2 payouts, total KES 250");
  const problems = a.getByTestId("payout-csv-problems");
  await expect(problems.getByRole("row").nth(1)).toContainText("3");
  await expect(problems.getByRole("row").nth(1)).toContainText("amount");
  await shot(a, "01-preview");
  await upload.getByRole("button", { name: "Queue 2 payouts for approval" }).click();
  await upload.getByRole("link", { name: "Open the batch" }).click();
  await expect(a.getByRole("heading", { name: "E2E riders" })).toBeVisible();
  const batchUrl = a.url();
  const rows = a.getByTestId("batch-payouts").getByRole("row");
  await expect(rows).toHaveCount(3); // header + the two good rows: line 3 was left out
  await expect(rows.nth(1)).toContainText("2");
  await expect(rows.nth(2)).toContainText("4");
  // A cannot approve their own batch: no button, and the page says why.
  await expect(a.getByRole("button", { name: /Approve batch/ })).toHaveCount(0);
  await expect(a.getByText("You requested this batch: someone else must approve it.")).toBeVisible();
  await shot(a, "02-own-batch");

  // Staff B sees them waiting (badge), approves the batch; the rows turn paid by themselves.
  const b = await signIn(browser, baseURL, "approver@duka.example");
  await expect(b.getByTestId("payouts-waiting-badge")).toHaveText(/^2/);
  await b.goto(batchUrl);
  await b.getByRole("button", { name: "Approve batch (2 waiting for you)" }).click();
  const bRows = b.getByTestId("batch-payouts").getByRole("row");
  for (const i of [1, 2]) await expect(bRows.nth(i)).toContainText("paid", { timeout: 30_000 });
  await expect(b.getByTestId("batch-total-paid")).toContainText("KES 250");
  await shot(b, "03-batch-paid");
  // A's open page followed too.
  for (const i of [1, 2]) await expect(rows.nth(i)).toContainText("paid", { timeout: 30_000 });

  // A B2B paybill payment: A requests, B approves from the queue, it is paid.
  await a.goto("/payouts");
  await a.getByLabel("A paybill or till (B2B)").check();
  await a.getByLabel("Paybill number").fill("888880");
  await a.getByLabel("Account number at the paybill").fill("INV-E2E");
  await a.getByLabel("Amount (KES)").fill("2600");
  await a.getByLabel("Remarks").fill("E2E supplier invoice");
  await a.getByRole("button", { name: "Request payout" }).click();
  await expect(a.getByText(/Requested: it now waits/)).toBeVisible();

  await b.goto("/payouts?tab=waiting_for_me");
  const row = b.getByTestId("payouts-table").getByRole("row").filter({ hasText: "888880 · INV-E2E" });
  await expect(row).toContainText("KES 2,600");
  await expect(row).toContainText("0/1");
  await row.getByRole("button", { name: "Approve" }).click();
  await expect(row).toHaveCount(0); // gone from what waits for B
  await b.goto("/payouts?tab=paid");
  const paid = b.getByTestId("payouts-table").getByRole("row").filter({ hasText: "888880 · INV-E2E" });
  await expect(paid).toContainText("paid", { timeout: 30_000 });
  await paid.getByRole("link").first().click();
  await expect(b.getByTestId("timeline")).toContainText("Requested by owner@duka.example");
  await expect(b.getByTestId("timeline")).toContainText("Approved by approver@duka.example");
  await expect(b.getByTestId("timeline")).toContainText("Receipt");
  await shot(b, "04-b2b-timeline");
});
