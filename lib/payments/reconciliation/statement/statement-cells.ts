// Reading one cell of an M-Pesa statement: amounts to cents, Kenyan wall-clock times to instants.
// Cells come from csv-parse (always text) or exceljs (text, numbers, dates, rich text, formulas).

/** A cell as the readers hand it over: text, a number, a date, a boolean or nothing. */
export type StatementCell = string | number | boolean | Date | null | undefined;

/** The cell as trimmed text ("" for nothing); numbers as JavaScript prints them. */
export function cellText(cell: StatementCell): string {
  if (cell === null || cell === undefined) return "";
  if (cell instanceof Date) return cell.toISOString();
  return String(cell).trim();
}

/**
 * An amount as signed cents, or null for a blank cell; undefined when it is not an amount.
 * Accepts what exports carry: "1,234.50", "-1,234.50", "(1,234.50)", "KES 1,234.50", "1234.5",
 * a spreadsheet number (rounded to the cent: 1234.5600000001 is 123456).
 */
export function parseAmountCents(cell: StatementCell): bigint | null | undefined {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === "number") {
    if (!Number.isFinite(cell) || Math.abs(cell) >= 1e13) return undefined;
    return BigInt(Math.round(cell * 100));
  }
  if (typeof cell !== "string") return undefined;
  let text = cell.trim().replace(/^(KES|KSH|KSHS)\.?\s*/i, "");
  if (text === "" || text === "-") return null;
  let negative = false;
  const bracketed = /^\((.*)\)$/.exec(text);
  if (bracketed?.[1] !== undefined) {
    negative = true;
    text = bracketed[1].trim();
  }
  if (text.startsWith("-")) {
    negative = !negative;
    text = text.slice(1).trim();
  } else if (text.startsWith("+")) text = text.slice(1).trim();
  // Thousands separators only in their places: "1,234,567.89", never "12,34".
  const match = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2})0*)?$/.exec(text);
  if (!match?.[1]) return undefined;
  const whole = BigInt(match[1].replaceAll(",", ""));
  const cents = BigInt((match[2] ?? "").padEnd(2, "0"));
  const value = whole * 100n + cents;
  return negative ? -value : value;
}

const KENYA_OFFSET_MS = 3 * 3_600_000;
/** Spreadsheet serial day 0 (1899-12-30) as a UTC instant; serials are wall-clock days since. */
const SERIAL_EPOCH_MS = Date.UTC(1899, 11, 30);

/** Wall-clock fields in Kenya (UTC+3, no daylight saving) → the instant; null if not a real time. */
function kenyanInstant(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): Date | null {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59 || y < 2000 || y > 2100)
    return null;
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(wall);
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) return null; // 31-02 is not rolled over
  return new Date(wall - KENYA_OFFSET_MS);
}

export interface StatementTime {
  instant: Date;
  /** The text carried a time of day (a date alone covers the whole day). */
  hasTime: boolean;
}

const TIME = String.raw`(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(AM|PM)?)?`;
/** Day first, as the portal writes it: 02-12-2026 14:05:11, 02/12/2026 2:05 PM, 2.12.2026. */
const DAY_FIRST = new RegExp(String.raw`^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})${TIME}$`, "i");
/** Year first: 2026-12-02 14:05:11, 2026/12/02T14:05:11. */
const YEAR_FIRST = new RegExp(String.raw`^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})${TIME}$`, "i");

/**
 * A statement time (Kenyan wall clock) as an instant. Text is read day first (the portal's
 * DD-MM-YYYY) or year first; a spreadsheet serial number or a date cell is a wall-clock value too.
 * A time with an explicit zone ("…Z", "+03:00") is taken as written. Null when not a time.
 */
export function parseStatementTime(cell: StatementCell): StatementTime | null {
  if (cell instanceof Date) {
    // exceljs hands spreadsheet dates over as the wall clock read as UTC.
    const t = cell.getTime();
    if (Number.isNaN(t)) return null;
    return { instant: new Date(t - KENYA_OFFSET_MS), hasTime: t % 86_400_000 !== 0 };
  }
  if (typeof cell === "number") {
    if (!Number.isFinite(cell) || cell < 36_526 || cell > 73_051) return null; // 2000 … 2100
    const wall = SERIAL_EPOCH_MS + Math.round(cell * 86_400) * 1000;
    return { instant: new Date(wall - KENYA_OFFSET_MS), hasTime: !Number.isInteger(cell) };
  }
  if (typeof cell !== "string") return null;
  const text = cell.trim();
  if (/[zZ]$|[+-]\d{2}:?\d{2}$/.test(text) && /^\d{4}-\d{2}-\d{2}T/.test(text)) {
    const instant = new Date(text);
    return Number.isNaN(instant.getTime()) ? null : { instant, hasTime: true };
  }
  const dayFirst = DAY_FIRST.exec(text);
  const yearFirst = dayFirst ? null : YEAR_FIRST.exec(text);
  const m = dayFirst ?? yearFirst;
  if (!m) return null;
  const [y, mo, d] = dayFirst ? [m[3], m[2], m[1]] : [m[1], m[2], m[3]];
  let hour = Number(m[4] ?? 0);
  const meridiem = m[7]?.toUpperCase();
  if (meridiem) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (meridiem === "PM" ? 12 : 0);
  }
  const instant = kenyanInstant(Number(y), Number(mo), Number(d), hour, Number(m[5] ?? 0), Number(m[6] ?? 0));
  return instant ? { instant, hasTime: m[4] !== undefined } : null;
}
