import { expect, test } from "@playwright/test";
import { E2E_API_KEY } from "../../playwright.config";

const auth = { Authorization: `Bearer ${E2E_API_KEY}` };

test("the REST API prompts a customer and reports the payment once M-Pesa settles it", async ({
  request,
}) => {
  const created = await request.post("/api/v1/payments", {
    headers: { ...auth, "Idempotency-Key": `e2e-${Date.now()}` },
    data: { amount: 150, phone: "0700 000 000", reference: "E2E-1" },
  });
  expect(created.status()).toBe(201);
  const payment = await created.json();
  expect(payment).toMatchObject({
    object: "payment",
    status: "pending",
    amount: 150,
    phone: "2547•••••000",
    reference: "E2E-1",
  });

  await expect
    .poll(
      async () =>
        (await (await request.get(`/api/v1/payments/${payment.id}`, { headers: auth })).json()).status,
      { timeout: 15_000 },
    )
    .toBe("paid");
  const paid = await (await request.get(`/api/v1/payments/${payment.id}`, { headers: auth })).json();
  expect(paid.mpesaReceipt).toMatch(/^[A-Z0-9]{10}$/);

  const list = await (await request.get("/api/v1/payments?status=paid&limit=5", { headers: auth })).json();
  expect(list.data.map((p: { id: string }) => p.id)).toContain(payment.id);
});

test("the REST API explains bad requests and refuses strangers", async ({ request }) => {
  expect((await request.get("/api/v1/payments")).status()).toBe(401);
  const bad = await request.post("/api/v1/payments", {
    headers: auth,
    data: { amount: 10, phone: "0202345678", reference: "X" },
  });
  expect(bad.status()).toBe(422);
  expect(await bad.json()).toMatchObject({ error: { code: "validation_failed", field: "phone" } });
  const missing = await request.get("/api/v1/payments/00000000-0000-7000-8000-000000000000", {
    headers: auth,
  });
  expect(missing.status()).toBe(404);
  const session = await request.post("/api/v1/checkout-sessions", {
    headers: auth,
    data: { amount: 500, reference: "ORDER-9" },
  });
  expect(session.status()).toBe(201);
  expect(await session.json()).toMatchObject({
    object: "checkout_session",
    status: "open",
    url: expect.stringMatching(/\/pay\//),
  });
});

test("the REST API limits prompts to one phone (429 with Retry-After)", async ({ request }) => {
  const send = () =>
    request.post("/api/v1/payments", {
      headers: auth,
      data: { amount: 10, phone: "0711 000 999", reference: "LIMIT" },
    });
  for (let i = 0; i < 3; i += 1) expect((await send()).status()).toBe(201);
  const limited = await send();
  expect(limited.status()).toBe(429);
  expect(Number(limited.headers()["retry-after"])).toBeGreaterThan(0);
  expect(await limited.json()).toMatchObject({ error: { code: "rate_limited" } });
});
