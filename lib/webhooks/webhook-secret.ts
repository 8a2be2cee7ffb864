// Webhook endpoint secrets: `whsec_` and 32 random bytes, shown once, stored sealed.
import { randomBytes } from "node:crypto";
import type { Keyring } from "../crypto/keyring";
import { open, seal } from "../crypto/seal";

/** After a rotation the previous secret keeps signing this long, so receivers can switch over. */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60_000;

const CONTEXT = "webhook-endpoint:secret";

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

export function sealWebhookSecret(keyring: Keyring, secret: string): string {
  return seal(keyring, secret, CONTEXT);
}

/** The secrets a delivery is signed with now: the current one, and the previous one while it overlaps. */
export function signingSecrets(
  keyring: Keyring,
  endpoint: {
    secretSealed: string;
    previousSecretSealed: string | null;
    previousSecretExpiresAt: Date | null;
  },
  now: Date,
): string[] {
  const secrets = [open(keyring, endpoint.secretSealed, CONTEXT)];
  if (
    endpoint.previousSecretSealed &&
    endpoint.previousSecretExpiresAt &&
    endpoint.previousSecretExpiresAt > now
  )
    secrets.push(open(keyring, endpoint.previousSecretSealed, CONTEXT));
  return secrets;
}
