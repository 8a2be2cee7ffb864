// Free text from outside (API bodies, query-string filters, form fields) is refused, with the
// field named, when it holds characters that PostgreSQL cannot store (NUL fails the whole query)
// or that make text read differently from what is stored: other control characters, and the bidi
// embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) that can turn a reference
// shown to a customer or an approver into something else ("‮4321FER" displays as "REF1234").
import { z } from "zod";

// C0 and C1 controls and DEL; tab, line feed and carriage return are allowed in multi-line text.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const LINE_BREAKS = /[\t\n\r]/;
const BIDI = /[\u202a-\u202e\u2066-\u2069]/;

export interface TextOptions {
  /** Allow tab and line breaks (notes typed in a textarea). */
  multiline?: boolean;
}

/** Why `value` is refused, phrased to follow the field's name; null when it is acceptable. */
export function unsafeText(value: string, options: TextOptions = {}): string | null {
  if (CONTROL.test(value) || (!options.multiline && LINE_BREAKS.test(value)))
    return "must not contain control characters";
  if (BIDI.test(value)) return "must not contain text-direction override characters";
  return null;
}

/**
 * A string schema that refuses unsafe characters; chain `.trim()`, `.min()`, `.max()` as usual.
 * Every schema taking free text from outside uses this instead of a bare `z.string()`.
 */
export function text(options: TextOptions & { error?: string } = {}) {
  return z.string(options.error ? { error: options.error } : undefined).check((ctx) => {
    const reason = unsafeText(ctx.value, options);
    if (reason) ctx.issues.push({ code: "custom", message: reason, input: ctx.value });
  });
}
