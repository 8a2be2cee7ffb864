import { timingSafeEqual } from "node:crypto";

/** Constant-time comparison of the secret in a callback URL. */
export function secretMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
