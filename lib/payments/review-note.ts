import { AppError } from "../errors";

/** Every decision on a review item carries the person's reason: trimmed, at least a few letters. */
export function reviewNote(note: string): string {
  const trimmed = note.trim();
  if (trimmed.length < 3)
    throw new AppError("validation_failed", "Write a short note saying why.", { field: "note" });
  return trimmed;
}
