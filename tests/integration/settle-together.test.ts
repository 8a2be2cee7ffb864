// Stored callbacks settled together (processInboxBatch → settleTogether → settlePendingStkResults:
// one UPDATE, one event INSERT and one `processed` mark for a whole batch) must end exactly as the
// same callbacks processed one by one: duplicates, a receipt seen twice, amounts and payers that do
// not add up, late successes, failures, checkout links, unknown payments, another merchant's
// payment and malformed bodies included. And when the batch's transaction fails, nothing of it
// stays and every entry is processed on its own.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateKeyringSpec, parseKeyring } from "@/lib/crypto/keyring";
import type { Db } from "@/lib/db";
import { processInboxBatch } from "@/lib/payments/callbacks/process-inbox-batch";
import { recordCallback } from "@/lib/payments/callbacks/record-callback";
import { setPaymentsObserver } from "@/lib/payments/observer";
import { createCheckoutSession, createMerchant, createPayment } from "../factories";
import { withFailingTrigger } from "../support/failing-trigger";
import { testDb } from "./db";

const keyring = parseKeyring(generateKeyringSpec("t1"));

function stkBody(
  checkoutRequestId: string,
  options: { resultCode?: number; amount?: number; receipt?: string; phone?: number } = {},
) {
  const resultCode = options.resultCode ?? 0;
  const items = [
    { Name: "Amount", Value: options.amount ?? 100 },
    { Name: "MpesaReceiptNumber", Value: options.receipt ?? receipt() },
    ...(options.phone ? [{ Name: "PhoneNumber", Value: options.phone }] : []),
  ];
  return JSON.stringify({
    Body: {
      stkCallback: {
        MerchantRequestID: "m",
        CheckoutRequestID: checkoutRequestId,
        ResultCode: resultCode,
        ResultDesc: resultCode === 0 ? "Processed" : "Request cancelled by user",
        ...(resultCode === 0 ? { CallbackMetadata: { Item: items } } : {}),
      },
    },
  });
}

const receipt = () => `R${randomBytes(5).toString("hex").toUpperCase().slice(0, 9)}`;

/**
 * One merchant's payments and their stored callbacks, every case settlement tells apart. Built the
 * same way twice (for two merchants), so the two ways of processing can be compared case by case.
 */
async function buildWorld(db: Db) {
  const merchant = await createMerchant(db);
  const stranger = await createMerchant(db);
  await db.webhookEndpoint.create({
    data: { merchantId: merchant.id, url: "https://example.invalid/hook", secretSealed: "x" },
  });
  const tag = randomBytes(4).toString("hex");
  const cases: { label: string; paymentId: string | null; inboxIds: string[] }[] = [];
  const store = async (body: string) =>
    (await recordCallback(db, { merchantId: merchant.id, kind: "stk", body, sourceIp: null, headers: {} }))
      .id;
  const add = async (
    label: string,
    payment: Partial<Parameters<typeof createPayment>[1]> | null,
    bodies: (checkoutRequestId: string) => string[],
  ) => {
    const checkoutRequestId = `ws_CO_${tag}_${label}`;
    const row = payment
      ? await createPayment(db, { merchantId: merchant.id, checkoutRequestId, ...payment })
      : null;
    const inboxIds = [];
    for (const body of bodies(checkoutRequestId)) inboxIds.push(await store(body));
    cases.push({ label, paymentId: row?.id ?? null, inboxIds });
  };
  for (let i = 0; i < 6; i++) await add(`plain${i}`, {}, (id) => [stkBody(id)]);
  await add("duplicated", {}, (id) => {
    const body = stkBody(id);
    return [body, body, body];
  });
  const shared = receipt();
  await add("receiptFirst", {}, (id) => [stkBody(id, { receipt: shared })]);
  await add("receiptAgain", {}, (id) => [stkBody(id, { receipt: shared })]);
  await add("amountShort", {}, (id) => [stkBody(id, { amount: 50 })]);
  await add("otherPayer", {}, (id) => [stkBody(id, { phone: 254711000111 })]);
  await add("cancelled", {}, (id) => [stkBody(id, { resultCode: 1032 })]);
  await add("cancelledThenPaid", {}, (id) => [stkBody(id, { resultCode: 1032 }), stkBody(id)]);
  await add("lateAfterTimeout", { status: "timed_out" }, (id) => [stkBody(id)]);
  await add("alreadyPaid", { status: "paid", receipt: receipt() }, (id) => [stkBody(id)]);
  // Paid by a query, which brings no receipt: the callback fills it in.
  await add("receiptLater", { status: "paid", paidAmount: 100, settledAt: new Date() }, (id) => [
    stkBody(id),
  ]);
  const link = await createCheckoutSession(db, { merchantId: merchant.id });
  await add("checkoutLink", { checkoutSessionId: link.id }, (id) => [stkBody(id)]);
  await add("unknown", null, (id) => [stkBody(id)]);
  await add("malformed", {}, () => ["{not json"]);
  // Another merchant's payment, named in a callback that came through this merchant's URL.
  const theirs = await createPayment(db, {
    merchantId: stranger.id,
    checkoutRequestId: `ws_CO_${tag}_theirs`,
  });
  cases.push({
    label: "stranger",
    paymentId: theirs.id,
    inboxIds: [await store(stkBody(`ws_CO_${tag}_theirs`))],
  });
  return { merchant, cases, inboxIds: cases.flatMap((c) => c.inboxIds) };
}

