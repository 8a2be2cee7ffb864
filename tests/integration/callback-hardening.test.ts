// Daraja callback endpoints under hostile or broken input, through the real route handler (only
// Next's request context is faked, tests/support/next-request.ts): bodies over the size cap,
// refused callbacks kept on record, NUL bytes, spool lines that never go in, secrets in URLs and
// phone numbers inside Daraja ids.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { registerC2bUrls } from "@/lib/merchants/register-c2b-urls";
import {
  countSetAsideCallbacks,
  drainCallbackSpool,
  SPOOL_MAX_DRAIN_ATTEMPTS,
  spoolCallback,
} from "@/lib/payments/callbacks/callback-spool";
import {
  pruneRefusedCallbacks,
  REFUSED_CALLBACK_RETENTION_DAYS,
  REFUSED_CALLBACKS_PER_MERCHANT,
} from "@/lib/payments/callbacks/prune-refused-callbacks";
import { CALLBACK_BODY_LIMIT_BYTES } from "@/lib/payments/callbacks/read-callback-body";
import {
  forgetRefusedCallbackLimits,
  REFUSED_RECORDS_PER_IP_PER_MINUTE,
} from "@/lib/payments/callbacks/record-refused-callback";
import { initiateStkPayment } from "@/lib/payments/collections/initiate-stk-payment";
import { CLIENT_IP_HEADER, trustClientIpHeader } from "@/lib/security/client-ip";
import type { Prisma } from "@/prisma/generated/prisma/client";
import { createInboxEntry, createMember, createMerchant, createPayment } from "../factories";
import { startCollectionsWorld, waitUntil } from "../support/collections";
import { renderPage, runAfterTasks, signIn, stubAppEnv } from "../support/next-request";
import { testDatabaseUrl, testDb } from "./db";

vi.mock("@/lib/auth", () => import("../support/next-request").then((m) => m.fakeAuth));
vi.mock("next/headers", () => import("../support/next-request").then((m) => m.fakeHeaders));
vi.mock("next/cache", () => import("../support/next-request").then((m) => m.fakeCache));
vi.mock("next/server", (original) => import("../support/next-request").then((m) => m.fakeServer(original)));

stubAppEnv(testDatabaseUrl());
const spoolDir = join(tmpdir(), `malipo-spool-${randomBytes(4).toString("hex")}`);
vi.stubEnv("MALIPO_SPOOL_DIR", spoolDir);
vi.stubEnv("MPESA_CALLBACK_ALLOWLIST", "196.201.214.200");
trustClientIpHeader(); // as the front server does: the address below is the socket's

const SAFARICOM = "196.201.214.200";
const MiB = 2 ** 20;

const stkBody = (checkoutRequestId: string, resultCode = 0, resultDesc = "Processed", phone?: string) =>
  JSON.stringify({
    Body: {
      stkCallback: {
        MerchantRequestID: "29115-34620561-1",
        CheckoutRequestID: checkoutRequestId,
        ResultCode: resultCode,
        ResultDesc: resultDesc,
        ...(phone
          ? {
              CallbackMetadata: {
                Item: [
                  { Name: "Amount", Value: 100 },
                  { Name: "MpesaReceiptNumber", Value: "TST0000001" },
                  { Name: "PhoneNumber", Value: Number(phone) },
                ],
              },
            }
          : {}),
      },
    },
  });

/** A body that counts what is pulled from it: 16 KiB chunks up to `total` bytes. */
function countedStream(total: number) {
  const counter = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        counter.pulled += 16_384;
        controller.enqueue(new Uint8Array(16_384).fill(0x20));
        if (counter.pulled >= total) controller.close();
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, counter };
}

/** POSTs to the real callback route as Next would call it. */
async function callback(options: {
  kind?: string;
  merchantId: string;
  secret: string;
  body: string | ReadableStream<Uint8Array>;
  ip?: string;
  headers?: Record<string, string>;
}) {
  const { POST } = await import("@/app/api/mpesa/[kind]/[merchantId]/[secret]/route");
  const params = { kind: options.kind ?? "stk", merchantId: options.merchantId, secret: options.secret };
  const request = new Request(
    `http://localhost/api/mpesa/${params.kind}/${params.merchantId}/${params.secret}`,
    {
      method: "POST",
      headers: {
        "content-type": "application/json",
        [CLIENT_IP_HEADER]: options.ip ?? SAFARICOM,
        ...options.headers,
      },
      body: options.body,
      duplex: "half",
    } as RequestInit,
  );
  return POST(request, { params: Promise.resolve(params) });
}

