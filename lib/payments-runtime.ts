// The payments core's dependencies, built once from the validated environment (Next-bound glue).
import { parseKeyring } from "./crypto/keyring";
import { createPgPool } from "./db";
import { appUrl, getEnv, mpesaBaseUrl } from "./env";
import { getLogger } from "./logger";
import { installObservability } from "./observability/install";
import { buildAllowlist, SAFARICOM_CALLBACK_IPS } from "./payments/callbacks/receive-callback";
import type { PaymentsDeps } from "./payments/deps";
import { createLimiter } from "./security/rate-limit";

/** Prompts a customer's phone may get a minute, from all merchants together. */
export const PROMPTS_PER_PHONE_PER_MINUTE = 3;

let cached:
  | { deps: PaymentsDeps; allowlist: ReturnType<typeof buildAllowlist>; spoolDir: string }
  | undefined;

export function paymentsRuntime() {
  if (!cached) {
    const env = getEnv();
    installObservability();
    const limiterPool = createPgPool(env.DATABASE_URL, { max: 2, name: "malipo-prompt-limits" });
    cached = {
      deps: {
        keyring: parseKeyring(env.MALIPO_ENCRYPTION_KEYS),
        darajaBaseUrl: (environment) => mpesaBaseUrl(environment, env),
        appUrl: appUrl(env),
        maxAmount: env.MPESA_MAX_AMOUNT,
        log: getLogger().child({ component: "payments" }),
        promptLimiter: createLimiter(limiterPool, {
          name: "prompt:phone",
          points: env.DISABLE_RATE_LIMITS ? 1_000_000 : PROMPTS_PER_PHONE_PER_MINUTE,
          durationSeconds: 60,
        }),
      },
      allowlist: buildAllowlist(
        env.MPESA_CALLBACK_ALLOWLIST?.split(",").filter(Boolean) ?? SAFARICOM_CALLBACK_IPS,
      ),
      spoolDir: env.MALIPO_SPOOL_DIR,
    };
  }
  return cached;
}
