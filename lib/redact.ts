// What must never reach a log line or a browser: secrets by key name, and full Kenyan phone
// numbers wherever they appear (keys like `phone`/`MSISDN`, and inside free text).

/** Keys whose values are secrets: replaced entirely. Compared case-insensitively. */
export const SECRET_KEYS = [
  "password",
  "passwordhash",
  "password_hash",
  "secret",
  "authorization",
  "cookie",
  "set-cookie",
  "token",
  "access_token",
  "accesstoken",
  "refresh_token",
  "apikey",
  "api_key",
  "consumerkey",
  "consumersecret",
  "consumer_secret",
  "passkey",
  "securitycredential",
  "initiatorpassword",
  "certificate",
  "privatekey",
  "encryptionkey",
  "malipo_encryption_keys",
  "auth_secret",
  "database_url",
] as const;

/** Keys whose values are phone numbers: masked, not removed, so support can still correlate. */
export const PHONE_KEYS = [
  "phone",
  "phonenumber",
  "msisdn",
  "partya",
  "partyb",
  "mobile",
  "receiverparty",
] as const;

const secretKeys = new Set<string>(SECRET_KEYS);
const phoneKeys = new Set<string>(PHONE_KEYS);

/** 2547XXXXXXXX / 2541XXXXXXXX with optional +, or local 07…/01… forms; digits not part of a longer number. */
const PHONE_IN_TEXT = /(?<![\d])(?:\+?254[\s-]?|0)([17]\d{2})[\s-]?(\d{3})[\s-]?(\d{3})(?![\d])/g;

/** `254712345678` → `2547•••••678`; anything shorter than 7 digits is fully hidden. */
export function maskPhone(value: string): string {
  const digits = value.replace(/\D/g, "");
  if (digits.length < 7) return "•••";
  const normalised = digits.startsWith("0") ? `254${digits.slice(1)}` : digits;
  return `${normalised.slice(0, 4)}•••••${normalised.slice(-3)}`;
}

export function maskPhonesInText(text: string): string {
  return text.replace(PHONE_IN_TEXT, (match) => maskPhone(match));
}

/** A deep copy of `value` with secrets replaced and phone numbers masked. Cycles are cut. */
export function redact(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value === "string") return maskPhonesInText(value);
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Date) return value;
  if (seen.has(value)) return "[Circular]";
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, seen));
  if (value instanceof Error) {
    return {
      type: value.name,
      message: maskPhonesInText(value.message),
      stack: value.stack && maskPhonesInText(value.stack),
    };
  }
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const lower = key.toLowerCase();
    if (secretKeys.has(lower)) out[key] = "[redacted]";
    else if (phoneKeys.has(lower) && (typeof inner === "string" || typeof inner === "number"))
      out[key] = maskPhone(String(inner));
    else out[key] = redact(inner, seen);
  }
  return out;
}
