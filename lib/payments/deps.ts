// What the payments core needs from its host, passed in (never read from the environment here).

import type { MpesaEnvironment } from "../../prisma/generated/prisma/enums";
import type { Keyring } from "../crypto/keyring";
import type { Limiter } from "../security/rate-limit";

/** Where the core reports what nobody is waiting for (the host passes its logger; pino fits). */
export interface CoreLog {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface PaymentsDeps {
  keyring: Keyring;
  /** Daraja's base URL for an environment (the simulator's, Safaricom's or an override). */
  darajaBaseUrl: (environment: MpesaEnvironment) => string;
  /** This app's public base URL; Daraja callback URLs are built from it. */
  appUrl: string;
  /**
   * Prompts per phone, keyed by the phone's lookup hash and shared by all merchants, so nobody
   * can spam a customer's phone (lib/payments-runtime.ts: 3 a minute).
   */
  promptLimiter: Pick<Limiter, "consume">;
  /** Largest single payment, whole KES. */
  maxAmount?: number;
  fetch?: typeof fetch;
  now?: () => Date;
  log?: CoreLog;
}
