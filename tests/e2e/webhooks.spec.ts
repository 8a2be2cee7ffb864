// An owner adds a webhook endpoint (a receiver this test starts), sends a test event, sees the
// delivery in the log, and resends it; the receiver checks every signature with the shown secret.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { verifySignature } from "../../lib/webhooks/webhook-signature";
import { signIn } from "./support/staff";

test("an owner adds an endpoint, sends a test event, sees the delivery and resends it", async ({
  browser,
  baseURL,
}) => {
  let secret = "";
  const received: { type: string; id: string; verified: boolean }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const event = JSON.parse(body) as { id: string; type: string };
      const verified = verifySignature(secret, request.headers["malipo-signature"] as string, body);
      received.push({ type: event.type, id: event.id, verified });
      response.writeHead(verified ? 200 : 400).end(verified ? "thanks" : "bad signature");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/malipo`;
  try {
    const page = await signIn(browser, baseURL, "owner@duka.example");
    await page.goto("/settings");
    await page.getByLabel("Endpoint URL").fill(url);
    await page.getByLabel("payment.paid").check();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    secret = (await page.getByTestId("new-webhook-secret").textContent()) ?? "";
    expect(secret).toMatch(/^whsec_/);

    const card = page.getByTestId("webhook-endpoint").filter({ hasText: url });
    await expect(card).toContainText("payment.paid");
    await card.getByRole("button", { name: "Send test event" }).click();
    await expect(card.getByText(/Delivered: the endpoint answered 200/)).toBeVisible();
    const log = card.getByTestId("webhook-deliveries");
    await expect(log).toContainText("webhook.test");
    await expect(log).toContainText("delivered");
    await expect(log).toContainText("thanks");

    await log.getByRole("button", { name: "Resend" }).first().click();
    await expect(log).toContainText("2 attempts");
    expect(received).toHaveLength(2);
    expect(received.every((r) => r.verified && r.type === "webhook.test")).toBe(true);
    // A resend is the same event: the receiver de-duplicates on its id.
    expect(received[1]?.id).toBe(received[0]?.id);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
