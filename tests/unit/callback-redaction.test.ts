// Phone numbers hidden inside Daraja ids, and callback secrets inside URLs: masked and redacted by
// the shared code (lib/redact.ts) that logs, stored Daraja calls and dashboard views go through.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { ignoreLoggingIncomingRequests } from "next/dist/server/dev/log-requests";
import { describe, expect, it } from "vitest";
import { createLogger } from "@/lib/logger";
import { maskPhonesInIds, maskPhonesInText, redact, redactCallbackSecrets } from "@/lib/redact";
import { checkoutRequestId } from "@/lib/simulator/ids";
import nextConfig from "@/next.config";

const fixtures = join(import.meta.dirname, "../fixtures/daraja");
const fixtureTexts = readdirSync(fixtures)
  .filter((f) => f.endsWith(".json"))
  .map((f) => ({ name: f, text: readFileSync(join(fixtures, f), "utf8") }));

describe("phone numbers inside ids", () => {
  it("masks the payer's number a CheckoutRequestID ends in (Daraja's shape, from the issue)", () => {
    expect(maskPhonesInIds("ws_CO_27112023190627471708374149")).toBe("ws_CO_271120231906274717•••••149");
    expect(maskPhonesInText('"CheckoutRequestID":"ws_CO_27112023190627471708374149"')).not.toContain(
      "708374149",
    );
  });

  it("masks the simulator's ids, which add two digits after the number", () => {
    const id = checkoutRequestId("254710237570", new Date("2026-01-05T10:00:00Z"));
    expect(id).toContain("710237570");
    const masked = maskPhonesInIds(id);
    expect(masked).not.toContain("710237570");
    expect(masked).not.toContain("1023757");
    expect(masked.startsWith("ws_CO_05012026130000000")).toBe(true);
  });

  it("masks a local number that ends another id's long digit run", () => {
    expect(maskPhonesInIds("AG_2023042012345712345678")).toBe("AG_20230420123457•••••678");
  });

  it("leaves the recorded fixtures' ids, receipts and timestamps alone (none carries a number)", () => {
    const ids = fixtureTexts.flatMap(({ text }) =>
      [
        ...text.matchAll(
          /"(?:CheckoutRequestID|MerchantRequestID|ConversationID|OriginatorConversationID|TransID|TransactionID|TransTime)":\s*"([^"]*)"/g,
        ),
      ].map((m) => m[1] ?? ""),
    );
    expect(ids.length).toBeGreaterThan(20);
    for (const id of ids) expect(maskPhonesInText(id)).toBe(id);
    expect(maskPhonesInText('"TransactionDate": 20191219102115')).toBe('"TransactionDate": 20191219102115');
  });

  it("masks every full number in the recorded fixtures' raw bodies", () => {
    for (const { name, text } of fixtureTexts) {
      const masked = maskPhonesInText(text);
      for (const [, number] of text.matchAll(
        /"(?:MSISDN|PhoneNumber|PartyA|Value)":\s*"?(2547\d{8}|2541\d{8})/g,
      ))
        expect(masked, name).not.toContain((number ?? "").slice(3));
    }
  });
});

describe("callback secrets in URLs", () => {
  const secret = "cbs_9f8e7d6c5b4a39281706f5e4d3c2b1a0";
  const merchantId = "01938f2e-7d1c-7a3b-9c4d-5e6f7a8b9c0d";
  const url = `https://pay.example.co.ke/api/mpesa/stk/${merchantId}/${secret}`;

  it("replaces the secret segment, in plain, JSON-escaped and URL-encoded forms", () => {
    expect(redactCallbackSecrets(url)).toBe(
      `https://pay.example.co.ke/api/mpesa/stk/${merchantId}/[redacted]`,
    );
    expect(redactCallbackSecrets(`/api/hooks/c2b-confirmation/${merchantId}/${secret}?x=1`)).toBe(
      `/api/hooks/c2b-confirmation/${merchantId}/[redacted]?x=1`,
    );
    expect(redactCallbackSecrets(JSON.stringify(url).replaceAll("/", "\\/"))).not.toContain(secret);
    expect(redactCallbackSecrets(encodeURIComponent(url))).not.toContain(secret);
  });

  it("keeps it out of redacted records (what Daraja calls are stored as) and log lines", () => {
    const record = redact({ CallBackURL: url, nested: { ResultURL: url, QueueTimeOutURL: url } });
    expect(JSON.stringify(record)).not.toContain(secret);
    expect(JSON.stringify(record)).toContain(merchantId);

    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger({ level: "info", destination });
    log.info({ url, err: new Error(`POST ${url} failed`) }, `POST ${url} 200`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(secret);
    expect(lines[0]).toContain("[redacted]");
  });

  it("keeps callback URLs out of Next's own request log", () => {
    const ignored = (path: string) =>
      ignoreLoggingIncomingRequests({ url: path } as never, nextConfig.logging || undefined);
    expect(ignored(`/api/mpesa/stk/${merchantId}/${secret}`)).toBe(true);
    expect(ignored(`/api/hooks/c2b-validation/${merchantId}/${secret}`)).toBe(true);
    expect(ignored("/payments")).toBe(false);
  });
});
