import { AppError } from "../../errors";
import { text } from "../../validation/text";

const noteSchema = text({ multiline: true, error: "The note must be text." })
  .trim()
  .max(500, "The note can be at most 500 characters.");

/**
 * The note with a decision on a reversal, trimmed: optional when approving or cancelling (null
 * when empty), required (3-500 characters) when rejecting, since the requester reads why.
 */
export function decisionNote(value: unknown, options: { required: boolean }): string | null {
  const schema = options.required
    ? noteSchema.min(3, "Say why the reversal is rejected (3-500 characters).")
    : noteSchema.optional();
  const note = schema.safeParse(value ?? (options.required ? "" : undefined));
  if (!note.success)
    throw new AppError("validation_failed", note.error.issues[0]?.message ?? "Check the note.", {
      field: "note",
    });
  return note.data || null;
}