/** Where every case ended: payment, its review items and events, its callbacks' states. */
async function outcome(db: Db, world: Awaited<ReturnType<typeof buildWorld>>) {
  const summary: Record<string, unknown> = {};
  for (const c of world.cases) {
    const payment = c.paymentId ? await db.payment.findUniqueOrThrow({ where: { id: c.paymentId } }) : null;
    const reviews = await db.reviewItem.findMany({
      where: { OR: [{ inboxId: { in: c.inboxIds } }, ...(c.paymentId ? [{ paymentId: c.paymentId }] : [])] },
      select: { kind: true },
      orderBy: { kind: "asc" },
    });
    const events = c.paymentId
      ? await db.event.findMany({ where: { objectId: c.paymentId }, select: { id: true, type: true } })
      : [];
    const deliveries = await db.webhookDelivery.count({
      where: { eventId: { in: events.map((e) => e.id) } },
    });
    const inbox = await db.callbackInbox.findMany({
      where: { id: { in: c.inboxIds } },
      select: { state: true, lastError: true },
    });
    summary[c.label] = {
      status: payment?.status ?? null,
      receiptSet: Boolean(payment?.receipt),
      paidAmount: payment?.paidAmount ?? null,
      payerPhoneMasked: payment?.payerPhoneMasked ?? null,
      settled: Boolean(payment?.settledAt),
      reviews: reviews.map((r) => r.kind),
      events: events.map((e) => e.type).sort(),
      deliveries,
      inbox: inbox.map((e) => `${e.state}${e.lastError ? `: ${e.lastError}` : ""}`).sort(),
    };
  }
  return summary;
}

