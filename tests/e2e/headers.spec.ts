// Response headers as a browser gets them from the production build behind the front server:
// the nonce-based Content-Security-Policy (lib/http/stamp-page-request.ts), HSTS, and public/ served as plain files.
import { type APIRequestContext, expect, type Page, test } from "@playwright/test";
import { E2E_API_KEY, E2E_PASSWORD } from "../../playwright.config";

/** Collects what Chromium reports when the policy blocks something on `page`. */
function cspViolations(page: Page): string[] {
  const seen: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) seen.push(message.text());
  });
  return seen;
}

async function newCheckout(request: APIRequestContext) {
  const res = await request.post("/api/v1/checkout-sessions", {
    headers: { Authorization: `Bearer ${E2E_API_KEY}` },
    data: { amount: 1250, reference: "ORDER-CSP" },
  });
  expect(res.status()).toBe(201);
  return new URL(((await res.json()) as { url: string }).url).pathname;
}

test("the checkout page has a nonce-based policy its own scripts carry, and nothing is blocked", async ({
  page,
  request,
}) => {
  const path = await newCheckout(request);
  const violations = cspViolations(page);
  const response = await page.goto(path);
  const headers = response?.headers() ?? {};
  const csp = headers["content-security-policy"] ?? "";
  const nonce = /'nonce-([A-Za-z0-9+/=]{16,})'/.exec(csp)?.[1] ?? "";
  expect(nonce).not.toBe("");
  for (const directive of [
    "default-src 'self'",
    "'strict-dynamic'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
  ])
    expect(csp).toContain(directive);
  expect(csp).not.toContain("unsafe-eval"); // development only
  expect(headers["strict-transport-security"]).toBe("max-age=63072000; includeSubDomains");

  // Every script in the page as sent carries this response's nonce.
  const html = (await response?.text()) ?? "";
  const scripts = html.match(/<script\b[^>]*>/g) ?? [];
  expect(scripts.length).toBeGreaterThan(0);
  for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);

  // Hydrated (the form validates as you type), and a new response gets a new nonce.
  await page.getByLabel("M-Pesa phone number").fill("0712");
  await expect(page.getByText("Enter a Safaricom number like 0712 345 678.")).toBeVisible();
  const again = (await request.get(path)).headers()["content-security-policy"] ?? "";
  expect(again).toMatch(/'nonce-/);
  expect(again).not.toContain(nonce);
  expect(violations).toEqual([]);
});

test("every dashboard page works under the policy, and the audit log shows the real address", async ({
  page,
}) => {
  const violations = cspViolations(page);
  await page.goto("/login");
  await page.getByLabel("Email").fill("owner@duka.example");
  await page.getByLabel("Password").fill(E2E_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  for (const path of ["/payments", "/checkout-links", "/mismatches", "/callbacks", "/settings"]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(200);
    expect(response?.headers()["content-security-policy"], path).toMatch(/'nonce-/);
  }
  // Client-side navigation too, into the audit log: this browser's sign-in, from this machine
  // (the front server's socket peer, not anything a client could write in a header).
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
  const signIn = page
    .getByRole("row")
    .filter({ hasText: "owner@duka.example" })
    .filter({ hasText: "auth.sign_in" });
  await expect(signIn.first()).toContainText(/127\.0\.0\.1|::1/);
  expect(violations).toEqual([]);
});

test("public/ files are served as they are, and robots.txt keeps crawlers out", async ({ request }) => {
  const robots = await request.get("/robots.txt");
  expect(robots.status()).toBe(200);
  expect(await robots.text()).toMatch(/^Disallow: \/$/m);
  for (const file of [
    "/favicon.ico",
    "/icon.svg",
    "/icon-192.png",
    "/icon-512.png",
    "/apple-touch-icon.png",
  ]) {
    const res = await request.get(file);
    expect(res.status(), file).toBe(200);
    expect(res.headers()["content-type"], file).toMatch(/^image\//);
    expect(res.headers()["content-security-policy"], file).toBeUndefined(); // the front server stamps no policy on them
  }
});
