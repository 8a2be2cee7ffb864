// Joining a team from an invitation link. The link never takes an existing account's password
// (that made it a password oracle): an existing user signs in first and then joins; someone new
// creates their account; the page looks the same either way to a signed-out visitor.
import { type Browser, expect, type Page, test } from "@playwright/test";
import { E2E_PASSWORD } from "../../playwright.config";

const OWNER = "owner@duka.example"; // owner of Duka la Mama, admin of Kahawa Corner
const APPROVER = "approver@duka.example"; // a member of Duka la Mama only

async function signIn(page: Page, email: string) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(E2E_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** The owner, as Kahawa Corner's admin, invites `email` and gets the one-time link's path. */
async function invite(page: Page, email: string, role: string): Promise<string> {
  await page.goto("/login");
  await signIn(page, OWNER);
  await expect(page.getByTestId("overview-stats")).toBeVisible();
  await page.getByTestId("merchant-switcher").selectOption("kahawa-corner");
  await expect(page.getByText("Money collected and paid out for Kahawa Corner.")).toBeVisible();
  await page.goto("/settings");
  await page.getByLabel("Teammate's email").fill(email);
  await page.getByLabel("Role", { exact: true }).selectOption(role);
  await page.getByRole("button", { name: "Invite" }).click();
  const link = (await page.getByTestId("invitation-link").textContent())?.trim() ?? "";
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{40,}$/);
  return new URL(link).pathname;
}

async function signedOutPage(browser: Browser, baseURL: string | undefined) {
  const context = await browser.newContext({ baseURL });
  return { context, page: await context.newPage() };
}

test("an existing user signs in first, then joins; the link never asks for their password", async ({
  page,
  browser,
  baseURL,
}) => {
  const path = await invite(page, APPROVER, "viewer");
  // Signed in as someone else (the inviter): told it is another account's invitation.
  await page.goto(path);
  await expect(page.getByRole("heading", { name: "This invitation is for another account" })).toBeVisible();
  await expect(page.getByRole("button", { name: /^Join/ })).toHaveCount(0);

  const { context, page: invitee } = await signedOutPage(browser, baseURL);
  await invitee.goto(path);
  await expect(invitee.getByRole("heading", { name: "Join Kahawa Corner" })).toBeVisible();
  // The same page as for someone new: nothing says this email has an account.
  await expect(invitee.getByLabel("Your name")).toBeVisible();
  await expect(invitee.getByLabel("New password")).toBeVisible();
  await expect(invitee.getByText("confirm with its password")).toHaveCount(0);
  // Creating an account for an email that has one: a neutral answer, nothing joined.
  await invitee.getByLabel("Your name").fill("Someone Else");
  await invitee.getByLabel("New password").fill("a guess at brian's password");
  await invitee.getByLabel("Type it again").fill("a guess at brian's password");
  await invitee.getByRole("button", { name: "Create account and join" }).click();
  await expect(
    invitee.getByRole("alert").filter({ hasText: "Sign in first, then open this link again." }),
  ).toBeVisible();

  await invitee.getByRole("link", { name: "Sign in first" }).click();
  await expect(invitee).toHaveURL(/\/login\?callbackUrl=%2Finvite%2F/);
  await signIn(invitee, APPROVER);
  await expect(invitee).toHaveURL(new RegExp(`${path}$`));
  // Signing in made this browser a known device: failures from elsewhere never slow it down.
  const device = (await context.cookies()).find((c) => c.name === "malipo_device");
  expect(device).toMatchObject({ httpOnly: true, sameSite: "Lax" });
  await invitee.getByRole("button", { name: "Join Kahawa Corner as Viewer" }).click();
  await expect(invitee.getByTestId("overview-stats")).toBeVisible();
  await expect(invitee.getByTestId("merchant-switcher")).toHaveValue("kahawa-corner");
  await invitee.goto(path);
  await expect(invitee.getByText("This invitation was already used.")).toBeVisible();
  await context.close();
});

test("someone new creates their account with a strong password and joins", async ({
  page,
  browser,
  baseURL,
}) => {
  const path = await invite(page, "wairimu@kahawa.example", "developer");
  const { context, page: invitee } = await signedOutPage(browser, baseURL);
  await invitee.goto(path);
  await invitee.getByLabel("Your name").fill("Wairimu Njoroge");
  await invitee.getByLabel("New password").fill("aaaaaaaaaa");
  await invitee.getByLabel("Type it again").fill("aaaaaaaaaa");
  await invitee.getByRole("button", { name: "Create account and join" }).click();
  await expect(invitee.getByRole("alert").filter({ hasText: "too easy to guess" })).toBeVisible();
  await invitee.getByLabel("Your name").fill("Wairimu Njoroge");
  await invitee.getByLabel("New password").fill("tangerine kettle safari");
  await invitee.getByLabel("Type it again").fill("tangerine kettle safari");
  await invitee.getByRole("button", { name: "Create account and join" }).click();
  await expect(invitee.getByTestId("overview-stats")).toBeVisible();
  await expect(invitee.getByTestId("merchant-name")).toHaveText("Kahawa Corner");

  // Later they change it: the current one is checked, a weak new one refused.
  await invitee.goto("/account/password");
  const changeTo = async (current: string, next: string) => {
    await invitee.getByLabel("Current password").fill(current);
    await invitee.getByLabel("New password").fill(next);
    await invitee.getByLabel("Type it again").fill(next);
    await invitee.getByRole("button", { name: "Change password" }).click();
  };
  await changeTo("tangerine kettle safari", "wairimu2024!");
  await expect(invitee.getByRole("alert").filter({ hasText: "too easy to guess" })).toBeVisible();
  await changeTo("not my password", "heron marmalade quartz");
  await expect(invitee.getByRole("alert").filter({ hasText: "not your current password" })).toBeVisible();
  await changeTo("tangerine kettle safari", "heron marmalade quartz");
  await expect(invitee.getByRole("status").filter({ hasText: "Password changed." })).toBeVisible();
  await context.close();
});
