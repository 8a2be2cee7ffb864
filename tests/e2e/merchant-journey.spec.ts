// One merchant's day in the dashboard, end to end: a customer pays on a hosted checkout while the
// owner watches, the owner finds the payment, reads its timeline, exports, settles a mismatch,
// replays a dead callback, makes an API key and invites an approver, who joins with a first
// password. Every page is screenshotted into test-results/screenshots/journey-*.png.
import { readFileSync } from "node:fs";
import { expect, type Page, test } from "@playwright/test";
import { E2E_API_KEY, E2E_PASSWORD, E2E_SIM_PORT } from "../../playwright.config";

const shot = (page: Page, name: string, fullPage = true) =>
  page.screenshot({ path: `test-results/screenshots/journey-${name}.png`, fullPage });

const nav = (page: Page, name: string) =>
  page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true }).click();

test("a merchant's day: live payment, search, timeline, export, mismatch, replay, API key, teammate", async ({
  page,
  browser,
  request,
}, testInfo) => {
  test.setTimeout(150_000);
  await page.goto("/login");
  await page.getByLabel("Email").fill("owner@duka.example");
  await page.getByLabel("Password").fill(E2E_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("overview-stats")).toBeVisible();
  await expect(page.getByTestId("live-feed")).toContainText("DEMO-");
  const today = page
    .getByTestId("overview-stats")
    .getByText(/attempts$/)
    .first();
  const attemptsBefore = await today.textContent();
  await shot(page, "01-overview");

  // A customer pays a checkout link on a small phone; the owner's overview updates by itself.
  const created = await request.post("/api/v1/checkout-sessions", {
    headers: { Authorization: `Bearer ${E2E_API_KEY}` },
    data: { amount: 3150, reference: "JOURNEY-1", description: "Sukari na unga" },
  });
  expect(created.status()).toBe(201);
  const checkout = (await created.json()) as { url: string };
  const baseURL = testInfo.project.use.baseURL;
  const customer = await browser.newContext({ baseURL, viewport: { width: 360, height: 740 } });
  const pay = await customer.newPage();
  await pay.goto(new URL(checkout.url).pathname);
  await pay.getByLabel("M-Pesa phone number").fill("0722 000 444");
  await pay.getByRole("button", { name: "Pay with M-Pesa" }).click();
  await expect(pay.getByText("Check your phone")).toBeVisible();
  const phone = await customer.newPage();
  await phone.goto(`http://localhost:${E2E_SIM_PORT}/phone?phone=254722000444`);
  await phone.getByLabel("M-PESA PIN").fill("1234");
  await phone.getByRole("button", { name: "Send", exact: true }).click();
  await expect(pay.getByText("Paid. Thank you!")).toBeVisible({ timeout: 15_000 });
  await shot(pay, "02-customer-paid");
  await customer.close();

  const fed = page.getByTestId("live-feed").getByRole("listitem").filter({ hasText: "JOURNEY-1" });
  await expect(fed).toContainText("paid", { timeout: 10_000 });
  await expect(fed).toContainText("KES 3,150");
  await expect(fed).toContainText("2547•••••444");
  // The figures follow without a reload too.
  await expect(today).not.toHaveText(attemptsBefore ?? "", { timeout: 10_000 });
  await shot(page, "03-overview-live");

  // Find it among the demo history, open its timeline, export the filtered list.
  await nav(page, "Payments");
  await page.getByLabel("Reference").fill("JOURNEY-1");
  await page.getByLabel("Phone").fill("0722000444");
  await page.getByRole("button", { name: "Filter" }).click();
  const rows = page.getByTestId("payments-table").getByRole("row");
  await expect(rows).toHaveCount(2); // header + the one payment
  await shot(page, "04-payments-filtered");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Export CSV" }).click(),
  ]);
  const csvPath = testInfo.outputPath("journey.csv");
  await download.saveAs(csvPath);
  const csv = readFileSync(csvPath, "utf8").trim().split("\n");
  expect(csv).toHaveLength(2);
  expect(csv[1]).toContain("JOURNEY-1");
  expect(csv[1]).toContain("3150");
  await rows.filter({ hasText: "JOURNEY-1" }).getByRole("link", { name: "JOURNEY-1" }).click();
  const timeline = page.getByTestId("timeline");
  await expect(timeline).toContainText("Prompt sent (STK Push)");
  await expect(timeline).toContainText("Settled: paid");
  await shot(page, "05-payment-timeline");

  await nav(page, "Checkout links");
  await expect(page.getByText("JOURNEY-1").first()).toBeVisible();
  await shot(page, "06-checkout-links");

  // Paybill money for INV-2207 matched no checkout: the owner matches it to invoice 2201.
  await nav(page, "Mismatches");
  const item = page.getByTestId("review-items").getByRole("listitem").filter({ hasText: "INV-2207" });
  await expect(item).toContainText("Paybill money matching no checkout");
  await shot(page, "07-mismatches");
  const choice = item.getByLabel("Checkout this money was for");
  await choice.selectOption(
    (await choice.locator("option", { hasText: "INV-2201" }).getAttribute("value")) ?? "",
  );
  await item.getByLabel("Note (required)").fill("Customer typed 2207 for invoice 2201; confirmed by phone");
  await item.getByRole("button", { name: "Match to checkout" }).click();
  await expect(item).toHaveCount(0);

  // A callback whose processing died: replaying it fills in the payment's receipt.
  await nav(page, "Callbacks");
  const dead = page.getByTestId("callbacks").getByRole("listitem").filter({ hasText: "ws_CO_DEMOREPLAY01" });
  await expect(dead).toContainText("dead");
  await shot(page, "08-callbacks");
  await dead.getByRole("button", { name: "Replay" }).click();
  await expect(dead).toContainText("processed");
  await nav(page, "Payments");
  await page.getByLabel("Reference").fill("DEMO-REPLAY");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.getByTestId("payments-table")).toContainText("TLREPLAY01");

  // An API key (shown once), and an approver invited with a one-time link.
  await nav(page, "Settings");
  await page.getByLabel("New key name").fill("Journey shop");
  await page.getByRole("button", { name: "Create API key" }).click();
  await expect(page.getByTestId("new-api-key")).toHaveText(/^mlp_test_/);
  await page.getByLabel("Teammate's email").fill("njeri@duka.example");
  await page.getByLabel("Role", { exact: true }).selectOption("approver");
  await page.getByRole("button", { name: "Invite" }).click();
  const link = (await page.getByTestId("invitation-link").textContent())?.trim() ?? "";
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{40,}$/);
  await expect(page.getByTestId("team-invitations")).toContainText("njeri@duka.example");
  await shot(page, "09-settings");

  const teammate = await browser.newContext({ baseURL });
  const join = await teammate.newPage();
  await join.goto(new URL(link).pathname);
  await expect(join.getByRole("heading", { name: "Join Duka la Mama" })).toBeVisible();
  await expect(join.getByText("Approver")).toBeVisible();
  // Someone new creates their account on the link's page (existing users: tests/e2e/invitations.spec.ts).
  await join.getByLabel("Your name").fill("Njeri Kamau");
  await join.getByLabel("New password").fill("njeri first password");
  await join.getByLabel("Type it again").fill("njeri first password");
  await shot(join, "10-invitation");
  await join.getByRole("button", { name: "Create account and join" }).click();
  await expect(join.getByTestId("overview-stats")).toBeVisible();
  // An approver may resolve mismatches but not manage the team or keys.
  await nav(join, "Settings");
  await expect(join.getByLabel("Teammate's email")).toHaveCount(0);
  await expect(join.getByLabel("New key name")).toHaveCount(0);
  // The link worked once.
  await join.goto(new URL(link).pathname);
  await expect(join.getByText("This invitation was already used.")).toBeVisible();
  await teammate.close();

  await page.reload();
  await expect(page.getByTestId("team-members")).toContainText("Njeri Kamau");
  await nav(page, "Audit log");
  await expect(page.getByTestId("chain-status")).toContainText("Chain intact");
  await page.getByLabel("Action").selectOption("team.");
  await page.getByRole("button", { name: "Filter" }).click();
  const entries = page.getByTestId("audit-entries");
  await expect(entries).toContainText("team.invited");
  await expect(entries).toContainText("team.invitation_accepted");
  await expect(entries).not.toContainText("apikey.created");
  await page.goto("/audit-log");
  for (const action of ["review.matched", "callback.replayed", "apikey.created"])
    await expect(page.getByTestId("audit-entries")).toContainText(action);
  await shot(page, "11-audit-log");

  // The same dashboard on a phone.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/");
  await expect(page.getByTestId("overview-stats")).toBeVisible();
  await shot(page, "12-phone-overview", false);
  await page.goto("/payments");
  // The same rows, laid out as cards by CSS: nothing to scroll sideways.
  const cards = page.getByTestId("payments-table");
  const card = cards.getByRole("row").filter({ hasText: "JOURNEY-1" });
  await expect(card).toContainText("KES 3,150");
  await expect(card).toHaveCSS("display", "grid");
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  await cards.scrollIntoViewIfNeeded();
  await shot(page, "13-phone-payments", false);
});
