// Contract tests: the client against the simulator for every API, success and failure, and the
// simulator's answers against the documented examples in tests/fixtures/daraja-reference.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDarajaClient } from "@/lib/payments/daraja/client";
import { DarajaError } from "@/lib/payments/daraja/errors";
import {
  parseAccountBalances,
  parseC2bNotification,
  parseResult,
  parseStkCallback,
} from "@/lib/payments/daraja/inbound";
import type { DarajaCallRecord } from "@/lib/payments/daraja/transport";
import { startDarajaWorld } from "../../support/daraja";

const reference = (name: string): unknown =>
  JSON.parse(
    readFileSync(join(import.meta.dirname, "../../fixtures/daraja-reference", `${name}.json`), "utf8"),
  );

/** Every key path of a JSON value; `[Key=…]`/`[Name=…]` entries name the items of Daraja's lists. */
function shape(value: unknown, prefix = "", out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) {
      const label =
        item && typeof item === "object"
          ? ((item as Record<string, unknown>).Key ?? (item as Record<string, unknown>).Name)
          : undefined;
      shape(item, `${prefix}[${typeof label === "string" ? label : ""}]`, out);
    }
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      out.add(`${prefix}.${k}`);
      shape(v, `${prefix}.${k}`, out);
    }
  }
  return out;
}
const sameShape = (actual: unknown, expected: unknown) =>
  expect([...shape(actual)].sort()).toEqual([...shape(expected)].sort());

