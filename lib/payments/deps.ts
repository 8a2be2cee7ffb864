// What the payments core needs from its host, passed in (never read from the environment here).

import type { MpesaEnvironment } from "../../prisma/generated/prisma/enums";
import type { Keyring } from "../crypto/keyring";

export interface PaymentsDeps {
  keyring: Keyring;
  /** Daraja's base URL for an environment (the simulator's, Safaricom's or an override). */
  darajaBaseUrl: (environment: MpesaEnvironment) => string;
  /** This app's public base URL; Daraja callback URLs are built from it. */
  appUrl: string;
  /** Largest single payment, whole KES. */
  maxAmount?: number;
  fetch?: typeof fetch;
  now?: () => Date;
}
