// The Malipo-Signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, with
// one more v1 per extra secret (the previous one during a rotation's overlap). README, Webhooks.
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "Malipo-Signature";
export const EVENT_ID_HEADER = "Malipo-Event-Id";
/** How far a signature's timestamp may be from the receiver's clock before it is refused. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export function signatureFor(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

/** The header value for `body` signed at `timestamp` with every secret given, newest first. */
export function signatureHeader(secrets: string[], timestamp: number, body: string): string {
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${signatureFor(s, timestamp, body)}`)].join(",");
}

/**
 * What a receiver does: true when one v1 matches `secret` and the timestamp is recent. Used by
 * scripts/webhook-receiver.ts and the tests; the README's snippet is the same steps.
 */
export function verifySignature(
  secret: string,
  header: string | null | undefined,
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  if (!header) return false;
  const parts = header.split(",").map((p) => p.trim().split("="));
  const t = Number(parts.find(([k]) => k === "t")?.[1]);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > SIGNATURE_TOLERANCE_SECONDS) return false;
  const expected = Buffer.from(signatureFor(secret, t, body), "hex");
  return parts.some(([k, v]) => {
    if (k !== "v1" || !v) return false;
    const given = Buffer.from(v, "hex");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
