// The payments core's dependencies, built once from the validated environment (Next-bound glue).
import { parseKeyring } from "./crypto/keyring";
import { appUrl, getEnv, mpesaBaseUrl } from "./env";
import type { PaymentsDeps } from "./payments/deps";
import { buildAllowlist, SAFARICOM_CALLBACK_IPS } from "./payments/receive-callback";

let cached:
  | { deps: PaymentsDeps; allowlist: ReturnType<typeof buildAllowlist>; spoolDir: string }
  | undefined;

export function paymentsRuntime() {
  if (!cached) {
    const env = getEnv();
    cached = {
      deps: {
        keyring: parseKeyring(env.MALIPO_ENCRYPTION_KEYS),
        darajaBaseUrl: (environment) => mpesaBaseUrl(environment, env),
        appUrl: appUrl(env),
        maxAmount: env.MPESA_MAX_AMOUNT,
      },
      allowlist: buildAllowlist(
        env.MPESA_CALLBACK_ALLOWLIST?.split(",").filter(Boolean) ?? SAFARICOM_CALLBACK_IPS,
      ),
      spoolDir: env.MALIPO_SPOOL_DIR,
    };
  }
  return cached;
}
