"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { appUrl } from "@/lib/env";
import { AppError, asAppError } from "@/lib/errors";
import { registerC2bUrls } from "@/lib/merchants/register-c2b-urls";
import { saveMpesaCredential } from "@/lib/merchants/save-mpesa-credential";
import { setMerchantEnvironment } from "@/lib/merchants/set-merchant-environment";
import { updateMerchantProfile } from "@/lib/merchants/update-merchant-profile";
import { DarajaError } from "@/lib/payments/daraja/errors";
import { updatePayoutPolicy } from "@/lib/payments/payouts/update-payout-policy";
import { paymentsRuntime } from "@/lib/payments-runtime";
import { apiScopeSchema } from "@/lib/security/api-scopes";
import { createApiKey, revokeApiKey } from "@/lib/security/manage-api-keys";
import { requireTenant } from "@/lib/session";
import { createInvitation } from "@/lib/team/create-invitation";
import { removeMember } from "@/lib/team/remove-member";
import { revokeInvitation } from "@/lib/team/revoke-invitation";
import { updateMemberRole } from "@/lib/team/update-member-role";
import { MpesaEnvironment, Role } from "@/prisma/generated/prisma/enums";

export type KeyState = { error: string | null; key: string | null };

/** The ticked scope checkboxes; which of them this member may grant is the core's decision. */
const keyScopesSchema = z.array(apiScopeSchema);

export async function createKeyAction(_prev: KeyState, form: FormData): Promise<KeyState> {
  const tenant = await requireTenant("apikeys:manage");
  const scopes = keyScopesSchema.safeParse(form.getAll("scopes"));
  if (!scopes.success) return { error: "That is not a scope an API key can have.", key: null };
  try {
    const { key } = await createApiKey(tenant.db, {
      merchantId: tenant.merchant.id,
      name: String(form.get("name") ?? ""),
      scopes: scopes.data,
      // The role is the session's, never the form's.
      role: tenant.role,
      actor: tenant.actor,
    });
    revalidatePath("/settings");
    return { error: null, key };
  } catch (error) {
    if (error instanceof AppError) return { error: error.publicMessage, key: null };
    throw error;
  }
}

/** Revokes an API key; an unknown, malformed or another merchant's id is answered, not thrown. */
export async function revokeKeyAction(apiKeyId: unknown): Promise<{ error: string | null }> {
  const tenant = await requireTenant("apikeys:manage");
  const id = z.uuid().safeParse(apiKeyId);
  if (!id.success) return { error: "No active API key with this id." };
  return teamChange(() =>
    revokeApiKey(tenant.db, { merchantId: tenant.merchant.id, apiKeyId: id.data, actor: tenant.actor }),
  );
}

export type InviteState = { error: string | null; link: string | null; email: string | null };

export async function inviteAction(_prev: InviteState, form: FormData): Promise<InviteState> {
  const tenant = await requireTenant("team:manage");
  try {
    const { token, invitation } = await createInvitation(tenant.db, {
      merchantId: tenant.merchant.id,
      email: String(form.get("email") ?? ""),
      role: String(form.get("role") ?? "") as Role,
      actor: tenant.actor,
    });
    revalidatePath("/settings");
    return { error: null, link: `${appUrl()}/invite/${token}`, email: invitation.email };
  } catch (error) {
    if (error instanceof AppError) return { error: error.publicMessage, link: null, email: null };
    throw error;
  }
}

const memberChangeSchema = z.object({ membershipId: z.uuid(), role: z.enum(Role) });

/** Changes a teammate's role; answers with a message instead of throwing, for the inline form. */
export async function changeRoleAction(input: unknown): Promise<{ error: string | null }> {
  const tenant = await requireTenant("team:manage");
  const parsed = memberChangeSchema.safeParse(input);
  if (!parsed.success) return { error: "Choose a role." };
  return teamChange(() =>
    updateMemberRole(tenant.db, {
      merchantId: tenant.merchant.id,
      ...parsed.data,
      actor: tenant.actor,
    }),
  );
}

export async function removeMemberAction(membershipId: unknown): Promise<{ error: string | null }> {
  const tenant = await requireTenant("team:manage");
  const id = z.uuid().safeParse(membershipId);
  if (!id.success) return { error: "No such team member." };
  return teamChange(() =>
    removeMember(tenant.db, {
      merchantId: tenant.merchant.id,
      membershipId: id.data,
      actor: tenant.actor,
    }),
  );
}

export async function revokeInvitationAction(invitationId: unknown): Promise<{ error: string | null }> {
  const tenant = await requireTenant("team:manage");
  const id = z.uuid().safeParse(invitationId);
  if (!id.success) return { error: "No such invitation." };
  return teamChange(() =>
    revokeInvitation(tenant.db, {
      merchantId: tenant.merchant.id,
      invitationId: id.data,
      actor: tenant.actor,
    }),
  );
}