describe("Daraja client ↔ simulator contract", () => {
  const calls: DarajaCallRecord[] = [];
  let world: Awaited<ReturnType<typeof startDarajaWorld>>;
  const cb = (path: string) => world.receiver.url(path);
  const lastResponse = () => calls[calls.length - 1]?.responseBody;

  beforeAll(async () => {
    world = await startDarajaWorld({}, { record: (c) => void calls.push(c) });
  });
  afterAll(() => world.close());
  afterEach(async () => {
    await world.control("DELETE", "/sim/faults");
    await world.control("DELETE", "/sim/outcomes");
  });

  describe("OAuth", () => {
    it("issues a token in the documented shape", async () => {
      await world.client.accessToken();
      sameShape(calls.find((c) => c.path.startsWith("/oauth"))?.responseBody, reference("oauth"));
    });

    it("refuses wrong consumer credentials with an auth error", async () => {
      const strict = await startDarajaWorld({ consumerKey: "right", consumerSecret: "right" });
      try {
        const wrong = createDarajaClient({ ...strict.client.config, consumerSecret: "wrong" });
        await expect(wrong.accessToken()).rejects.toMatchObject({ kind: "auth", errorCode: "400.008.01" });
        await expect(strict.client.accessToken()).resolves.toBeTruthy();
      } finally {
        await strict.close();
      }
    });
  });

  describe("STK Push and STK Query", () => {
    it("accepts a prompt, reports pending, then the paid result; the callback matches the reference", async () => {
      const push = await world.client.stkPush({
        amount: 150,
        phone: "0700000000",
        accountReference: "INV-1001",
        callbackUrl: cb("/stk/ok"),
      });
      sameShape(lastResponse(), reference("stk-push-response"));
      expect(push.checkoutRequestId).toMatch(/^ws_CO_\d+/);
      const [delivery] = await world.receiver.waitFor(1, "/stk/ok");
      sameShape(delivery?.body, reference("stk-callback-success"));
      const parsed = parseStkCallback(delivery?.body);
      expect(parsed).toMatchObject({
        ok: true,
        value: { resultCode: "0", amount: 150, phone: "254700000000" },
      });
      const query = await world.client.stkQuery({ checkoutRequestId: push.checkoutRequestId });
      expect(query).toMatchObject({ status: "final", resultCode: "0" });
      sameShape(lastResponse(), reference("stk-query-final"));
    });

    it("answers 'being processed' while the customer has not answered, which the client reads as pending", async () => {
      const push = await world.client.stkPush({
        amount: 10,
        phone: "0712000001",
        accountReference: "A1",
        callbackUrl: cb("/stk/pending"),
      });
      expect(await world.client.stkQuery({ checkoutRequestId: push.checkoutRequestId })).toEqual({
        status: "pending",
      });
      sameShape(lastResponse(), reference("stk-query-pending"));
      const answer = await world.control("POST", `/sim/prompts/${push.checkoutRequestId}/cancel`);
      expect(answer).toMatchObject({ resultCode: "1032" });
      const [delivery] = await world.receiver.waitFor(1, "/stk/pending");
      sameShape(delivery?.body, reference("stk-callback-failure"));
    });

    it.each(["1", "17", "1019", "1025", "1032", "1037", "2001", "1001"])(
      "delivers result %s chosen by a magic phone number",
      async (code) => {
        const msisdn = `2547000${code.padStart(5, "0")}`;
        await world.client.stkPush({
          amount: 5,
          phone: msisdn,
          accountReference: "MAGIC",
          callbackUrl: cb(`/stk/magic/${code}`),
        });
        const [delivery] = await world.receiver.waitFor(1, `/stk/magic/${code}`);
        expect(parseStkCallback(delivery?.body)).toMatchObject({
          ok: true,
          value: { resultCode: code, receipt: null },
        });
      },
    );

    it("lets a control-API rule choose the outcome by amount, once", async () => {
      await world.control("POST", "/sim/outcomes", { api: "stk", amount: 777, resultCode: 1037, times: 1 });
      await world.client.stkPush({
        amount: 777,
        phone: "0712000002",
        accountReference: "RULE",
        callbackUrl: cb("/stk/rule"),
      });
      const [delivery] = await world.receiver.waitFor(1, "/stk/rule");
      expect(parseStkCallback(delivery?.body)).toMatchObject({ ok: true, value: { resultCode: "1037" } });
      expect(world.sim.state.rules).toHaveLength(0);
    });

    it("takes the PIN on the virtual phone: a wrong PIN is 2001, the right one pays and moves money", async () => {
      const push = await world.client.stkPush({
        amount: 20,
        phone: "0712000003",
        accountReference: "PIN",
        callbackUrl: cb("/stk/pin"),
      });
      const before = world.sim.state.orgs.get("174379")?.utilityCents ?? 0;
      expect(
        await world.control("POST", `/sim/prompts/${push.checkoutRequestId}/accept`, { pin: "0000" }),
      ).toMatchObject({ resultCode: "2001" });
      const second = await world.client.stkPush({
        amount: 20,
        phone: "0712000003",
        accountReference: "PIN",
        callbackUrl: cb("/stk/pin"),
      });
      const paid = await world.control("POST", `/sim/prompts/${second.checkoutRequestId}/accept`, {
        pin: "1234",
      });
      expect(paid).toMatchObject({ resultCode: "0", receipt: expect.stringMatching(/^[A-Z][A-Z0-9]{9}$/) });
      expect(world.sim.state.orgs.get("174379")?.utilityCents).toBe(before + 2000);
      expect(world.sim.state.phones.get("254712000003")?.balanceCents).toBe(50_000_00 - 2000);
    });

    it("fails with insufficient funds (1) when the phone cannot pay", async () => {
      await world.control("PUT", "/sim/phones/254712000004", { balance: 5 });
      const push = await world.client.stkPush({
        amount: 10,
        phone: "0712000004",
        accountReference: "POOR",
        callbackUrl: cb("/stk/poor"),
      });
      expect(
        await world.control("POST", `/sim/prompts/${push.checkoutRequestId}/accept`, { pin: "1234" }),
      ).toMatchObject({ resultCode: "1" });
    });

    it("refuses a second prompt while one is open on the same phone (subscriber lock)", async () => {
      await world.client.stkPush({
        amount: 10,
        phone: "0712000005",
        accountReference: "LOCK",
        callbackUrl: cb("/stk/lock"),
      });
      await expect(
        world.client.stkPush({
          amount: 11,
          phone: "0712000005",
          accountReference: "LOCK",
          callbackUrl: cb("/stk/lock"),
        }),
      ).rejects.toMatchObject({
        errorCode: "500.001.1001",
        message: expect.stringMatching(/Unable to lock subscriber/),
      });
    });

    it("rejects a wrong passkey as Daraja does, with the documented error envelope", async () => {
      const wrong = createDarajaClient({
        ...world.client.config,
        stk: { shortcode: "174379", passkey: "not-the-passkey" },
      });
      await expect(
        wrong.stkPush({ amount: 10, phone: "0712000006", accountReference: "X", callbackUrl: cb("/x") }),
      ).rejects.toMatchObject({
        kind: "rejected",
        errorCode: "500.001.1001",
        message: "Wrong credentials",
        httpStatus: 500,
      });
    });

    it("validates before sending, with messages a merchant understands", async () => {
      const apiCalls = world.sim.state.stats.apiCalls;
      const base = { amount: 10, phone: "0712345678", accountReference: "OK", callbackUrl: cb("/v") };
      await expect(world.client.stkPush({ ...base, phone: "0202345678" })).rejects.toMatchObject({
        kind: "validation",
        field: "phone",
      });
      await expect(world.client.stkPush({ ...base, amount: 0 })).rejects.toMatchObject({ field: "amount" });
      await expect(world.client.stkPush({ ...base, amount: 300_000 })).rejects.toMatchObject({
        field: "amount",
      });
      await expect(
        world.client.stkPush({ ...base, accountReference: "THIRTEEN-CHRS" }),
      ).rejects.toMatchObject({
        field: "accountReference",
        message: expect.stringMatching(/1-12 characters/),
      });
      expect(world.sim.state.stats.apiCalls).toBe(apiCalls);
    });

    it("cuts TransactionDesc to 13 characters and sends the reference as given", async () => {
      await world.client.stkPush({
        amount: 10,
        phone: "0712000007",
        accountReference: "INV-7",
        description: "A much longer description",
        callbackUrl: cb("/d"),
      });
      const request = calls.filter((c) => c.path.includes("stkpush/")).pop()?.requestBody as Record<
        string,
        unknown
      >;
      expect(request).toMatchObject({
        TransactionDesc: "A much longer",
        AccountReference: "INV-7",
        Password: "[redacted]",
      });
      expect(JSON.stringify(request)).not.toContain("254712000007");
    });

    it("answers the simulator's own validation with Daraja's 400 envelope", async () => {
      const token = await world.client.accessToken();
      const res = await fetch(`${world.sim.url}/mpesa/stkpush/v1/processrequest`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ BusinessShortCode: "174379", Timestamp: "2024", Amount: 1 }),
      });
      expect(res.status).toBe(400);
      const body = await res.json();
      sameShape(body, reference("error-envelope"));
      expect(body).toMatchObject({
        errorCode: "400.002.02",
        errorMessage: "Bad Request - Invalid Timestamp",
      });
    });
  });

  describe("C2B", () => {
    it("registers URLs (v1 and v2), then a customer payment is validated and confirmed", async () => {
      await world.client.registerC2bUrls({
        responseType: "Completed",
        confirmationUrl: cb("/c2b/confirm"),
        validationUrl: cb("/c2b/validate"),
      });
      sameShape(lastResponse(), reference("c2b-register-response"));
      const v2 = createDarajaClient({ ...world.client.config, c2bVersion: "v2", shortcode: "600001" });
      await v2.registerC2bUrls({
        responseType: "Cancelled",
        confirmationUrl: cb("/c2b2/confirm"),
        validationUrl: cb("/c2b2/validate"),
      });

      const paid = await world.control("POST", "/sim/c2b/pay", {
        shortcode: "600000",
        phone: "254712000010",
        amount: 250,
        account: "ACC-9",
      });
      expect(paid).toMatchObject({ outcome: "completed" });
      const [validation] = await world.receiver.waitFor(1, "/c2b/validate");
      const [confirmation] = await world.receiver.waitFor(1, "/c2b/confirm");
      sameShape(confirmation?.body, reference("c2b-confirmation"));
      const parsed = parseC2bNotification(confirmation?.body);
      expect(parsed).toMatchObject({
        ok: true,
        value: { amount: 250, billRefNumber: "ACC-9", payer: { kind: "hashed" } },
      });
      expect(parseC2bNotification(validation?.body)).toMatchObject({
        ok: true,
        value: { orgAccountBalance: "" },
      });

      await world.client.simulateC2b({ amount: 40, phone: "0712000011", shortcode: "600001", till: true });
      const [v2confirm] = await world.receiver.waitFor(1, "/c2b2/confirm");
      expect(parseC2bNotification(v2confirm?.body)).toMatchObject({
        ok: true,
        value: { payer: { kind: "masked" }, billRefNumber: "" },
      });
    });

    it("does not take the money when the merchant's validation rejects it", async () => {
      const rejecting = await startDarajaWorld();
      try {
        const receiver = rejecting.receiver;
        await rejecting.client.registerC2bUrls({
          responseType: "Completed",
          confirmationUrl: receiver.url("/no/confirm"),
          validationUrl: receiver.url("/no/validate"),
        });
        // The default receiver accepts with ResultCode 0; a merchant that rejects answers C2B00012.
        const world2 = await import("../../support/daraja");
        const strict = await world2.startReceiver(() => ({ ResultCode: "C2B00012", ResultDesc: "Rejected" }));
        await rejecting.client.registerC2bUrls({
          responseType: "Completed",
          confirmationUrl: strict.url("/c"),
          validationUrl: strict.url("/v"),
        });
        const result = await rejecting.control("POST", "/sim/c2b/pay", {
          shortcode: "600000",
          phone: "254712000012",
          amount: 10,
          account: "BAD",
        });
        expect(result).toMatchObject({ transId: null, outcome: expect.stringMatching(/rejected/) });
        expect(strict.received.filter((r) => r.path === "/c")).toHaveLength(0);
        await strict.close();
      } finally {
        await rejecting.close();
      }
    });

    it("refuses callback URLs containing words M-Pesa rejects", async () => {
      await expect(
        world.client.registerC2bUrls({
          responseType: "Completed",
          confirmationUrl: "https://shop.example/mpesa/confirm",
          validationUrl: cb("/v"),
        }),
      ).rejects.toMatchObject({ kind: "validation", field: "confirmationUrl" });
    });
  });

  describe("B2C", () => {
    it("pays a phone from the utility account; the result matches the reference", async () => {
      const before = world.sim.state.orgs.get("600000")?.utilityCents ?? 1_000_000_00;
      const res = await world.client.b2cPayment({
        originatorConversationId: "payout-1",
        amount: 300,
        phone: "0712000020",
        remarks: "Refund",
        resultUrl: cb("/b2c/ok"),
        timeoutUrl: cb("/b2c/timeout"),
      });
      sameShape(lastResponse(), reference("accepted-response"));
      expect(res.originatorConversationId).toBe("payout-1");
      const [delivery] = await world.receiver.waitFor(1, "/b2c/ok");
      sameShape(delivery?.body, reference("b2c-result-success"));
      expect(parseResult(delivery?.body)).toMatchObject({
        ok: true,
        value: {
          resultCode: "0",
          originatorConversationId: "payout-1",
          parameters: { TransactionAmount: 300 },
        },
      });
      expect(world.sim.state.orgs.get("600000")?.utilityCents).toBe(before - 30_000);
    });

    it("refuses a repeated OriginatorConversationID instead of paying twice", async () => {
      const input = {
        originatorConversationId: "payout-dup",
        amount: 10,
        phone: "0712000021",
        remarks: "Once",
        resultUrl: cb("/b2c/dup"),
        timeoutUrl: cb("/b2c/t"),
      };
      await world.client.b2cPayment(input);
      const error = await world.client.b2cPayment(input).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DarajaError);
      expect(error).toMatchObject({ errorCode: "500.002.1001", retryable: false });
      await world.receiver.waitFor(1, "/b2c/dup");
      await new Promise((r) => setTimeout(r, 100));
      expect(world.receiver.received.filter((r) => r.path === "/b2c/dup")).toHaveLength(1);
    });

    it("fails with 1 beyond the balance and 2001 with a wrong initiator password", async () => {
      await world.control("PUT", "/sim/orgs/600000", { utility: 50 });
      await world.client.b2cPayment({
        amount: 100,
        phone: "0712000022",
        remarks: "Too much",
        resultUrl: cb("/b2c/poor"),
        timeoutUrl: cb("/b2c/t"),
      });
      const [poor] = await world.receiver.waitFor(1, "/b2c/poor");
      expect(parseResult(poor?.body)).toMatchObject({ ok: true, value: { resultCode: "1" } });
      await world.control("PUT", "/sim/orgs/600000", { utility: 1_000_000 });

      const wrong = createDarajaClient({
        ...world.client.config,
        initiator: { name: "testapi", password: "wrong", certificatePem: world.sim.certificatePem },
      });
      await wrong.b2cPayment({
        amount: 10,
        phone: "0712000023",
        remarks: "Bad cred",
        resultUrl: cb("/b2c/cred"),
        timeoutUrl: cb("/b2c/t"),
      });
      const [cred] = await world.receiver.waitFor(1, "/b2c/cred");
      expect(parseResult(cred?.body)).toMatchObject({ ok: true, value: { resultCode: "2001" } });
    });

    it("lets a rule choose any B2C code, e.g. 2040 for an unregistered recipient", async () => {
      await world.control("POST", "/sim/outcomes", { api: "b2c", phone: "254712000024", resultCode: 2040 });
      await world.client.b2cPayment({
        amount: 10,
        phone: "0712000024",
        remarks: "Rule",
        resultUrl: cb("/b2c/2040"),
        timeoutUrl: cb("/b2c/t"),
      });
      const [d] = await world.receiver.waitFor(1, "/b2c/2040");
      expect(parseResult(d?.body)).toMatchObject({ ok: true, value: { resultCode: "2040" } });
    });
  });

  describe("B2B, transaction status, account balance and reversal", () => {
    it("pays another business", async () => {
      await world.client.b2bPayment({
        commandId: "BusinessPayBill",
        amount: 500,
        partyB: "888880",
        accountReference: "ACC1",
        remarks: "Supplier",
        resultUrl: cb("/b2b"),
        timeoutUrl: cb("/b2b/t"),
      });
      const [d] = await world.receiver.waitFor(1, "/b2b");
      expect(parseResult(d?.body)).toMatchObject({
        ok: true,
        value: { resultCode: "0", reference: { BillReferenceNumber: "ACC1" } },
      });
      await expect(
        world.client.b2bPayment({
          commandId: "BusinessPayBill",
          amount: 5,
          partyB: "888880",
          remarks: "x",
          resultUrl: cb("/b"),
          timeoutUrl: cb("/b"),
        }),
      ).rejects.toMatchObject({ field: "accountReference" });
    });

    it("reports a known receipt's status and says when none matches", async () => {
      const push = await world.client.stkPush({
        amount: 60,
        phone: "0700000000",
        accountReference: "TS",
        callbackUrl: cb("/ts/stk"),
      });
      await world.receiver.waitFor(1, "/ts/stk");
      const receipt = world.sim.state.prompts.get(push.checkoutRequestId)?.receipt ?? "";
      await world.client.transactionStatus({
        transactionId: receipt,
        resultUrl: cb("/ts/found"),
        timeoutUrl: cb("/ts/t"),
      });
      const [found] = await world.receiver.waitFor(1, "/ts/found");
      expect(parseResult(found?.body)).toMatchObject({
        ok: true,
        value: { resultCode: "0", parameters: { ReceiptNo: receipt, TransactionStatus: "Completed" } },
      });
      await world.client.transactionStatus({
        transactionId: "ZZZ0000000",
        resultUrl: cb("/ts/missing"),
        timeoutUrl: cb("/ts/t"),
      });
      const [missing] = await world.receiver.waitFor(1, "/ts/missing");
      expect(parseResult(missing?.body)).toMatchObject({ ok: true, value: { resultCode: "1" } });
    });

    it("reports balances in the documented string, matching the simulator's accounts", async () => {
      await world.control("PUT", "/sim/orgs/600000", { utility: 12_345.5, working: 100 });
      await world.client.accountBalance({ resultUrl: cb("/bal"), timeoutUrl: cb("/bal/t") });
      const [d] = await world.receiver.waitFor(1, "/bal");
      sameShape(d?.body, reference("account-balance-result"));
      const parsed = parseResult(d?.body);
      const balances = parsed.ok ? parseAccountBalances(String(parsed.value.parameters.AccountBalance)) : [];
      expect(balances.find((b) => b.name === "Utility Account")?.currentCents).toBe(1_234_550);
      expect(balances.find((b) => b.name === "Working Account")?.currentCents).toBe(10_000);
    });

    it("reverses a payment once: R000001 the second time, R000002 for an unknown receipt", async () => {
      const push = await world.client.stkPush({
        amount: 70,
        phone: "0700000000",
        accountReference: "REV",
        callbackUrl: cb("/rev/stk"),
      });
      await world.receiver.waitFor(1, "/rev/stk");
      const receipt = world.sim.state.prompts.get(push.checkoutRequestId)?.receipt ?? "";
      const phoneBefore = world.sim.state.phones.get("254700000000")?.balanceCents ?? 0;
      await world.client.reversal({
        transactionId: receipt,
        amount: 70,
        // The STK shortcode received the money, not the organisation shortcode (600000).
        receiverParty: "174379",
        remarks: "Wrong order",
        resultUrl: cb("/rev/1"),
        timeoutUrl: cb("/rev/t"),
      });
      const [first] = await world.receiver.waitFor(1, "/rev/1");
      sameShape(first?.body, reference("reversal-result-success"));
      expect(world.sim.state.phones.get("254700000000")?.balanceCents).toBe(phoneBefore + 7000);
      await world.client.reversal({
        transactionId: receipt,
        amount: 70,
        receiverParty: "174379",
        remarks: "Again",
        resultUrl: cb("/rev/2"),
        timeoutUrl: cb("/rev/t"),
      });
      const [second] = await world.receiver.waitFor(1, "/rev/2");
      expect(parseResult(second?.body)).toMatchObject({ ok: true, value: { resultCode: "R000001" } });
      await world.client.reversal({
        transactionId: "QQQ1234567",
        amount: 70,
        remarks: "Unknown",
        resultUrl: cb("/rev/3"),
        timeoutUrl: cb("/rev/t"),
      });
      const [third] = await world.receiver.waitFor(1, "/rev/3");
      expect(parseResult(third?.body)).toMatchObject({ ok: true, value: { resultCode: "R000002" } });
    });
  });

  describe("faults and resilience", () => {
    it("retries spike-arrest answers with back-off, and reports an error once retries run out", async () => {
      await world.control("POST", "/sim/faults", { throttle: 2 });
      await expect(
        world.client.accountBalance({ resultUrl: cb("/thr"), timeoutUrl: cb("/thr") }),
      ).resolves.toMatchObject({ responseCode: "0" });
      await world.control("POST", "/sim/faults", { throttle: 10 });
      await expect(
        world.client.accountBalance({ resultUrl: cb("/thr"), timeoutUrl: cb("/thr") }),
      ).rejects.toMatchObject({
        kind: "throttled",
        errorCode: "500.003.02",
        retryable: true,
      });
    });

    it("never re-sends an STK Push that may have reached M-Pesa after a timeout", async () => {
      const slow = createDarajaClient(
        { ...world.client.config, timeoutMs: 50 },
        {
          sleep: async () => {},
          fetch: async (input, init) => {
            if (String(input).includes("stkpush/")) await new Promise((r) => setTimeout(r, 200));
            return fetch(input, init);
          },
        },
      );
      const before = world.sim.state.stats.apiCalls;
      const error = await slow
        .stkPush({ amount: 10, phone: "0712000030", accountReference: "SLOW", callbackUrl: cb("/slow") })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: "network", mayHaveReachedMpesa: true, retryable: false });
      await new Promise((r) => setTimeout(r, 300));
      expect(world.sim.state.stats.apiCalls - before).toBeLessThanOrEqual(1);
    });

    it("delivers duplicates, concurrently when asked", async () => {
      await world.control("POST", "/sim/faults", { duplicates: 4, concurrent: true });
      await world.client.stkPush({
        amount: 10,
        phone: "0700000000",
        accountReference: "DUP",
        callbackUrl: cb("/f/dup"),
      });
      const deliveries = await world.receiver.waitFor(5, "/f/dup");
      expect(new Set(deliveries.map((d) => JSON.stringify(d.body))).size).toBe(1);
    });

    it("drops a callback, delays one, and reports a different amount", async () => {
      await world.control("POST", "/sim/faults", { drop: true, times: 1 });
      await world.client.stkPush({
        amount: 10,
        phone: "0700000000",
        accountReference: "DROP",
        callbackUrl: cb("/f/drop"),
      });
      await new Promise((r) => setTimeout(r, 150));
      expect(world.receiver.received.filter((r) => r.path === "/f/drop")).toHaveLength(0);

      await world.control("POST", "/sim/faults", { delayMs: 300, amount: 9, times: 1 });
      const sent = Date.now();
      await world.client.stkPush({
        amount: 10,
        phone: "0700000000",
        accountReference: "DELAY",
        callbackUrl: cb("/f/delay"),
      });
      const [late] = await world.receiver.waitFor(1, "/f/delay");
      expect((late?.at ?? 0) - sent).toBeGreaterThanOrEqual(300);
      expect(parseStkCallback(late?.body)).toMatchObject({ ok: true, value: { amount: 9 } });
    });

    it("delivers the callback before the STK Push answer when asked", async () => {
      await world.control("POST", "/sim/faults", { beforeResponse: true, times: 1 });
      const push = await world.client.stkPush({
        amount: 10,
        phone: "0700000000",
        accountReference: "EARLY",
        callbackUrl: cb("/f/early"),
      });
      const early = world.receiver.received.filter((r) => r.path === "/f/early");
      expect(early).toHaveLength(1);
      expect(parseStkCallback(early[0]?.body)).toMatchObject({
        ok: true,
        value: { checkoutRequestId: push.checkoutRequestId },
      });
    });

    it("delivers out of order", async () => {
      await world.control("POST", "/sim/faults", { outOfOrder: true, times: 2 });
      const first = await world.client.stkPush({
        amount: 10,
        phone: "0700000000",
        accountReference: "ORD1",
        callbackUrl: cb("/f/order"),
      });
      await new Promise((r) => setTimeout(r, 100));
      const second = await world.client.stkPush({
        amount: 11,
        phone: "0700000000",
        accountReference: "ORD2",
        callbackUrl: cb("/f/order"),
      });
      const deliveries = await world.receiver.waitFor(2, "/f/order");
      const order = deliveries.map(
        (d) => (parseStkCallback(d.body) as { value: { checkoutRequestId: string } }).value.checkoutRequestId,
      );
      expect(order).toEqual([second.checkoutRequestId, first.checkoutRequestId]);
    });

    it("sends a queue-timeout notice to the QueueTimeOutURL when asked", async () => {
      await world.control("POST", "/sim/faults", { queueTimeout: true, times: 1 });
      await world.client.b2cPayment({
        amount: 10,
        phone: "0712000031",
        remarks: "Queue",
        resultUrl: cb("/q/result"),
        timeoutUrl: cb("/q/timeout"),
      });
      const [notice] = await world.receiver.waitFor(1, "/q/timeout");
      expect(parseResult(notice?.body)).toMatchObject({
        ok: true,
        value: { resultType: "1", resultCode: "1" },
      });
    });
  });
});
