// Kenyan mobile numbers as M-Pesa wants them: `2547XXXXXXXX` / `2541XXXXXXXX`. Parsing uses
// libphonenumber-js (Google's numbering metadata, maintained), which knows Kenya's mobile
// ranges; the final shape check is M-Pesa's own rule.
import { parsePhoneNumberFromString } from "libphonenumber-js/mobile";

export type PhoneResult = { ok: true; msisdn: string } | { ok: false; message: string };

const MPESA_MSISDN = /^254[17]\d{8}$/;
const EXAMPLE = "Enter a Kenyan mobile number such as 0712 345 678.";

/** Accepts `07…`, `01…`, `7…`, `+254…`, `254…`, `00254…`, with spaces, dashes, dots or brackets. */
export function normalizeKenyanPhone(input: string): PhoneResult {
  const cleaned = input.trim().replace(/[\s\-.()]/g, "");
  if (cleaned === "") return { ok: false, message: "Enter a phone number." };
  if (!/^\+?\d+$/.test(cleaned))
    return { ok: false, message: `Phone numbers contain only digits. ${EXAMPLE}` };
  const international = cleaned.startsWith("00") ? `+${cleaned.slice(2)}` : cleaned;
  const candidate =
    international.startsWith("254") && international.length === 12 ? `+${international}` : international;
  const parsed = parsePhoneNumberFromString(
    /^[17]\d{8}$/.test(candidate) ? `0${candidate}` : candidate,
    "KE",
  );
  if (parsed && parsed.country !== "KE" && parsed.countryCallingCode !== "254") {
    return { ok: false, message: "M-Pesa needs a Kenyan (+254) mobile number." };
  }
  const msisdn = parsed ? `254${parsed.nationalNumber}` : "";
  if (!parsed || !MPESA_MSISDN.test(msisdn)) {
    const national = parsed?.nationalNumber ?? "";
    if (/^[2-6]/.test(national)) return { ok: false, message: `That looks like a landline. ${EXAMPLE}` };
    return { ok: false, message: `That is not a valid Kenyan mobile number. ${EXAMPLE}` };
  }
  return { ok: true, msisdn };
}
