// A merchant's Daraja credentials: sealed at rest, opened only to build a client. The sealing
// context names merchant and field, so a value copied elsewhere fails to open.

import type { MpesaCredential, MpesaEnvironment } from "../../prisma/generated/prisma/client";
import type { Keyring } from "../crypto/keyring";
import { open, seal } from "../crypto/seal";
import type { DbClient } from "../db-types";
import { AppError } from "../errors";
import { SANDBOX_STK_PASSKEY, SANDBOX_STK_SHORTCODE } from "../payments/daraja/environments";

type SealedField = "consumerKey" | "consumerSecret" | "passkey" | "initiatorPassword";
const context = (merchantId: string, field: SealedField) => `mpesa:${merchantId}:${field}`;

export interface MpesaCredentialInput {
  environment: MpesaEnvironment;
  consumerKey: string;
  consumerSecret: string;
  stkShortcode: string;
  passkey: string;
  tillNumber?: string | null;
  shortcode: string;
  initiatorName?: string | null;
  initiatorPassword?: string | null;
  certificatePem?: string | null;
  c2bVersion?: "v1" | "v2";
}

/** Saves (or replaces) a merchant's credentials for one environment, sealing every secret. */
export function upsertMpesaCredential(
  db: DbClient,
  keyring: Keyring,
  merchantId: string,
  input: MpesaCredentialInput,
) {
  const sealField = (field: SealedField, value: string) => seal(keyring, value, context(merchantId, field));
  const data = {
    consumerKeySealed: sealField("consumerKey", input.consumerKey),
    consumerSecretSealed: sealField("consumerSecret", input.consumerSecret),
    stkShortcode: input.stkShortcode,
    passkeySealed: sealField("passkey", input.passkey),
    tillNumber: input.tillNumber ?? null,
    shortcode: input.shortcode,
    initiatorName: input.initiatorName ?? null,
    initiatorPasswordSealed: input.initiatorPassword
      ? sealField("initiatorPassword", input.initiatorPassword)
      : null,
    certificatePem: input.certificatePem ?? null,
    c2bVersion: input.c2bVersion ?? "v1",
  };
  return db.mpesaCredential.upsert({
    where: { merchantId_environment: { merchantId, environment: input.environment } },
    create: { merchantId, environment: input.environment, ...data },
    update: data,
  });
}

/**
 * Sets only the initiator (name, sealed password, certificate) of a merchant's saved credentials
 * for one environment, leaving every other field as it is. Returns false when none are saved.
 */
export async function setMpesaInitiator(
  db: DbClient,
  keyring: Keyring,
  options: {
    merchantId: string;
    environment: MpesaEnvironment;
    name: string;
    password: string;
    certificatePem: string;
  },
): Promise<boolean> {
  const { count } = await db.mpesaCredential.updateMany({
    where: { merchantId: options.merchantId, environment: options.environment },
    data: {
      initiatorName: options.name,
      initiatorPasswordSealed: seal(
        keyring,
        options.password,
        context(options.merchantId, "initiatorPassword"),
      ),
      certificatePem: options.certificatePem,
    },
  });
  return count > 0;
}

/** The simulator's defaults: the public sandbox STK shortcode and passkey, test initiator. */
export function simulatorCredentials(certificatePem?: string): MpesaCredentialInput {
  return {
    environment: "simulator",
    consumerKey: "simulator-key",
    consumerSecret: "simulator-secret",
    stkShortcode: SANDBOX_STK_SHORTCODE,
    passkey: SANDBOX_STK_PASSKEY,
    shortcode: "600000",
    initiatorName: "testapi",
    initiatorPassword: "Safaricom999!*!",
    certificatePem: certificatePem ?? null,
  };
}

export interface OpenedCredential {
  id: string;
  updatedAt: Date;
  environment: MpesaEnvironment;
  consumerKey: string;
  consumerSecret: string;
  stkShortcode: string;
  passkey: string;
  tillNumber: string | null;
  shortcode: string;
  initiator: { name: string; password: string; certificatePem: string } | null;
  c2bVersion: "v1" | "v2";
}

export function openMpesaCredential(keyring: Keyring, row: MpesaCredential): OpenedCredential {
  const openField = (field: SealedField, value: string) =>
    open(keyring, value, context(row.merchantId, field));
  return {
    id: row.id,
    updatedAt: row.updatedAt,
    environment: row.environment,
    consumerKey: openField("consumerKey", row.consumerKeySealed),
    consumerSecret: openField("consumerSecret", row.consumerSecretSealed),
    stkShortcode: row.stkShortcode,
    passkey: openField("passkey", row.passkeySealed),
    tillNumber: row.tillNumber,
    shortcode: row.shortcode,
    initiator:
      row.initiatorName && row.initiatorPasswordSealed && row.certificatePem
        ? {
            name: row.initiatorName,
            password: openField("initiatorPassword", row.initiatorPasswordSealed),
            certificatePem: row.certificatePem,
          }
        : null,
    c2bVersion: row.c2bVersion === "v2" ? "v2" : "v1",
  };
}

/** The merchant's credentials for its current environment, or a clear error when M-Pesa is not set up. */
export async function getMpesaCredentialOrThrow(db: DbClient, keyring: Keyring, merchantId: string) {
  const merchant = await db.merchant.findUnique({ where: { id: merchantId }, select: { environment: true } });
  if (!merchant) throw new AppError("not_found", "Merchant not found.");
  const row = await db.mpesaCredential.findUnique({
    where: { merchantId_environment: { merchantId, environment: merchant.environment } },
  });
  if (!row) {
    throw new AppError(
      "bad_request",
      `M-Pesa (${merchant.environment}) is not set up for this merchant yet: add its credentials in Settings.`,
    );
  }
  return openMpesaCredential(keyring, row);
}
