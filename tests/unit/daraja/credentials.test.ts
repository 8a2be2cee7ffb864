import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { darajaTimestamp, securityCredential, stkPassword } from "@/lib/payments/daraja/credentials";
import { SANDBOX_STK_PASSKEY } from "@/lib/payments/daraja/environments";
import { decryptPkcs1 } from "@/lib/simulator/server";

describe("STK password and timestamp", () => {
  it("matches the reference sample: base64 of 174379 + the public passkey + the timestamp", () => {
    const password = stkPassword("174379", SANDBOX_STK_PASSKEY, "20160216165627");
    expect(password).toBe(
      "MTc0Mzc5YmZiMjc5ZjlhYTliZGJjZjE1OGU5N2RkNzFhNDY3Y2QyZTBjODkzMDU5YjEwZjc4ZTZiNzJhZGExZWQyYzkxOTIwMTYwMjE2MTY1NjI3",
    );
    expect(Buffer.from(password, "base64").toString()).toBe(`174379${SANDBOX_STK_PASSKEY}20160216165627`);
  });

  it("formats the timestamp in Kenyan time (UTC+3), including across midnight and year end", () => {
    expect(darajaTimestamp(new Date("2026-11-24T06:30:05Z"))).toBe("20261124093005");
    expect(darajaTimestamp(new Date("2026-12-31T21:00:00Z"))).toBe("20270101000000");
    expect(darajaTimestamp(new Date("2026-03-01T20:59:59.999Z"))).toBe("20260301235959");
  });
});

describe("SecurityCredential", () => {
  it("is RSA PKCS#1 v1.5 of the bare password that the key holder (the simulator) can decrypt", () => {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
    const credential = securityCredential("Safaricom999!*!", pem);
    expect(Buffer.from(credential, "base64")).toHaveLength(256);
    expect(decryptPkcs1(privateKey, Buffer.from(credential, "base64"))).toBe("Safaricom999!*!");
    expect(securityCredential("Safaricom999!*!", pem)).not.toBe(credential); // random padding
  });
});
