import { expect, test } from "@playwright/test";
import { E2E_API_KEY } from "../../playwright.config";
import { signIn } from "./support/staff";

const kenyanDay = (daysAgo: number) =>
  new Date(Date.now() + 3 * 3_600_000 - daysAgo * 86_400_000).toISOString().slice(0, 10);
/** `2026-12-01` and `09:02:11` as the portal writes them: `01-12-2026 09:02:11`. */
const portalTime = (day: string, time: string) => `${day.split("-").reverse().join("-")} ${time}`;
const money = (kes: number) => `"${kes.toLocaleString("en", { minimumFractionDigits: 2 })}"`;

/**
 * A statement of one day in the M-Pesa organisation portal's CSV layout: every payment Malipo
 * recorded as paid that day, plus one paybill payment Malipo never heard of.
 */
function statementOf(day: string, paid: { receipt: string; amount: number; settledAt: string }[]): string {
  const when = (iso: string) =>
    portalTime(day, new Date(new Date(iso).getTime() + 3 * 3_600_000).toISOString().slice(11, 19));
  let balance = 10_000;
  const inTimeOrder = [...paid].sort((a, b) => a.settledAt.localeCompare(b.settledAt));
  const lines = inTimeOrder.map((p) => {
    balance += p.amount;
    return `${p.receipt},${when(p.settledAt)},${when(p.settledAt)},Pay Bill Online from 2547******149 - JANE DOE,Completed,${money(p.amount)},,${money(balance)},true,Pay Bill Online,2547******149 - JANE DOE,,`;
  });
  balance += 700;
  lines.push(
    `SLZ9UNKNWN,${portalTime(day, "21:15:00")},${portalTime(day, "21:14:58")},Pay Bill Online from 2547******888 - WALK IN,Completed,${money(700)},,${money(balance)},true,Pay Bill Online,2547******888 - WALK IN,,COUNTER`,
  );
  return [
    "Account Holder:,Duka la Mama",
    "Short Code:,174379",
    "Account:,Utility Account",
    `Time Period:,,From ${portalTime(day, "00:00:00")},,To ${portalTime(day, "23:59:59")}`,
    "Receipt No.,Completion Time,Initiation Time,Details,Transaction Status,Paid In,Withdrawn,Balance,Balance Confirmed,Reason Type,Other Party Info,Linked Transaction ID,A/C No.",
    ...lines,
  ].join("\n");
}

test("an accountant imports yesterday's statement, resolves the difference and signs the day off", async ({
  browser,
  baseURL,
  request,
}) => {
  const day = kenyanDay(1);
  const listed = await request.get("/api/v1/payments?limit=100&status=paid", {
    headers: { Authorization: `Bearer ${E2E_API_KEY}` },
  });
  const payments = (
    (await listed.json()) as {
      data: { mpesaReceipt: string | null; amount: number; createdAt: string; settledAt: string | null }[];
    }
  ).data.filter(
    (p) =>
      p.mpesaReceipt &&
      p.settledAt &&
      new Date(new Date(p.createdAt).getTime() + 3 * 3_600_000).toISOString().startsWith(day),
  );

  const page = await signIn(browser, baseURL, "approver@duka.example");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reconciliation" }).click();
  await expect(page.getByTestId(`day-${day}`)).toContainText("Not yet checked");

  // Import the statement (built by the statement import pages).
  await page.getByRole("link", { name: "Statement imports" }).click();
  await page.getByTestId("statement-file").setInputFiles({
    name: `statement-${day}.csv`,
    mimeType: "text/csv",
    buffer: Buffer.from(
      statementOf(
        day,
        payments.map((p) => ({
          receipt: p.mpesaReceipt ?? "",
          amount: p.amount,
          settledAt: p.settledAt ?? "",
        })),
      ),
    ),
  });
  await page.getByRole("button", { name: "Import statement" }).click();
  await expect(page).toHaveURL(/\/reconciliation\/statements\/[0-9a-f-]+$/, { timeout: 30_000 });

  // The day now shows what M-Pesa's record confirms, and the paybill money Malipo never recorded
  // (recovered from the statement, matching no checkout) as its open item.
  await page.goto(`/reconciliation/${day}`);
  await expect(page.getByTestId("day-state")).toHaveText("Open items");
  const items = page.getByTestId("day-items");
  await expect(items).toContainText("Paybill money matching no checkout");
  await page.screenshot({ path: "test-results/screenshots/reconciliation-day.png", fullPage: true });

  // Resolved on the mismatches page, with a note.
  await page.getByRole("link", { name: /Resolve them on the Mismatches page/ }).click();
  const item = page.getByTestId("review-items").getByRole("listitem").filter({ hasText: "SLZ9UNKNWN" });
  await item
    .getByLabel("Note (required)")
    .fill("Cash-counter sale paid to the paybill; recorded in the till book");
  await item.getByRole("button", { name: "Dismiss" }).click();
  await expect(item).toHaveCount(0);

  // Back on the day: signed off (a note is welcome whatever remains open).
  await page.goto(`/reconciliation/${day}`);
  const form = page.getByTestId("sign-off-form");
  await form.getByLabel(/Note/).fill("Checked against the portal statement");
  await form.getByRole("button", { name: /Sign off/ }).click();
  // The page re-renders with the sign-off record in place of the form.
  await expect(page.getByTestId("sign-off-record")).toContainText("Checked against the portal statement");
  await page.reload();
  await expect(page.getByTestId("day-state")).toHaveText("Signed off");
  await expect(page.getByTestId("sign-off-record")).toContainText("approver@duka.example");

  // Printed, the day report stands alone: no navigation, no buttons.
  await page.emulateMedia({ media: "print" });
  await expect(page.getByRole("navigation", { name: "Main" })).toBeHidden();
  await expect(page.getByRole("button", { name: "Print" })).toBeHidden();
  await page.screenshot({ path: "test-results/screenshots/reconciliation-day-print.png", fullPage: true });
  await page.emulateMedia({ media: "screen" });

  // The month's CSV carries the sign-off.
  const csv = await page.request.get(`/reconciliation/export?from=${day}&to=${day}`);
  expect(csv.headers()["content-type"]).toContain("text/csv");
  expect(await csv.text()).toContain("approver@duka.example");

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByTestId("audit-entries").getByText("reconciliation.day_signed_off")).toBeVisible();
});
