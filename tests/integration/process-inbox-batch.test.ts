// Stored callbacks settled in batches (processInboxBatch: one claim and one `processed` mark per
// batch), in this process and through the Inngest function's batches: still exactly once when the
// same callback is stored several times and the batches race each other.
import { randomBytes } from "node:crypto";
import { InngestTestEngine } from "@inngest/test";
import { Inngest } from "inngest";
import { describe, expect, it } from "vitest";
import { makeProcessCallback } from "@/inngest/functions/process-callback";
import { generateKeyringSpec, parseKeyring } from "@/lib/crypto/keyring";
import { processInboxBatch } from "@/lib/payments/callbacks/process-inbox-batch";
import {
  claimInboxEntries,
  markInboxProcessed,
  processInboxEntry,
} from "@/lib/payments/callbacks/process-inbox-entry";
import { recordCallback } from "@/lib/payments/callbacks/record-callback";
import { createMerchant, createPayment } from "../factories";
import { testDb } from "./db";

const keyring = parseKeyring(generateKeyringSpec("t1"));

const success = (checkoutRequestId: string, receipt: string) =>
  JSON.stringify({
    Body: {
      stkCallback: {
        MerchantRequestID: "m",
        CheckoutRequestID: checkoutRequestId,
        ResultCode: 0,
        ResultDesc: "Processed",
        CallbackMetadata: {
          Item: [
            { Name: "Amount", Value: 100 },
            { Name: "MpesaReceiptNumber", Value: receipt },
          ],
        },
      },
    },
  });

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe("processing stored callbacks in batches", () => {
  const db = testDb();

  /** `count` pending payments, each with its success callback stored `copies` times. */
  async function world(count: number, copies: number) {
    const merchant = await createMerchant(db);
    const payments = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        createPayment(db, { merchantId: merchant.id, checkoutRequestId: `ws_CO_batch_${merchant.id}_${i}` }),
      ),
    );
    const receipts = payments.map(() => `R${randomBytes(5).toString("hex").toUpperCase().slice(0, 9)}`);
    const inboxIds: string[] = [];
    for (const [i, payment] of payments.entries())
      for (let copy = 0; copy < copies; copy++) {
        const entry = await recordCallback(db, {
          merchantId: merchant.id,
          kind: "stk",
          body: success(payment.checkoutRequestId ?? "", receipts[i] ?? ""),
          sourceIp: null,
          headers: {},
        });
        inboxIds.push(entry.id);
      }
    return { merchant, payments, inboxIds };
  }

  async function expectSettledOnce(merchantId: string, count: number) {
    expect(await db.payment.count({ where: { merchantId, status: "paid" } })).toBe(count);
    const events = await db.event.findMany({ where: { merchantId, type: "payment.paid" } });
    expect(events).toHaveLength(count);
    expect(new Set(events.map((e) => e.objectId)).size).toBe(count);
    expect(await db.callbackInbox.count({ where: { merchantId, state: { not: "processed" } } })).toBe(0);
    expect(await db.reviewItem.count({ where: { merchantId } })).toBe(0);
  }

  it("settles each payment once when its callback is stored 3 times and racing batches and single entries take them", async () => {
    const { merchant, inboxIds } = await world(40, 3);
    const ids = shuffled(inboxIds);
    const results = await Promise.all([
      processInboxBatch(db, { keyring, inboxIds: ids, concurrency: 3 }),
      processInboxBatch(db, { keyring, inboxIds: shuffled(ids), concurrency: 2 }),
      processInboxBatch(db, { keyring, inboxIds: ids.slice(0, 60) }),
      ...ids.slice(0, 20).map((inboxId) => processInboxEntry(db, { keyring, inboxId })),
    ]);
    expect(results.length).toBe(23);
    await expectSettledOnce(merchant.id, 40);
    const attempts = await db.callbackInbox.findMany({
      where: { merchantId: merchant.id },
      select: { attempts: true },
    });
    expect(attempts.every((a) => a.attempts >= 1)).toBe(true);
  });

  it("leaves a callback for an unknown payment pending and sends a malformed one to review, settling the rest", async () => {
    const { merchant, inboxIds } = await world(3, 1);
    const early = await recordCallback(db, {
      merchantId: merchant.id,
      kind: "stk",
      body: success("ws_CO_not_yet", "RCPEARLY01"),
      sourceIp: null,
      headers: {},
    });
    const broken = await recordCallback(db, {
      merchantId: merchant.id,
      kind: "stk",
      body: "{not json",
      sourceIp: null,
      headers: {},
    });
    const { outcomes, skipped } = await processInboxBatch(db, {
      keyring,
      inboxIds: [...inboxIds, early.id, broken.id, crypto.randomUUID()],
    });
    expect(skipped).toBe(1);
    expect(outcomes.get(early.id)).toBe("retry");
    expect(outcomes.get(broken.id)).toBe("dead");
    expect(inboxIds.map((id) => outcomes.get(id))).toEqual(["processed", "processed", "processed"]);
    expect(await db.callbackInbox.findUniqueOrThrow({ where: { id: early.id } })).toMatchObject({
      state: "pending",
      lastError: "no payment with this CheckoutRequestID yet",
    });
    expect(await db.reviewItem.count({ where: { inboxId: broken.id, kind: "malformed_callback" } })).toBe(1);
    expect(await db.payment.count({ where: { merchantId: merchant.id, status: "paid" } })).toBe(3);
  });

  it("the Inngest function settles a batch of events once, however many runs race, and retries a batch with an early callback", async () => {
    const { merchant, inboxIds } = await world(30, 2);
    const inngest = new Inngest({ id: "malipo-test", isDev: true });
    const context = () => ({
      db,
      deps: {
        keyring,
        darajaBaseUrl: () => "http://127.0.0.1:9",
        appUrl: "http://localhost",
        promptLimiter: { consume: async () => null },
      },
      spoolDir: "/tmp/unused",
    });
    const fn = makeProcessCallback(inngest, context);
    const events = (ids: string[]) => {
      const list = ids.map((inboxId) => ({ name: "malipo/callback.received", data: { inboxId } }));
      return list as [(typeof list)[number], ...typeof list];
    };
    const ids = shuffled(inboxIds);
    const runs = await Promise.all([
      new InngestTestEngine({ function: fn }).execute({ events: events(ids.slice(0, 30)) }),
      new InngestTestEngine({ function: fn }).execute({ events: events(ids.slice(30)) }),
      new InngestTestEngine({ function: fn }).execute({ events: events(ids) }),
    ]);
    expect(runs.map((r) => r.error)).toEqual([undefined, undefined, undefined]);
    await expectSettledOnce(merchant.id, 30);

    const early = await recordCallback(db, {
      merchantId: merchant.id,
      kind: "stk",
      body: success("ws_CO_inngest_not_yet", "RCPEARLY02"),
      sourceIp: null,
      headers: {},
    });
    const { error } = await new InngestTestEngine({ function: fn }).execute({ events: events([early.id]) });
    expect(String((error as Error | undefined)?.message ?? error)).toMatch(/not known yet/);
    expect(await db.callbackInbox.findUniqueOrThrow({ where: { id: early.id } })).toMatchObject({
      state: "pending",
    });
  });

  it("claims and marks entries with raw statements that read back exactly as Prisma's model does", async () => {
    const merchant = await createMerchant(db);
    const stored = [
      await recordCallback(db, {
        merchantId: merchant.id,
        kind: "stk",
        body: success(`ws_CO_claim_${randomBytes(3).toString("hex")}`, "RCL1"),
        sourceIp: "196.201.214.200",
        headers: { "content-type": "application/json", "x-request-id": "r-1" },
      }),
      await recordCallback(db, {
        merchantId: null,
        kind: "b2c_result",
        body: "{\u0000",
        sourceIp: null,
        headers: {},
      }),
    ];
    const ids = stored.map((s) => s.id);
    const claimed = await claimInboxEntries(db, ids);
    const model = await db.callbackInbox.findMany({ where: { id: { in: ids } } });
    const byId = (rows: { id: string }[]) => [...rows].sort((a, b) => a.id.localeCompare(b.id));
    expect(byId(claimed)).toEqual(byId(model));
    expect(claimed.map((e) => e.attempts)).toEqual([1, 1]);
    const now = new Date("2026-12-03T10:00:00.000Z");
    await markInboxProcessed(db, ids, now);
    const marked = await db.callbackInbox.findMany({ where: { id: { in: ids } } });
    expect(marked.map((e) => [e.state, e.processedAt?.toISOString(), e.lastError])).toEqual([
      ["processed", now.toISOString(), null],
      ["processed", now.toISOString(), null],
    ]);
    expect(await claimInboxEntries(db, ids)).toEqual([]); // processed entries are not claimed again
  });
});
