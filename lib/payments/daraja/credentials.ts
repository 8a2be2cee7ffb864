// The two secrets Daraja derives per request: the STK Push password and the
// SecurityCredential of initiator-based APIs (B2C, B2B, status, balance, reversal).
import { constants, publicEncrypt } from "node:crypto";

const NAIROBI = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Africa/Nairobi",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

/** `YYYYMMDDHHmmss` in Kenyan time (EAT, UTC+3), as Daraja expects for `Timestamp`. */
export function darajaTimestamp(date: Date = new Date()): string {
  const parts = Object.fromEntries(NAIROBI.formatToParts(date).map((p) => [p.type, p.value]));
  return `${parts.year}${parts.month}${parts.day}${parts.hour}${parts.minute}${parts.second}`;
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
