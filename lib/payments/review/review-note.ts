import { AppError } from "../../errors";
import { unsafeText } from "../../validation/text";

/** Every decision on a review item carries the person's reason: trimmed, at least a few letters. */
export function reviewNote(note: string): string {
  const trimmed = note.trim();
  if (trimmed.length < 3)
    throw new AppError("validation_failed", "Write a short note saying why.", { field: "note" });
  const unsafe = unsafeText(trimmed, { multiline: true });
  if (unsafe) throw new AppError("validation_failed", `The note ${unsafe}.`, { field: "note" });
  return trimmed;
}
