-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "scopes" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "events" ADD COLUMN     "trace_context" TEXT;

-- AlterTable
ALTER TABLE "payments" ADD COLUMN     "trace_context" TEXT;

-- AlterTable
ALTER TABLE "payouts" ADD COLUMN     "trace_context" TEXT;

-- Keys made before scopes existed keep what their creator's role may do today (the same rule
-- new keys follow); a key whose creator has left keeps what a developer could grant.
UPDATE "api_keys" AS k SET "scopes" = CASE (
    SELECT m."role"::text FROM "memberships" m
     WHERE m."user_id" = k."created_by_id" AND m."merchant_id" = k."merchant_id")
  WHEN 'owner' THEN ARRAY['payments:read','payments:write','checkout:write','payouts:read','payouts:write','events:read','webhooks:manage','reconciliation:write']
  WHEN 'admin' THEN ARRAY['payments:read','payments:write','checkout:write','payouts:read','payouts:write','events:read','webhooks:manage','reconciliation:write']
  WHEN 'approver' THEN ARRAY['payments:read','payouts:read','events:read','reconciliation:write']
  WHEN 'viewer' THEN ARRAY['payments:read','payouts:read','events:read']
  ELSE ARRAY['payments:read','payments:write','checkout:write','payouts:read','events:read']
END;
