// Webhook delivery's dependencies, from the validated environment (Next-bound glue, like
// payments-runtime.ts): production refuses http and non-public targets.
import { getEnv } from "./env";
import { paymentsRuntime } from "./payments-runtime";
import type { WebhookDeps } from "./webhooks/webhook-deps";

export function webhookDeps(): WebhookDeps {
  const env = getEnv();
  return {
    keyring: paymentsRuntime().deps.keyring,
    production: env.NODE_ENV === "production" && !env.WEBHOOKS_ALLOW_PRIVATE_TARGETS,
  };
}
