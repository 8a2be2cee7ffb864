// The two secrets Daraja derives per request: the STK Push password and the
// SecurityCredential of initiator-based APIs (B2C, B2B, status, balance, reversal).
import { constants, publicEncrypt } from "node:crypto";

/** Kenya keeps East Africa Time, UTC+3, all year: no daylight saving. */
const EAT_OFFSET_MS = 3 * 3_600_000;

/**
 * `YYYYMMDDHHmmss` in Kenyan time (EAT, UTC+3), as Daraja expects for `Timestamp`. Plain
 * arithmetic on the fixed offset: every Daraja request makes one, and Intl's time-zone formatting
 * stood out in a profile of the sweep (scripts/bench-sweep.ts), about 0.04 ms a call.
 */
export function darajaTimestamp(date: Date = new Date()): string {
  const eat = new Date(date.getTime() + EAT_OFFSET_MS).toISOString(); // 2026-11-24T09:30:05.000Z
  return `${eat.slice(0, 4)}${eat.slice(5, 7)}${eat.slice(8, 10)}${eat.slice(11, 13)}${eat.slice(14, 16)}${eat.slice(17, 19)}`;
}

/** base64(shortcode + passkey + timestamp): the same timestamp must be sent as `Timestamp`. */
export function stkPassword(shortcode: string, passkey: string, timestamp: string): string {
  return Buffer.from(`${shortcode}${passkey}${timestamp}`, "utf8").toString("base64");
}

/**
 * RSA PKCS#1 v1.5 encryption of the bare initiator password with the environment's X.509
 * certificate (sandbox and production certificates differ), base64-encoded.
 */
export function securityCredential(initiatorPassword: string, certificatePem: string): string {
  return publicEncrypt(
    { key: certificatePem, padding: constants.RSA_PKCS1_PADDING },
    Buffer.from(initiatorPassword, "utf8"),
  ).toString("base64");
}