describe("Daraja callbacks under hostile or broken input", () => {
  const db = testDb();

  beforeEach(() => forgetRefusedCallbackLimits());
  afterAll(async () => {
    await (await import("@/lib/db")).getDb().$disconnect();
  });

  it(`refuses a body over ${CALLBACK_BODY_LIMIT_BYTES / 1024} KiB by its Content-Length before reading a byte: 413, recorded`, async () => {
    const merchant = await createMerchant(db);
    const { stream, counter } = countedStream(2 * MiB);
    const res = await callback({
      merchantId: merchant.id,
      secret: merchant.callbackSecret,
      body: stream,
      headers: { "content-length": String(2 * MiB) },
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ ResultCode: 1, ResultDesc: "Request body too large" });
    expect(counter.pulled).toBe(0);
    const row = await waitUntil(
      () => db.refusedCallback.findFirst({ where: { merchantId: merchant.id } }),
      (r) => r !== null,
    );
    expect(row).toMatchObject({ reason: "too_large", size: 2 * MiB, path: "stk", sourceIp: SAFARICOM });
    expect(await db.callbackInbox.count({ where: { merchantId: merchant.id } })).toBe(0);
  });

  it("stops reading a chunked body as soon as it passes the cap", async () => {
    const merchant = await createMerchant(db);
    const { stream, counter } = countedStream(4 * MiB);
    const res = await callback({ merchantId: merchant.id, secret: merchant.callbackSecret, body: stream });
    expect(res.status).toBe(413);
    expect(counter.pulled).toBeLessThanOrEqual(CALLBACK_BODY_LIMIT_BYTES + 2 * 16_384);
    const row = await waitUntil(
      () => db.refusedCallback.findFirst({ where: { merchantId: merchant.id } }),
      (r) => r !== null,
    );
    expect(row?.reason).toBe("too_large");
    expect(row?.size).toBeGreaterThan(CALLBACK_BODY_LIMIT_BYTES);
    expect(await db.callbackInbox.count({ where: { merchantId: merchant.id } })).toBe(0);
  });

  it("records wrong secrets, unknown merchants and addresses not allowed, never the secret or body", async () => {
    const merchant = await createMerchant(db);
    const sandbox = await createMerchant(db, { environment: "sandbox" });
    const body = stkBody("ws_CO_refused");
    const answers = [
      await callback({ merchantId: merchant.id, secret: "not-the-secret", body, ip: "198.51.100.7" }),
      await callback({
        merchantId: "00000000-0000-7000-8000-000000000000",
        secret: merchant.callbackSecret,
        body,
        ip: "198.51.100.8",
      }),
      await callback({ merchantId: sandbox.id, secret: sandbox.callbackSecret, body, ip: "203.0.113.9" }),
    ];
    expect(answers.map((r) => r.status)).toEqual([403, 403, 403]);
    const rows = await waitUntil(
      () =>
        db.refusedCallback.findMany({
          where: { sourceIp: { in: ["198.51.100.7", "198.51.100.8", "203.0.113.9"] } },
          orderBy: { sourceIp: "asc" },
        }),
      (r) => r.length === 3,
    );
    expect(rows).toMatchObject([
      { sourceIp: "198.51.100.7", merchantId: merchant.id, reason: "wrong_secret", path: "stk" },
      { sourceIp: "198.51.100.8", merchantId: null, reason: "unknown_merchant" },
      { sourceIp: "203.0.113.9", merchantId: sandbox.id, reason: "address_not_allowed" },
    ]);
    expect(rows.every((r) => r.size === Buffer.byteLength(body))).toBe(true);
    expect(JSON.stringify(rows)).not.toMatch(/not-the-secret|ws_CO_refused/);
    expect(JSON.stringify(rows)).not.toContain(sandbox.callbackSecret);

    const { default: CallbacksPage } = await import("@/app/(dashboard)/callbacks/page");
    const owner = (await createMember(db, { merchantId: merchant.id, role: "owner" })).user;
    signIn(owner, merchant.slug);
    const seenByOwner = await renderPage(CallbacksPage, {});
    expect(seenByOwner).toContain("Refused callbacks");
    expect(seenByOwner).toContain("198.51.100.7");
    expect(seenByOwner).toContain("Wrong secret in the URL");
    expect(seenByOwner).not.toContain("198.51.100.8"); // not this merchant's: no merchant named
    const developer = (await createMember(db, { merchantId: merchant.id, role: "developer" })).user;
    signIn(developer, merchant.slug);
    expect(await renderPage(CallbacksPage, {})).not.toContain("198.51.100.7");
  });

  it(`records at most ${REFUSED_RECORDS_PER_IP_PER_MINUTE} refusals a minute from one address`, async () => {
    const merchant = await createMerchant(db);
    const ip = "198.51.100.99";
    for (let i = 0; i < REFUSED_RECORDS_PER_IP_PER_MINUTE + 15; i += 1) {
      const res = await callback({ merchantId: merchant.id, secret: `guess-${i}`, body: "{}", ip });
      expect(res.status).toBe(403);
    }
    await waitUntil(
      () => db.refusedCallback.count({ where: { sourceIp: ip } }),
      (n) => n >= REFUSED_RECORDS_PER_IP_PER_MINUTE,
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(await db.refusedCallback.count({ where: { sourceIp: ip } })).toBe(
      REFUSED_RECORDS_PER_IP_PER_MINUTE,
    );
  });

  it(`keeps refusals bounded: ${REFUSED_CALLBACK_RETENTION_DAYS} days, ${REFUSED_CALLBACKS_PER_MERCHANT} per merchant`, async () => {
    const merchant = await createMerchant(db);
    const now = new Date();
    const row = (i: number, daysAgo: number) => ({
      merchantId: merchant.id,
      path: "stk",
      sourceIp: "192.0.2.1",
      size: 10,
      reason: "wrong_secret",
      receivedAt: new Date(now.getTime() - daysAgo * 86_400_000 - i),
    });
    await db.refusedCallback.createMany({
      data: [
        ...Array.from({ length: REFUSED_CALLBACKS_PER_MERCHANT + 5 }, (_, i) => row(i, 0)),
        row(0, REFUSED_CALLBACK_RETENTION_DAYS + 1),
      ],
    });
    expect(await pruneRefusedCallbacks(db, { now })).toBeGreaterThanOrEqual(6);
    const kept = await db.refusedCallback.findMany({
      where: { merchantId: merchant.id },
      select: { receivedAt: true },
    });
    expect(kept).toHaveLength(REFUSED_CALLBACKS_PER_MERCHANT);
    expect(Math.min(...kept.map((r) => r.receivedAt.getTime()))).toBe(
      now.getTime() - (REFUSED_CALLBACKS_PER_MERCHANT - 1),
    );
  });

  it("stores a body with NUL bytes escaped and sends it to review, never to the spool", async () => {
    const merchant = await createMerchant(db);
    const checkoutRequestId = "ws_CO_nul_raw";
    const payment = await createPayment(db, { merchantId: merchant.id, checkoutRequestId });
    const body = stkBody(checkoutRequestId, 0, "Processed").replace("Processed", "Processed\u0000\u0000");
    expect(body).toContain("\u0000"); // raw NUL bytes, as a hostile sender can send them
    const res = await callback({ merchantId: merchant.id, secret: merchant.callbackSecret, body });
    expect(await res.json()).toEqual({ ResultCode: 0, ResultDesc: "Accepted" });
    const entry = await db.callbackInbox.findFirstOrThrow({ where: { merchantId: merchant.id } });
    expect(entry).toMatchObject({ bodyEscaped: true, body: body.replaceAll("\u0000", "\\u0000") });
    expect(existsSync(join(spoolDir, "callbacks.jsonl"))).toBe(false);
    await runAfterTasks();
    expect(await db.callbackInbox.findUniqueOrThrow({ where: { id: entry.id } })).toMatchObject({
      state: "dead",
    });
    expect(await db.reviewItem.findFirst({ where: { inboxId: entry.id } })).toMatchObject({
      kind: "malformed_callback",
    });
    expect(await db.payment.findUniqueOrThrow({ where: { id: payment.id } })).toMatchObject({
      status: "pending",
    });
  });

  it("sends a JSON-escaped NUL (\\u0000 in the text) to review instead of failing settlement", async () => {
    const merchant = await createMerchant(db);
    const checkoutRequestId = "ws_CO_nul_escaped";
    const payment = await createPayment(db, { merchantId: merchant.id, checkoutRequestId });
    const body = stkBody(checkoutRequestId, 1032, "Cancelled\u0000"); // JSON.stringify writes \u0000
    expect(body).not.toContain("\u0000");
    await callback({ merchantId: merchant.id, secret: merchant.callbackSecret, body });
    const entry = await db.callbackInbox.findFirstOrThrow({ where: { merchantId: merchant.id } });
    expect(entry).toMatchObject({ bodyEscaped: false, body });
    await runAfterTasks();
    expect(await db.callbackInbox.findUniqueOrThrow({ where: { id: entry.id } })).toMatchObject({
      state: "dead",
    });
    expect(await db.reviewItem.findFirst({ where: { inboxId: entry.id } })).toMatchObject({
      kind: "malformed_callback",
    });
    expect(await db.payment.findUniqueOrThrow({ where: { id: payment.id } })).toMatchObject({
      status: "pending",
    });
  });

  it(`sets a spool line aside after ${SPOOL_MAX_DRAIN_ATTEMPTS} failed drains, logs it and shows the count`, async () => {
    const { user: owner, merchantId } = await createMember(db, { role: "owner" });
    const merchant = await db.merchant.findUniqueOrThrow({ where: { id: merchantId } });
    spoolCallback(spoolDir, {
      merchantId,
      kind: "stk",
      body: stkBody("ws_CO_set_aside"),
      sourceIp: SAFARICOM,
      headers: {},
      receivedAt: new Date().toISOString(),
    });
    const failing = (what: "line" | "database") =>
      new Proxy(db, {
        get(target, prop) {
          const down = what === "database" || prop === "callbackInbox";
          if (down && (prop === "callbackInbox" || prop === "merchant"))
            return new Proxy({}, { get: () => () => Promise.reject(new Error("cannot store this")) });
          if (down && prop === "$queryRaw") return () => Promise.reject(new Error("database unavailable"));
          const value = Reflect.get(target, prop);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    const errors: { fields: object; message: string }[] = [];
    const log = {
      warn: () => {},
      error: (fields: object, message: string) => errors.push({ fields, message }),
    };

    // An outage is nobody's fault: drains while the database is down count nothing.
    for (let i = 0; i < SPOOL_MAX_DRAIN_ATTEMPTS + 1; i += 1)
      expect(await drainCallbackSpool(failing("database"), spoolDir, { log })).toEqual({
        moved: 0,
        setAside: 0,
      });
    for (let i = 1; i < SPOOL_MAX_DRAIN_ATTEMPTS; i += 1)
      expect(await drainCallbackSpool(failing("line"), spoolDir, { log })).toEqual({ moved: 0, setAside: 0 });
    expect(errors).toEqual([]);
    expect(await drainCallbackSpool(failing("line"), spoolDir, { log })).toEqual({ moved: 0, setAside: 1 });
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors)).not.toContain("ws_CO_set_aside");
    expect(countSetAsideCallbacks(spoolDir)).toBe(1);
    expect(countSetAsideCallbacks(spoolDir, { merchantId })).toBe(1);

    // Set aside means never retried: a working database takes nothing from the spool.
    expect(await drainCallbackSpool(db, spoolDir, { log })).toEqual({ moved: 0, setAside: 0 });
    expect(await db.callbackInbox.count({ where: { merchantId } })).toBe(0);

    const { GET } = await import("@/app/api/health/route");
    const health = await (await GET()).json();
    expect(health).toMatchObject({ status: "ok", spool: { setAside: 1 } });
    expect(JSON.stringify(health)).not.toContain("ws_CO_set_aside");

    signIn(owner, merchant.slug);
    const { default: CallbacksPage } = await import("@/app/(dashboard)/callbacks/page");
    const page = await renderPage(CallbacksPage, {});
    expect(page).toContain("set-aside");
    expect(page).toMatch(/1 callback[^s]/);
    expect(page).not.toContain("ws_CO_set_aside");
  });

  it("keeps the callback secret and payer's number out of recorded Daraja calls and the simulator's log", async () => {
    const simulatorLog: string[] = [];
    const world = await startCollectionsWorld(db, { simulatorLog: (msg) => simulatorLog.push(msg) });
    try {
      await initiateStkPayment(db, world.deps, {
        merchantId: world.merchant.id,
        amount: 10,
        phone: "0700000000", // the simulator's magic number for "paid" (lib/simulator/codes.ts)
        reference: "SECRET-1",
      });
      await registerC2bUrls(db, world.deps, { merchantId: world.merchant.id });
      const calls = await db.darajaCall.findMany({ where: { merchantId: world.merchant.id } });
      const stored = JSON.stringify(calls);
      expect(calls.length).toBeGreaterThanOrEqual(2);
      expect(stored).not.toContain(world.merchant.callbackSecret);
      expect(stored).toContain(`/api/mpesa/stk/${world.merchant.id}/[redacted]`);
      expect(stored).toContain(`/api/hooks/c2b-confirmation/${world.merchant.id}/[redacted]`);
      const logged = await waitUntil(
        async () => simulatorLog.join("\n"),
        (text) => text.includes("callback stk"),
      );
      expect(logged).not.toContain(world.merchant.callbackSecret);
      expect(logged).toContain("prompt ws_CO_");
      expect(logged).not.toContain("700000000");
    } finally {
      await world.close();
    }
  });

  it("shows a CheckoutRequestID and raw bodies masked to every role (full numbers only through the audited reveal)", async () => {
    const { user: owner, merchantId } = await createMember(db, { role: "owner" });
    const merchant = await db.merchant.findUniqueOrThrow({ where: { id: merchantId } });
    const member = async (role: "viewer" | "approver" | "developer") =>
      (await createMember(db, { merchantId, role })).user;
    const [viewer, approver, developer] = [
      await member("viewer"),
      await member("approver"),
      await member("developer"),
    ];
    const id = "ws_CO_27112023190627471708374149"; // ends in the payer's 708374149
    const masked = "ws_CO_271120231906274717•••••149";
    const payment = await createPayment(db, {
      merchantId,
      checkoutRequestId: id,
      phoneMasked: "2547•••••149",
      status: "paid",
      settledAt: new Date(),
    });
    await createInboxEntry(db, {
      merchantId,
      state: "processed",
      externalId: id,
      body: stkBody(id, 0, "Processed", "254708374149"),
      lastError: null,
    });
    const { default: PaymentPage } = await import("@/app/(dashboard)/payments/[id]/page");
    const { default: CallbacksPage } = await import("@/app/(dashboard)/callbacks/page");
    const paymentPage = () => renderPage(PaymentPage, { params: Promise.resolve({ id: payment.id }) });
    const callbacksPage = () => renderPage(CallbacksPage, {});

    signIn(viewer, merchant.slug);
    const seenByViewer = await paymentPage();
    expect(seenByViewer).toContain(masked);
    expect(seenByViewer).not.toContain("708374149");
    signIn(developer, merchant.slug);
    const seenByDeveloper = await callbacksPage();
    expect(seenByDeveloper).toContain(masked);
    expect(seenByDeveloper).not.toContain("708374149");

    signIn(approver, merchant.slug);
    const seenByApprover = await paymentPage();
    expect(seenByApprover).toContain(masked);
    expect(seenByApprover).not.toContain("708374149");
    signIn(owner, merchant.slug);
    const seenByOwner = await callbacksPage();
    expect(seenByOwner).toContain(masked);
    expect(seenByOwner).not.toContain("708374149");
    expect(await db.callbackInbox.findFirst({ where: { merchantId, externalId: id } })).toMatchObject({
      body: stkBody(id, 0, "Processed", "254708374149"),
    });
  });

  it("tells a payment's refunds on its timeline and names reversal callbacks on the Callbacks page", async () => {
    const { user: owner, merchantId } = await createMember(db, { role: "owner" });
    const { user: approver } = await createMember(db, { merchantId, role: "approver" });
    const merchant = await db.merchant.findUniqueOrThrow({ where: { id: merchantId } });
    const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 7, minute));
    const payment = await createPayment(db, {
      merchantId,
      amount: 400,
      paidAmount: 400,
      status: "reversed",
      receipt: "TLR0000001",
      createdAt: at(0),
      settledAt: at(1),
    });
    const reversal = (extra: Partial<Prisma.ReversalUncheckedCreateInput>) =>
      db.reversal.create({
        data: {
          merchantId,
          paymentId: payment.id,
          originalReceipt: "TLR0000001",
          amount: 400,
          reason: "Customer returned the goods",
          environment: "simulator",
          requestedById: owner.id,
          requesterLabel: "Owner O",
          ...extra,
        },
      });
    const refused = await reversal({ status: "rejected", note: "Goods not back yet", createdAt: at(2) });
    const done = await reversal({
      status: "reversed",
      originatorConversationId: `OC-${randomBytes(6).toString("hex")}`,
      conversationId: `AG_${randomBytes(6).toString("hex")}`,
      receipt: "TLV0000001",
      resultCode: "0",
      resultDesc: "Reversed: the money went back to the payer.",
      createdAt: at(4),
      approvedAt: at(5),
      submittedAt: at(5),
      completedAt: at(7),
      settledAt: at(7),
    });
    for (const [r, minute, decision, note] of [
      [refused, 3, "rejected", "Goods not back yet"],
      [done, 5, "approved", null],
    ] as const) {
      await db.reversalApproval.create({
        data: {
          merchantId,
          reversalId: r.id,
          userId: approver.id,
          userLabel: "Approver A",
          decision,
          note,
          createdAt: at(minute),
        },
      });
    }
    const resultBody = (id: string | null) =>
      JSON.stringify({ Result: { ResultType: 0, ResultCode: 0, OriginatorConversationID: id } });
    await createInboxEntry(db, {
      merchantId,
      kind: "reversal_timeout",
      state: "processed",
      externalId: done.originatorConversationId,
      body: resultBody(done.originatorConversationId),
      lastError: null,
      receivedAt: at(6),
    });
    await createInboxEntry(db, {
      merchantId,
      kind: "reversal_result",
      state: "processed",
      externalId: done.originatorConversationId,
      body: resultBody(done.originatorConversationId),
      lastError: null,
      receivedAt: at(7),
    });
    // Another merchant's reversal callback never shows on this payment.
    await createInboxEntry(db, {
      merchantId: null,
      kind: "reversal_result",
      externalId: done.originatorConversationId,
      receivedAt: at(8),
    });

    const { getPaymentTimeline } = await import("@/lib/payments/collections/get-payment-timeline");
    const timeline = await getPaymentTimeline(db, { merchantId, paymentId: payment.id });
    expect(timeline?.events.map((e) => e.title)).toEqual([
      "Payment created",
      "Settled: paid",
      "Refund (reversal) of KES 400 requested by Owner O",
      "Refund rejected by Approver A",
      "Refund (reversal) of KES 400 requested by Owner O",
      "Refund approved by Approver A",
      "Refund sent to M-Pesa",
      "Reversal queue timeout received (processed)",
      "Reversal result received (processed)",
      "Refund (reversal) done: the money went back",
    ]);
    expect(timeline?.events.find((e) => e.title === "Refund rejected by Approver A")?.detail).toBe(
      "Goods not back yet",
    );
    expect(timeline?.events.at(-1)?.detail).toBe(
      "Reversed: the money went back to the payer. · Reversal receipt TLV0000001 · Result code 0",
    );

    signIn(owner, merchant.slug);
    const { default: PaymentPage } = await import("@/app/(dashboard)/payments/[id]/page");
    expect(await renderPage(PaymentPage, { params: Promise.resolve({ id: payment.id }) })).toContain(
      "Refund (reversal) done: the money went back",
    );
    const { default: CallbacksPage } = await import("@/app/(dashboard)/callbacks/page");
    const callbacks = await renderPage(CallbacksPage, {});
    expect(callbacks).toContain("Reversal result");
    expect(callbacks).toContain("Reversal queue timeout");
  });
});