async function teamChange(change: () => Promise<unknown>): Promise<{ error: string | null }> {
  try {
    await change();
    revalidatePath("/settings");
    return { error: null };
  } catch (error) {
    const known = asAppError(error);
    if (known) return { error: known.publicMessage };
    throw error;
  }
}

export type MpesaState = { error: string | null; saved: boolean };

/** Saves one environment's Daraja credentials; blank secret fields keep the stored ones. */
export async function saveMpesaAction(_prev: MpesaState, form: FormData): Promise<MpesaState> {
  const tenant = await requireTenant("mpesa:manage");
  const text = (name: string) => (form.has(name) ? String(form.get(name)) : undefined);
  try {
    await saveMpesaCredential(tenant.db, paymentsRuntime().deps.keyring, {
      merchantId: tenant.merchant.id,
      form: {
        environment: text("environment") as MpesaEnvironment,
        accountType: text("accountType") as "paybill" | "till",
        stkShortcode: text("stkShortcode") ?? "",
        tillNumber: text("tillNumber"),
        shortcode: text("shortcode") ?? "",
        consumerKey: text("consumerKey") ?? "",
        consumerSecret: text("consumerSecret") ?? "",
        passkey: text("passkey") ?? "",
        initiatorName: text("initiatorName"),
        initiatorPassword: text("initiatorPassword") ?? "",
        certificatePem: text("certificatePem"),
        c2bVersion: text("c2bVersion") === "v2" ? "v2" : "v1",
      },
      actor: tenant.actor,
    });
    revalidatePath("/settings");
    return { error: null, saved: true };
  } catch (error) {
    if (error instanceof AppError) return { error: error.publicMessage, saved: false };
    throw error;
  }
}

export async function setEnvironmentAction(environment: unknown): Promise<{ error: string | null }> {
  const tenant = await requireTenant("mpesa:manage");
  const parsed = z.enum(MpesaEnvironment).safeParse(environment);
  if (!parsed.success) return { error: "Choose an environment." };
  try {
    await setMerchantEnvironment(tenant.db, {
      merchantId: tenant.merchant.id,
      environment: parsed.data,
      actor: tenant.actor,
    });
  } catch (error) {
    if (error instanceof AppError) return { error: error.publicMessage };
    throw error;
  }
  revalidatePath("/", "layout");
  return { error: null };
}

/** Registers the C2B URLs with M-Pesa now; Daraja's refusal comes back as the message. */
export async function registerC2bAction(): Promise<{ error: string | null; message: string | null }> {
  const tenant = await requireTenant("mpesa:manage");
  try {
    const result = await registerC2bUrls(tenant.db, paymentsRuntime().deps, {
      merchantId: tenant.merchant.id,
      actor: { type: "user", ...tenant.actor },
    });
    return { error: null, message: `C2B URLs registered. M-Pesa said: ${result.description || "accepted"}.` };
  } catch (error) {
    if (error instanceof AppError) return { error: error.publicMessage, message: null };
    if (error instanceof DarajaError) return { error: `M-Pesa refused: ${error.message}`, message: null };
    throw error;
  }
}

export type ProfileState = { error: string | null; saved: boolean };

export async function updateProfileAction(_prev: ProfileState, form: FormData): Promise<ProfileState> {
  const tenant = await requireTenant("settings:manage");
  try {
    await updateMerchantProfile(tenant.db, {
      merchantId: tenant.merchant.id,
      name: String(form.get("name") ?? ""),
      actor: tenant.actor,
    });
  } catch (error) {
    if (error instanceof AppError) return { error: error.publicMessage, saved: false };
    throw error;
  }
  revalidatePath("/", "layout");
  return { error: null, saved: true };
}

export type PayoutPolicyState = { error: string | null; saved: boolean };

/** Saves the payout policy (owners only, enforced in the core); blank limits clear them. */
export async function savePayoutPolicyAction(
  _prev: PayoutPolicyState,
  form: FormData,
): Promise<PayoutPolicyState> {
  const tenant = await requireTenant("settings:manage");
  try {
    await updatePayoutPolicy(tenant.db, {
      merchantId: tenant.merchant.id,
      actor: tenant.actor,
      changes: {
        approverRoles: form.getAll("approverRoles").map(String) as ("owner" | "admin" | "approver")[],
        dualApprovalAbove: String(form.get("dualApprovalAbove") ?? ""),
        maxPerPayout: String(form.get("maxPerPayout") ?? ""),
        dailyCeiling: String(form.get("dailyCeiling") ?? ""),
        submitPerSecond: String(form.get("submitPerSecond") ?? ""),
      },
    });
  } catch (error) {
    if (error instanceof AppError) return { error: error.publicMessage, saved: false };
    throw error;
  }
  revalidatePath("/settings");
  revalidatePath("/payouts", "layout");
  return { error: null, saved: true };
}
