// Display masks for personal data in logs, audit metadata and the UI.
/** `jane.doe@example.com` → `ja•••@example.com`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at < 1) return "•••";
  return `${email.slice(0, Math.min(2, at))}•••${email.slice(at)}`;
}
