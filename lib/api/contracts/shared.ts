// What every part of the REST API shares in its contract: the error envelope, lists with a
// cursor, and a compile-time check that a resource builder returns what its schema documents.
import { z } from "zod";
import { ERROR_STATUS } from "../../errors";

/** One refused field of one item; `index` is the item's position in the list sent (from 0). */
export const fieldErrorSchema = z
  .object({
    index: z.number().int().min(0).optional(),
    field: z.string(),
    message: z.string(),
  })
  .meta({ description: "One refused field; `index` is the row's position (from 0) in a list sent." });

/** Every error answer: `{"error": {code, message, field?, errors?}}` (lib/api/route.ts). */
export const errorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.enum(
        Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...(keyof typeof ERROR_STATUS)[]],
      ),
      message: z.string().meta({ description: "Safe to show to a person." }),
      field: z.string().optional().meta({ description: "The field (or header) refused, when one is." }),
      errors: z
        .array(fieldErrorSchema)
        .optional()
        .meta({ description: "Bulk input (a payout batch): every refused row and field." }),
    }),
  })
  .meta({ description: "Every 4xx and 5xx answer of the API has this shape." });

/** A keyset-paginated page: pass `nextCursor` back as `cursor` for the next one (null: the last). */
export function listSchema<T extends z.ZodType>(item: T) {
  return z.object({
    object: z.literal("list"),
    data: z.array(item),
    nextCursor: z.string().nullable(),
  });
}

/** An ISO 8601 instant as the API writes it (`Date.toISOString()`). */
export const instantSchema = z.iso.datetime();

/** A `$ref` to a schema under the document's components (lib/api/openapi.ts names them). */
export function componentRef(name: string) {
  return { $ref: `#/components/schemas/${name}` };
}

/** The only currency M-Pesa moves here. */
export const currencySchema = z.string().meta({ description: "Always KES.", examples: ["KES"] });

/** Whole Kenyan shillings: M-Pesa moves no cents. */
export const amountKesSchema = z.number().int().meta({ description: "Whole KES (no cents)." });

/**
 * True when a resource builder's result fits its schema and names the same keys, so the document
 * cannot drift from what a route sends without `tsc` failing (see `Conforms` uses in contracts/).
 */
export type Conforms<Sent, Documented> = [Sent] extends [Documented]
  ? [Exclude<keyof Documented, keyof Sent> | Exclude<keyof Sent, keyof Documented>] extends [never]
    ? true
    : false
  : false;
export type Assert<T extends true> = T;
