// A B2C payout's recipient phone is stored like a payment's payer: sealed, with a keyed lookup
// hash and a masked copy. Requesting seals it with this context; only submission opens it.
import type { Keyring } from "../../crypto/keyring";
import { lookupHash, open, seal } from "../../crypto/seal";
import { maskPhone } from "../../redact";

/** Binds a sealed recipient phone to its merchant's payouts (a copy elsewhere fails to open). */
export const payoutPhoneContext = (merchantId: string) => `payout-phone:${merchantId}`;

/** The three columns a payout keeps for a normalised MSISDN (2547XXXXXXXX). */
export function sealRecipientPhone(keyring: Keyring, merchantId: string, msisdn: string) {
  return {
    recipientPhoneSealed: seal(keyring, msisdn, payoutPhoneContext(merchantId)),
    recipientPhoneHash: lookupHash(keyring, msisdn, "phone"),
    recipientPhoneMasked: maskPhone(msisdn),
  };
}

export function openRecipientPhone(keyring: Keyring, merchantId: string, sealed: string): string {
  return open(keyring, sealed, payoutPhoneContext(merchantId));
}
