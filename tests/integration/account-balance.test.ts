// Account Balance against the simulator: the request, its Result through the callback route's
// core (stored in the inbox, then processed), failures and timeouts, and the 15-minute schedule.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getLatestBalance } from "@/lib/payments/balances/get-latest-balance";
import { requestAccountBalance } from "@/lib/payments/balances/request-account-balance";
import { requestStaleBalances } from "@/lib/payments/balances/request-stale-balances";
import {
  processInboxEntry,
  UNKNOWN_CALLBACK_PATIENCE_MS,
} from "@/lib/payments/callbacks/process-inbox-entry";
import { recordCallback } from "@/lib/payments/callbacks/record-callback";
import { startCollectionsWorld, waitUntil } from "../support/collections";
import { testDb } from "./db";

describe("M-Pesa balances", () => {
  const db = testDb();
  let world: Awaited<ReturnType<typeof startCollectionsWorld>>;
  const answered = (id: string) =>
    waitUntil(
      () => db.accountBalance.findUniqueOrThrow({ where: { id } }),
      (row) => row.answeredAt !== null,
    );

  beforeAll(async () => {
    world = await startCollectionsWorld(db);
    // Long enough for Daraja's acknowledgement to be recorded before the Result arrives.
    await world.control("POST", "/sim/config", { autoAnswerMs: 150 });
  });
  afterAll(() => world.close());
  afterEach(async () => {
    await world.control("DELETE", "/sim/faults");
    await world.control("DELETE", "/sim/outcomes");
  });

  it("requests the balance, and the Result through the callback route fills the row", async () => {
    await world.control("PUT", "/sim/orgs/600000", { utility: 12_345.5, working: 100 });
    const sent = await requestAccountBalance(db, world.deps, { merchantId: world.merchant.id });
    expect(sent).toMatchObject({
      environment: "simulator",
      shortcode: "600000",
      answeredAt: null,
      utilityAvailableCents: null,
    });
    expect(sent.originatorConversationId).toBeTruthy();
    expect(sent.conversationId).toMatch(/^AG_/);
    const call = await db.darajaCall.findFirstOrThrow({
      where: { merchantId: world.merchant.id, path: "/mpesa/accountbalance/v1/query" },
    });
    expect(JSON.stringify(call.requestBody)).toContain("/api/mpesa/balance-result/");

    const row = await answered(sent.id);
    expect(row).toMatchObject({
      resultCode: "0",
      utilityAvailableCents: 1_234_550n,
      workingAvailableCents: 10_000n,
    });
    expect(row.accounts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "Utility Account", availableCents: 1_234_550 }),
      ]),
    );
    const inbox = await db.callbackInbox.findFirstOrThrow({
      where: { merchantId: world.merchant.id, kind: "balance_result" },
      orderBy: { receivedAt: "desc" },
    });
    expect(inbox.state).toBe("processed");

    expect(await getLatestBalance(db, { merchantId: world.merchant.id })).toMatchObject({
      environment: "simulator",
      balance: { utilityAvailableCents: 1_234_550, workingAvailableCents: 10_000, asOf: row.answeredAt },
      lastRequest: { ok: true },
    });
  });

  it("settles a duplicated Result once", async () => {
    await world.control("POST", "/sim/faults", { duplicates: 2, times: 1 });
    const sent = await requestAccountBalance(db, world.deps, { merchantId: world.merchant.id });
    const row = await answered(sent.id);
    await waitUntil(
      () =>
        db.callbackInbox.count({
          where: { merchantId: world.merchant.id, kind: "balance_result", state: "processed" },
        }),
      (n) => n >= 4,
    );
    expect(await db.accountBalance.findUniqueOrThrow({ where: { id: sent.id } })).toEqual(row);
  });

  it("records a failed Result with M-Pesa's code and words, keeping the last good figures", async () => {
    await world.control("POST", "/sim/outcomes", { api: "balance", resultCode: 2001, times: 1 });
    const sent = await requestAccountBalance(db, world.deps, { merchantId: world.merchant.id });
    const row = await answered(sent.id);
    expect(row).toMatchObject({
      resultCode: "2001",
      resultDesc: "The initiator information is invalid.",
      utilityAvailableCents: null,
    });
    expect(await getLatestBalance(db, { merchantId: world.merchant.id })).toMatchObject({
      balance: { utilityAvailableCents: 1_234_550 },
      lastRequest: { ok: false, resultDesc: "The initiator information is invalid." },
    });
  });

  it("notes a queue timeout but leaves the request open for a late Result", async () => {
    await world.control("POST", "/sim/faults", { queueTimeout: "not_processed", times: 1 });
    const sent = await requestAccountBalance(db, world.deps, { merchantId: world.merchant.id });
    const row = await waitUntil(
      () => db.accountBalance.findUniqueOrThrow({ where: { id: sent.id } }),
      (r) => r.resultCode !== null,
    );
    expect(row).toMatchObject({
      resultCode: "1",
      resultDesc: "The service request timed out.",
      answeredAt: null,
    });
  });

  it("records a request Daraja refuses outright, answered with its error", async () => {
    await world.control("POST", "/sim/faults", { throttle: 10 });
    const refused = await requestAccountBalance(db, { ...world.deps }, { merchantId: world.merchant.id });
    expect(refused).toMatchObject({ resultCode: "500.003.02", utilityAvailableCents: null });
    expect(refused.answeredAt).not.toBeNull();
  });

  it("retries a Result that beats its request's row, then keeps it for the record", async () => {
    const entry = await recordCallback(db, {
      merchantId: world.merchant.id,
      kind: "balance_result",
      body: JSON.stringify({
        Result: {
          ResultType: 0,
          ResultCode: 0,
          ResultDesc: "ok",
          OriginatorConversationID: "not-yet-recorded",
          ConversationID: "AG_20260101_unknown",
          TransactionID: "OA90000000",
        },
      }),
      sourceIp: null,
      headers: {},
    });
    expect(await processInboxEntry(db, { keyring: world.keyring, inboxId: entry.id })).toBe("retry");
    const later = () => new Date(Date.now() + UNKNOWN_CALLBACK_PATIENCE_MS + 1000);
    expect(await processInboxEntry(db, { keyring: world.keyring, inboxId: entry.id, now: later })).toBe(
      "processed",
    );
    expect(await db.reviewItem.count({ where: { inboxId: entry.id } })).toBe(0);
  });

  it("asks on schedule only when the last request is over 15 minutes old", async () => {
    const rows = () =>
      db.accountBalance.count({ where: { merchantId: world.merchant.id, environment: "simulator" } });
    const before = await rows();
    const now = new Date();
    await requestStaleBalances(db, world.deps, { now });
    expect(await rows()).toBe(before); // asked moments ago by the tests above

    const later = new Date(now.getTime() + 16 * 60_000);
    await requestStaleBalances(db, world.deps, { now: later });
    expect(await rows()).toBe(before + 1);
    await requestStaleBalances(db, world.deps, { now: new Date(later.getTime() + 60_000) });
    expect(await rows()).toBe(before + 1);

    // A merchant without initiator credentials is never asked.
    await db.mpesaCredential.updateMany({
      where: { merchantId: world.merchant.id },
      data: { initiatorName: null },
    });
    await requestStaleBalances(db, world.deps, { now: new Date(later.getTime() + 60 * 60_000) });
    expect(await rows()).toBe(before + 1);
    await expect(
      requestAccountBalance(db, world.deps, { merchantId: world.merchant.id }),
    ).rejects.toMatchObject({
      code: "bad_request",
    });
  });
});
