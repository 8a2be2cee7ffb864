// What must never reach a log line or a browser: secrets by key name and inside callback URLs,
// and full Kenyan phone numbers wherever they appear (keys like `phone`/`MSISDN`, free text, ids).

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

/**
 * Daraja's CheckoutRequestID is `ws_CO_` + ddMMyyyyHHmmss + milliseconds (17 digits) + the payer's
 * number without 254 (`ws_CO_27112023190627471708374149`); the simulator adds two digits after it.
 */
const CHECKOUT_ID_PHONE = /(ws_CO_\d{17})([17])\d{5}(\d{3})(?=\d{0,2}(?!\d))/g;
/**
 * Another id (digits joined to letters) whose digit run, too long to be a number, ends in one.
 * Not a CheckoutRequestID: older ones end in their timestamp (`ws_CO_260520211133524545`).
 */
const ID_ENDING_IN_PHONE = /(?<=[A-Za-z_-])(?<!ws_CO_)(\d{4,})([17])\d{5}(\d{3})(?!\d)/g;

/**
 * Masks the payer's number where it hides inside an id: `ws_CO_…471708374149` →
 * `ws_CO_…4717•••••149`, keeping the id recognisable and the same last three digits as maskPhone.
 */
export function maskPhonesInIds(text: string): string {
  return text.replace(CHECKOUT_ID_PHONE, "$1$2•••••$3").replace(ID_ENDING_IN_PHONE, "$1$2•••••$3");
}

/** Phone numbers in free text, whole or inside ids (raw callback bodies, log lines). */
export function maskPhonesInText(text: string): string {
  return maskPhonesInIds(text.replace(PHONE_IN_TEXT, (match) => maskPhone(match)));
}

/** The path separator as written plainly, JSON-escaped (`\/`) or URL-encoded (`%2F`). */
const SEP = String.raw`(?:\\?/|%2F)`;
const SEGMENT = String.raw`(?:(?!%2F)[^/\\\s?#&"'<>])+`;
/** A callback URL's last segment is the merchant's secret (app/api/mpesa/[kind]/[merchantId]/[secret]). */
const CALLBACK_URL_SECRET = new RegExp(
  `(${SEP}api${SEP}(?:mpesa|hooks)${SEP}${SEGMENT}${SEP}${SEGMENT}${SEP})${SEGMENT}`,
  "gi",
);

/** `/api/mpesa/stk/<merchantId>/<secret>` (and `/api/hooks/…`) → `/api/mpesa/stk/<merchantId>/[redacted]`. */
export function redactCallbackSecrets(text: string): string {
  return text.replace(CALLBACK_URL_SECRET, "$1[redacted]");
}

/** Free text as it may reach a log line or a stored record: no callback secret, no phone number. */
export function redactText(text: string): string {
  return maskPhonesInText(redactCallbackSecrets(text));
}

/** A deep copy of `value` with secrets replaced and phone numbers masked. Cycles are cut. */
export function redact(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value === "string") return redactText(value);
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Date) return value;
  if (seen.has(value)) return "[Circular]";
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, seen));
  if (value instanceof Error) {
    return {
      type: value.name,
      message: redactText(value.message),
      stack: value.stack && redactText(value.stack),
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
