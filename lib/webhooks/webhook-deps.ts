// What webhook delivery needs from its host, passed in (never read from the environment here).
import type { Keyring } from "../crypto/keyring";
import type { PostWebhook } from "./post-webhook";

export interface WebhookDeps {
  keyring: Keyring;
  /** Production refuses http and non-public targets (lib/webhooks/safe-target.ts). */
  production: boolean;
  /** The HTTP client; tests may pass their own. Defaults to post-webhook.ts. */
  post?: PostWebhook;
  now?: () => Date;
}
