// The payouts REST API, called as Next calls the route handlers, with two merchants' keys.
import { beforeAll, describe, expect, it } from "vitest";
import { approvePayout } from "@/lib/payments/payouts/approve-payout";
import { approvePayoutBatch } from "@/lib/payments/payouts/approve-payout-batch";
import { createApiKey, createMember, createMerchant } from "../factories";
import { callRoute } from "../support/api-call";
import { stubAppEnv } from "../support/next-request";
import { testDatabaseUrl, testDb } from "./db";

stubAppEnv(testDatabaseUrl());

describe("payouts REST API", () => {
  const db = testDb();
  const merchants = {} as Record<"a" | "b", { id: string; key: string; apiKeyId: string }>;

  const call = callRoute;
  const routes = async () => ({
    payouts: await import("@/app/api/v1/payouts/route"),
    payout: await import("@/app/api/v1/payouts/[id]/route"),
    batches: await import("@/app/api/v1/payout-batches/route"),
    batch: await import("@/app/api/v1/payout-batches/[id]/route"),
  });
  const post = async (key: string, body: unknown, headers: Record<string, string> = {}) =>
    call((await routes()).payouts.POST, { key, path: "/api/v1/payouts", method: "POST", body, headers });
  const row = (overrides: Record<string, unknown> = {}) => ({
    command: "BusinessPayment",
    amount: 250,
    phone: "0712345678",
    remarks: "Weekly rider pay",
    ...overrides,
  });

  beforeAll(async () => {
    for (const name of ["a", "b"] as const) {
      const merchant = await createMerchant(db);
      const { apiKey, key } = await createApiKey(db, { merchantId: merchant.id });
      merchants[name] = { id: merchant.id, key, apiKeyId: apiKey.id };
    }
  });

  it("requests a payout (201) that waits for a person's approval, phone masked", async () => {
    const res = await post(merchants.a.key, { ...row({ occasion: "Week 23" }), merchantId: merchants.b.id });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      object: "payout",
      status: "pending_approval",
      kind: "b2c",
      command: "BusinessPayment",
      amount: 250,
      currency: "KES",
      recipient: { phone: "2547•••••678" },
      remarks: "Weekly rider pay",
      occasion: "Week 23",
      receipt: null,
      batchId: null,
      approvedAt: null,
    });
    expect(res.body.message).toMatch(/Waiting for approval/);
    expect(JSON.stringify(res.body)).not.toContain("254712345678");
    const stored = await db.payout.findUniqueOrThrow({ where: { id: res.body.id } });
    expect(stored).toMatchObject({
      merchantId: merchants.a.id,
      requestedById: null,
      requestedByApiKeyId: merchants.a.apiKeyId,
    });
    const audit = await db.auditLog.findFirstOrThrow({
      where: { targetId: stored.id, action: "payout.requested" },
    });
    expect(audit).toMatchObject({ actorType: "api_key", actorId: merchants.a.apiKeyId });

    // A key can request, never approve: there is no approving endpoint, and a person approves it.
    const { payout } = await routes();
    expect(Object.keys(payout)).toEqual(["GET"]);
    const { user } = await createMember(db, { role: "owner", merchantId: merchants.a.id });
    const approved = await approvePayout(db, {
      merchantId: merchants.a.id,
      payoutId: stored.id,
      approver: { id: user.id, label: user.email, role: "owner", ip: null },
    });
    expect(approved.readyToSubmit).toBe(true);
  });

  it("requests a B2B paybill payment", async () => {
    const res = await post(merchants.a.key, {
      command: "BusinessPayBill",
      amount: 15_000,
      shortcode: "888880",
      accountReference: "INV-2231",
      remarks: "Supplier invoice",
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      kind: "b2b",
      recipient: { shortcode: "888880", accountReference: "INV-2231" },
    });
  });

  it("honours Idempotency-Key: same body, same payout; another body, 409", async () => {
    const headers = { "Idempotency-Key": "api-payout-1" };
    const first = await post(merchants.a.key, row(), headers);
    const again = await post(merchants.a.key, row({ phone: "254712345678" }), headers);
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body.id).toBe(first.body.id);
    const different = await post(merchants.a.key, row({ amount: 251 }), headers);
    expect(different).toMatchObject({ status: 409, body: { error: { code: "conflict" } } });
    // Keys are per merchant: b's same key is b's own payout.
    const other = await post(merchants.b.key, row(), headers);
    expect(other.status).toBe(201);
    expect(other.body.id).not.toBe(first.body.id);
    const bad = await post(merchants.a.key, row(), { "Idempotency-Key": "has spaces" });
    expect(bad).toMatchObject({ status: 400, body: { error: { field: "Idempotency-Key" } } });
  });

  it("answers bad input with 422 naming each field, never 500", async () => {
    const res = await post(merchants.a.key, {
      command: "BusinessPayment",
      amount: 5,
      phone: "12",
      remarks: "ok",
    });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: "validation_failed", field: "amount" });
    expect(res.body.error.errors.map((e: { field: string }) => e.field)).toEqual(["amount", "phone"]);
    expect((await post(merchants.a.key, [row()])).status).toBe(422);
    expect((await post(merchants.a.key, row({ remarks: "\u0000" }))).status).toBe(422);
    const notJson = await call((await routes()).payouts.POST, {
      key: merchants.a.key,
      path: "/api/v1/payouts",
      method: "POST",
      raw: "{amount",
    });
    expect(notJson.status).toBe(400);
  });

  it("lists only the caller's payouts, by status, page by page; another merchant's id is a 404", async () => {
    const { payouts, payout } = await routes();
    const list = (query: string) =>
      call(payouts.GET, { key: merchants.b.key, path: `/api/v1/payouts${query}` });
    const all = await list("");
    expect(all.status).toBe(200);
    const ids = all.body.data.map((p: { id: string }) => p.id);
    expect(ids.length).toBeGreaterThan(0);
    const stored = await db.payout.findMany({ where: { merchantId: merchants.b.id }, select: { id: true } });
    expect(new Set(ids)).toEqual(new Set(stored.map((p) => p.id)));
    expect((await list("?status=paid")).body.data).toEqual([]);
    expect((await list("?status=nonsense")).status).toBe(422);
    expect((await list("?cursor=nonsense")).status).toBe(400);

    for (let i = 0; i < 3; i++) await post(merchants.b.key, row({ amount: 300 + i }));
    const page1 = await list("?limit=2");
    const page2 = await list(`?limit=2&cursor=${page1.body.nextCursor}`);
    expect(page1.body.data).toHaveLength(2);
    expect(page2.body.data[0].id).not.toBe(page1.body.data[1].id);

    const aPayout = await db.payout.findFirstOrThrow({ where: { merchantId: merchants.a.id } });
    const get = (key: string, id: string) =>
      call(payout.GET, { key, path: `/api/v1/payouts/${id}`, params: { id } });
    expect((await get(merchants.a.key, aPayout.id)).status).toBe(200);
    expect(await get(merchants.b.key, aPayout.id)).toEqual({
      status: 404,
      body: { error: { code: "not_found", message: "No payout with this id." } },
    });
    expect((await get(merchants.b.key, "not-a-uuid")).status).toBe(404);
  });

  it("refuses a whole batch listing every bad row; a good one is stored with counts and totals", async () => {
    const { batches, batch } = await routes();
    const send = (key: string, body: unknown, headers: Record<string, string> = {}) =>
      call(batches.POST, { key, path: "/api/v1/payout-batches", method: "POST", body, headers });
    const before = await db.payout.count();
    const bad = await send(merchants.a.key, {
      name: "June riders",
      payouts: [
        row(),
        row({ amount: 0 }),
        row(),
        row({ command: "BusinessPayBill", phone: undefined, shortcode: "12" }),
      ],
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.errors).toEqual([
      { index: 1, field: "amount", message: "The smallest payout is KES 10." },
      { index: 3, field: "shortcode", message: "A paybill or till number is 5-7 digits." },
      {
        index: 3,
        field: "accountReference",
        message: "Paying a paybill needs the account reference (1-12 characters).",
      },
    ]);
    expect(bad.body.error.message).toMatch(/^2 of 4 payouts are not valid: nothing was requested/);
    expect(await db.payout.count()).toBe(before);
    expect((await send(merchants.a.key, { name: "", payouts: [row()] })).body.error.field).toBe("name");
    expect((await send(merchants.a.key, { name: "x", payouts: [] })).status).toBe(422);
    expect((await send(merchants.a.key, { name: "x", payouts: "rows" })).status).toBe(422);

    const headers = { "Idempotency-Key": "batch-june" };
    const good = await send(
      merchants.a.key,
      { name: "June riders", payouts: [row(), row({ amount: 1_000 }), row({ amount: 750 })] },
      headers,
    );
    expect(good.status).toBe(201);
    expect(good.body).toMatchObject({
      object: "payout_batch",
      name: "June riders",
      count: 3,
      total: 2_000,
      byStatus: { pending_approval: { count: 3, total: 2_000 } },
    });
    expect((await send(merchants.a.key, { name: "June riders", payouts: [row()] }, headers)).status).toBe(
      409,
    );
    const replay = await send(
      merchants.a.key,
      { name: "June riders", payouts: [row(), row({ amount: 1_000 }), row({ amount: 750 })] },
      headers,
    );
    expect(replay.body.id).toBe(good.body.id);

    const get = (key: string, id: string) =>
      call(batch.GET, { key, path: `/api/v1/payout-batches/${id}`, params: { id } });
    expect((await get(merchants.a.key, good.body.id)).body).toEqual(good.body);
    expect((await get(merchants.b.key, good.body.id)).status).toBe(404);
    const inBatch = await call((await routes()).payouts.GET, {
      key: merchants.a.key,
      path: `/api/v1/payouts?batchId=${good.body.id}`,
    });
    expect(inBatch.body.data).toHaveLength(3);
  });

  it("takes 10,000 rows in one batch and refuses 10,001", async () => {
    const { batches } = await routes();
    const rows = (n: number) =>
      Array.from({ length: n }, (_, i) =>
        row({ amount: 10 + (i % 500), phone: `0712${String(i).padStart(6, "0")}` }),
      );
    const send = (payouts: unknown[]) =>
      call(batches.POST, {
        key: merchants.b.key,
        path: "/api/v1/payout-batches",
        method: "POST",
        body: { name: "Everyone", payouts },
      });
    const tooMany = await send(rows(10_001));
    expect(tooMany).toMatchObject({ status: 422, body: { error: { field: "payouts" } } });
    const started = Date.now();
    const ok = await send(rows(10_000));
    const took = Date.now() - started;
    expect(ok.status).toBe(201);
    expect(ok.body.count).toBe(10_000);
    expect(await db.payout.count({ where: { batchId: ok.body.id } })).toBe(10_000);
    const { user } = await createMember(db, { role: "approver", merchantId: merchants.b.id });
    const approving = Date.now();
    const approved = await approvePayoutBatch(db, {
      merchantId: merchants.b.id,
      batchId: ok.body.id,
      approver: { id: user.id, label: user.email, role: "approver", ip: "198.51.100.9" },
    });
    expect(approved.readyToSubmit).toHaveLength(10_000);
    expect(await db.payoutApproval.count({ where: { userId: user.id, ip: "198.51.100.9" } })).toBe(10_000);
    console.info(`10,000-row payout batch: stored in ${took} ms, approved in ${Date.now() - approving} ms`);
  }, 60_000);
});