describe("settling stored callbacks together", () => {
  const db = testDb();

  it("ends every case exactly as processing the callbacks one by one does", async () => {
    const together = await buildWorld(db);
    const alone = await buildWorld(db);
    const a = await processInboxBatch(db, { keyring, inboxIds: together.inboxIds, together: true });
    const b = await processInboxBatch(db, { keyring, inboxIds: alone.inboxIds, together: false });
    expect(a.togetherError).toBeUndefined();
    // Settled: 6 plain, the first of the duplicates, the first receipt, the 2 cancellations.
    // Spent: the 2 other duplicates, and the callback for the payment already paid.
    expect(a.together).toBe(13);
    expect(b.together).toBe(0);
    const summary = await outcome(db, together);
    expect(summary).toEqual(await outcome(db, alone));

    // And those outcomes are the right ones, not merely the same ones.
    expect(summary.plain0).toMatchObject({ status: "paid", receiptSet: true, paidAmount: 100, reviews: [] });
    expect(summary.plain0).toMatchObject({ events: ["payment.paid"], deliveries: 1, inbox: ["processed"] });
    expect(summary.duplicated).toMatchObject({ status: "paid", events: ["payment.paid"], reviews: [] });
    expect(summary.duplicated).toMatchObject({ inbox: ["processed", "processed", "processed"] });
    expect(summary.receiptFirst).toMatchObject({ status: "paid", receiptSet: true, reviews: [] });
    expect(summary.receiptAgain).toMatchObject({ status: "needs_review", receiptSet: false });
    expect(summary.amountShort).toMatchObject({ status: "needs_review", reviews: ["amount_mismatch"] });
    expect(summary.otherPayer).toMatchObject({ status: "paid", reviews: ["payer_mismatch"] });
    expect(summary.cancelled).toMatchObject({ status: "cancelled", events: ["payment.cancelled"] });
    expect(summary.cancelledThenPaid).toMatchObject({ status: "paid", reviews: ["late_success"] });
    expect(summary.lateAfterTimeout).toMatchObject({ status: "paid", reviews: ["late_success"] });
    expect(summary.alreadyPaid).toMatchObject({ status: "paid", events: [], inbox: ["processed"] });
    expect(summary.receiptLater).toMatchObject({ status: "paid", receiptSet: true, events: [] });
    expect(summary.checkoutLink).toMatchObject({ status: "paid", events: ["payment.paid"] });
    expect(summary.unknown).toMatchObject({ inbox: ["pending: no payment with this CheckoutRequestID yet"] });
    expect(summary.malformed).toMatchObject({ status: "pending", reviews: ["malformed_callback"] });
    expect(summary.stranger).toMatchObject({ status: "pending", events: [], settled: false });
    expect(summary.stranger).toMatchObject({
      inbox: ["pending: no payment with this CheckoutRequestID yet"],
    });
  });

  it("keeps nothing of a batch whose transaction failed and processes its entries one by one", async () => {
    const world = await buildWorld(db);
    const poisoned = world.cases.find((c) => c.label === "plain3")?.paymentId ?? "";
    const result = await withFailingTrigger(
      db,
      {
        name: "malipo_test_poison_together",
        table: "payments",
        event: "UPDATE",
        when: `NEW.id = '${poisoned}'::uuid AND NEW.status <> 'pending'`,
        message: "poisoned payment",
      },
      () => processInboxBatch(db, { keyring, inboxIds: world.inboxIds, together: true }),
    );
    expect(result.togetherError).toMatch(/poisoned payment/);
    expect(result.together).toBe(0);
    const summary = await outcome(db, world);
    expect(summary.plain3).toMatchObject({ status: "pending", events: [], settled: false });
    expect((summary.plain3 as { inbox: string[] }).inbox[0]).toMatch(/^failed: .*poisoned payment/s);
    for (const label of ["plain0", "plain1", "plain2", "plain4", "plain5", "duplicated", "receiptFirst"])
      expect(summary[label]).toMatchObject({ status: "paid", events: ["payment.paid"], deliveries: 1 });
    expect(summary.cancelled).toMatchObject({ status: "cancelled", events: ["payment.cancelled"] });
  });

  it("reports a settlement to the metrics only once it commits, even when its batch was undone after it", async () => {
    const world = await buildWorld(db);
    const poisoned = world.cases.find((c) => c.label === "plain3")?.paymentId ?? "";
    const reported: string[] = [];
    setPaymentsObserver({ settled: (s) => reported.push(s.id) });
    // The batch's UPDATE succeeds; its events' INSERT then fails, undoing the whole batch.
    const result = await withFailingTrigger(
      db,
      {
        name: "malipo_test_poison_events",
        table: "events",
        event: "INSERT",
        when: `NEW.object_id = '${poisoned}'`,
        message: "poisoned event",
      },
      () => processInboxBatch(db, { keyring, inboxIds: world.inboxIds, together: true }),
    ).finally(() => setPaymentsObserver(undefined));
    expect(result.togetherError).toMatch(/poisoned event/);
    // One report for each settlement that stayed, which each left one payment event.
    const ids = world.cases.flatMap((c) => (c.paymentId ? [c.paymentId] : []));
    const events = await db.event.findMany({
      where: { objectId: { in: ids }, type: { startsWith: "payment." } },
      select: { objectId: true },
    });
    const committed = events.map((e) => e.objectId).toSorted();
    expect(committed.length).toBeGreaterThan(5);
    expect(committed).not.toContain(poisoned);
    expect(reported.toSorted()).toEqual(committed);
  });
});
