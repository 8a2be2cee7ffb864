import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "@/lib/logger";
import { maskEmail } from "@/lib/mask";
import { maskPhone, maskPhonesInText, redact } from "@/lib/redact";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: createLogger({ level: "debug", destination }), lines };
}

describe("redaction", () => {
  it("masks phone numbers as 2547•••••678 in every common form", () => {
    expect(maskPhone("254712345678")).toBe("2547•••••678");
    expect(maskPhone("0712345678")).toBe("2547•••••678");
    expect(maskPhonesInText("call +254 712 345 678 or 0112-345-678")).toBe(
      "call 2547•••••678 or 2541•••••678",
    );
  });

  it("masks the payer's number inside a CheckoutRequestID, whatever its milliseconds read", () => {
    for (const ms of ["254", "000", "999"]) {
      const id = `ws_CO_03122026175922${ms}71234560242`;
      const masked = maskPhonesInText(id);
      expect(masked).toMatch(/^ws_CO_/);
      expect(masked).not.toContain("712345602");
      expect(masked).not.toContain("254712345602");
    }
  });

  it("leaves numbers that are not phones alone", () => {
    expect(maskPhonesInText("receipt NLJ7RT61SV amount 1500 shortcode 174379")).toBe(
      "receipt NLJ7RT61SV amount 1500 shortcode 174379",
    );
  });

  it("replaces secrets by key, deeply and case-insensitively", () => {
    const out = redact({
      Password: "p",
      nested: { ConsumerSecret: "s", list: [{ passkey: "k" }] },
      SecurityCredential: "c",
    });
    expect(JSON.stringify(out)).not.toMatch(/"(p|s|k|c)"/);
    expect(out).toMatchObject({ Password: "[redacted]", nested: { ConsumerSecret: "[redacted]" } });
  });

  it("masks phone keys including Daraja's MSISDN and PartyA", () => {
    expect(redact({ MSISDN: 254712345678, PartyA: "254712345678", phone: "0712345678" })).toEqual({
      MSISDN: "2547•••••678",
      PartyA: "2547•••••678",
      phone: "2547•••••678",
    });
  });

  it("survives cycles", () => {
    const a: Record<string, unknown> = { name: "a" };
    a.self = a;
    expect(redact(a)).toEqual({ name: "a", self: "[Circular]" });
  });

  it("masks emails for display", () => {
    expect(maskEmail("jane.doe@example.com")).toBe("ja•••@example.com");
  });
});

describe("logger", () => {
  it("writes JSON lines with no secret or full phone number in fields or message", () => {
    const { log, lines } = capture();
    const child = log.child({ requestId: "req-1" });
    const fields = {
      body: { Password: "hunter2", PhoneNumber: 254712345678 },
      headers: { authorization: "Bearer abc" },
    };
    child.info(fields, "prompt sent to 254712345678");
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? "";
    const record = JSON.parse(line);
    expect(record).toMatchObject({ level: "info", requestId: "req-1", msg: "prompt sent to 2547•••••678" });
    expect(line).not.toContain("hunter2");
    expect(line).not.toContain("254712345678");
    expect(line).not.toContain("Bearer abc");
  });
});
