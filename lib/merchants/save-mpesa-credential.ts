import { createPublicKey } from "node:crypto";
import { z } from "zod";
import { MpesaEnvironment, type Role } from "../../prisma/generated/prisma/enums";
import { appendAuditLog, type UserActor } from "../audit/append-audit-log";
import type { Keyring } from "../crypto/keyring";
import { type DbClient, inTransaction } from "../db-types";
import { AppError } from "../errors";
import { text } from "../validation/text";
import { type MpesaCredentialInput, openMpesaCredential, upsertMpesaCredential } from "./mpesa-credentials";

const digits = (label: string) =>
  z
    .string()
    .trim()
    .regex(/^\d{5,8}$/, `${label}: 5 to 8 digits.`);
/** Blank means "keep what is stored": secrets are never sent back to the browser to re-submit. */
const secret = z
  .string()
  .trim()
  .max(4096)
  .transform((v) => v || undefined);

export const mpesaCredentialFormSchema = z
  .object({
    environment: z.enum(MpesaEnvironment, "Choose an environment."),
    accountType: z.enum(["paybill", "till"], "Choose paybill or till."),
    stkShortcode: digits("STK shortcode"),
    tillNumber: text().trim().max(8).optional(),
    shortcode: digits("Organisation shortcode"),
    consumerKey: secret,
    consumerSecret: secret,
    passkey: secret,
    initiatorName: text().trim().max(100).optional(),
    initiatorPassword: secret,
    certificatePem: text({ multiline: true }).trim().max(20_000).optional(),
    c2bVersion: z.enum(["v1", "v2"]).default("v1"),
  })
  .superRefine((v, ctx) => {
    if (v.accountType === "till" && !/^\d{5,8}$/.test(v.tillNumber ?? ""))
      ctx.addIssue({ code: "custom", path: ["tillNumber"], message: "Till number: 5 to 8 digits." });
    if (v.certificatePem) {
      try {
        createPublicKey(v.certificatePem); // an X.509 certificate, or the simulator's bare public key
      } catch {
        ctx.addIssue({
          code: "custom",
          path: ["certificatePem"],
          message: "Certificate: paste the PEM certificate Safaricom gives for this environment.",
        });
      }
    }
  });

export type MpesaCredentialForm = z.input<typeof mpesaCredentialFormSchema>;

const SECRETS = ["consumerKey", "consumerSecret", "passkey", "initiatorPassword"] as const;

/**
 * Saves a merchant's Daraja credentials for one environment. Secrets left blank keep their stored
 * value (the form never shows them back); every value is re-sealed with the active key. The
 * environment's cached OAuth token is dropped so the new credentials take effect at once.
 * Audited with which fields changed, never their values. Production credentials decide where
 * real money goes, so only an owner may change them (as only an owner may switch to production).
 */
export async function saveMpesaCredential(
  db: DbClient,
  keyring: Keyring,
  options: { merchantId: string; form: MpesaCredentialForm; actor: UserActor & { role: Role } },
) {
  const parsed = mpesaCredentialFormSchema.safeParse(options.form);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError("validation_failed", issue?.message ?? "Check the M-Pesa settings.", {
      field: issue?.path.join("."),
    });
  }
  const form = parsed.data;
  if (form.environment === "production" && options.actor.role !== "owner")
    throw new AppError("forbidden", "Only an owner can change production credentials: they move real money.");
  return inTransaction(db, async (tx) => {
    const row = await tx.mpesaCredential.findUnique({
      where: { merchantId_environment: { merchantId: options.merchantId, environment: form.environment } },
    });
    const stored = row ? openMpesaCredential(keyring, row) : null;
    const consumerKey = form.consumerKey ?? stored?.consumerKey;
    const consumerSecret = form.consumerSecret ?? stored?.consumerSecret;
    const passkey = form.passkey ?? stored?.passkey;
    if (!consumerKey || !consumerSecret || !passkey)
      throw new AppError(
        "validation_failed",
        "Consumer key, consumer secret and passkey are needed the first time.",
      );
    const input: MpesaCredentialInput = {
      environment: form.environment,
      consumerKey,
      consumerSecret,
      passkey,
      stkShortcode: form.stkShortcode,
      tillNumber: form.accountType === "till" ? (form.tillNumber ?? null) : null,
      shortcode: form.shortcode,
      initiatorName: form.initiatorName || null,
      initiatorPassword: form.initiatorPassword ?? stored?.initiator?.password ?? null,
      certificatePem: form.certificatePem || row?.certificatePem || null,
      c2bVersion: form.c2bVersion,
    };
    const saved = await upsertMpesaCredential(tx, keyring, options.merchantId, input);
    await tx.darajaToken.deleteMany({ where: { key: `${options.merchantId}:${form.environment}` } });
    await appendAuditLog(tx, {
      merchantId: options.merchantId,
      actor: { type: "user", ...options.actor },
      action: row ? "mpesa.credentials_updated" : "mpesa.credentials_added",
      target: { type: "mpesa_credential", id: saved.id },
      metadata: {
        environment: form.environment,
        stkShortcode: form.stkShortcode,
        shortcode: form.shortcode,
        tillNumber: input.tillNumber,
        secretsChanged: SECRETS.filter((name) => form[name] !== undefined),
        certificateChanged: Boolean(form.certificatePem),
      },
    });
    return saved;
  });
}
