// A Prisma client that can only see one merchant's rows. Every query on a tenant model gets
// `merchantId` forced into its filter (and into the data of creates), so forgetting a
// `where: { merchantId }` cannot leak another merchant's data. Pages and actions get one only
// through requireTenant(), after the user's membership and role were checked.

import type { PrismaClient } from "../../prisma/generated/prisma/client";
import type { DbClient } from "../db-types";

/** Every model with a `merchantId` column. tests/unit/tenant-models.test.ts keeps this in step with the schema. */
export const TENANT_MODELS = new Set<string>([
  "Membership",
  "Invitation",
  "ApiKey",
  "AuditLog",
  "MpesaCredential",
  "CheckoutSession",
  "Payment",
  "C2bTransaction",
  "CallbackInbox",
  "DarajaCall",
  "ReviewItem",
  "RefusedCallback",
  "PayoutPolicy",
  "PayoutBatch",
  "Payout",
  "PayoutApproval",
  "AccountBalance",
  "ReconciliationRun",
  "Reversal",
  "ReversalApproval",
  "MpesaRecord",
  "StatementImport",
  "ReconciliationDay",
  "Event",
  "WebhookEndpoint",
  "WebhookDelivery",
  "WebhookAttempt",
]);

const FILTERED = new Set([
  "findUnique",
  "findUniqueOrThrow",
  "findFirst",
  "findFirstOrThrow",
  "findMany",
  "count",
  "aggregate",
  "groupBy",
  "update",
  "updateMany",
  "updateManyAndReturn",
  "delete",
  "deleteMany",
]);
const CREATES = new Set(["create", "createMany", "createManyAndReturn"]);

type Args = Record<string, unknown> & { where?: Record<string, unknown>; data?: unknown; create?: unknown };

export function scopeArgs(
  model: string | undefined,
  operation: string,
  args: Args,
  merchantId: string,
): Args {
  if (!model || !TENANT_MODELS.has(model)) return args;
  if (FILTERED.has(operation)) return { ...args, where: { ...args.where, merchantId } };
  // A row written with another merchant's id, or none (an audit entry for the global chain), is a
  // bug in the caller: refuse it loudly rather than silently re-stamp it, which would file it under
  // this merchant (and break the hash chain it was meant for).
  const stamp = (row: Record<string, unknown>) => {
    if ("merchantId" in row && row.merchantId !== merchantId)
      throw new Error(`tenant-scoped ${model}.${operation} refused a row for another merchant`);
    return { ...row, merchantId };
  };
  if (CREATES.has(operation)) {
    const data = Array.isArray(args.data)
      ? args.data.map((row: Record<string, unknown>) => stamp(row))
      : stamp(args.data as Record<string, unknown>);
    return { ...args, data };
  }
  if (operation === "upsert") {
    return {
      ...args,
      where: { ...args.where, merchantId },
      create: stamp(args.create as Record<string, unknown>),
    };
  }
  throw new Error(`tenant-scoped ${model}.${operation} is not supported`);
}

/** Typed as a plain DbClient: the extension only rewrites arguments, the model API is unchanged. */
export function tenantDb(db: PrismaClient, merchantId: string): TenantDb {
  const scoped = db.$extends({
    name: "tenant-scope",
    query: {
      $allModels: {
        $allOperations({ model, operation, args, query }) {
          return query(scopeArgs(model, operation, args as Args, merchantId));
        },
      },
    },
  });
  return scoped as unknown as TenantDb;
}

export type TenantDb = DbClient & { readonly __tenantScoped?: never };
