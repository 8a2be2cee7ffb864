// Staff for end-to-end tests: each person signed in a browser context of their own (own cookies),
// and the simulator merchant given the initiator that payouts and reversals need.
import { type Browser, expect, type Page } from "@playwright/test";
import { E2E_PASSWORD, E2E_SIM_PORT } from "../../../playwright.config";

/** A new browser context signed in as `email` (a demo user, the e2e password). */
export async function signIn(browser: Browser, baseURL: string | undefined, email: string): Promise<Page> {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(E2E_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("merchant-name").or(page.getByRole("combobox").first())).toBeVisible();
  return page;
}

/**
 * Saves the simulator's test initiator (with the simulator's certificate) on the demo merchant,
 * which has none: payouts and reversals go through the initiator APIs. `page` is an owner's.
 */
export async function giveSimulatorInitiator(page: Page): Promise<void> {
  const certificate = await (await fetch(`http://localhost:${E2E_SIM_PORT}/sim/certificate`)).text();
  await page.goto("/settings?env=simulator");
  const mpesa = page.getByTestId("mpesa-form");
  await mpesa.getByLabel("Initiator name").fill("testapi");
  await mpesa.locator("input[name=initiatorPassword]").fill("Safaricom999!*!");
  await mpesa.getByLabel("Safaricom certificate (PEM)").fill(certificate);
  await mpesa.getByRole("button", { name: /Save simulator credentials/ }).click();
  await expect(mpesa.getByText(/^Saved\./)).toBeVisible();
}
