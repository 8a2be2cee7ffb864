// Query-string filters by Kenyan calendar day (Africa/Nairobi is UTC+3 all year, no daylight
// saving), shared by the payments and audit log filters.
import { z } from "zod";

/** A cleared form field arrives as "": treat it as absent. */
export const blankToUndefined = (v: unknown) => (v === "" || v === null ? undefined : v);

/** A real calendar day as YYYY-MM-DD: `2026-13-45` or `2026-02-30` is refused, not rolled over. */
export const kenyanDaySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Use YYYY-MM-DD")
  .refine((date) => {
    const day = new Date(`${date}T00:00:00Z`);
    return !Number.isNaN(day.getTime()) && day.toISOString().startsWith(date);
  }, "No such date: use YYYY-MM-DD");

/** Start of a Kenyan day as an instant; with `endOfDay`, the start of the next one. */
function kenyanDay(date: string, endOfDay: boolean): Date {
  const start = new Date(`${date}T00:00:00+03:00`);
  return endOfDay ? new Date(start.getTime() + 86_400_000) : start;
}

/** A `createdAt` condition for inclusive days `from`..`to`, or undefined when neither is set. */
export function kenyanDayRange(from?: string, to?: string): { gte?: Date; lt?: Date } | undefined {
  if (!from && !to) return undefined;
  return { ...(from ? { gte: kenyanDay(from, false) } : {}), ...(to ? { lt: kenyanDay(to, true) } : {}) };
}

/** The Kenyan calendar day (YYYY-MM-DD) that `instant` falls on. */
export function kenyanDayOf(instant: Date): string {
  return new Date(instant.getTime() + 3 * 3_600_000).toISOString().slice(0, 10);
}
