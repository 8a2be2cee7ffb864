// POST /api/v1/reconciliation/pull: read M-Pesa's record (Pull Transactions) for a window of the
// last 48 hours ({ from, to }, ISO 8601; both optional) and match it; answers what it found.
import { pullWindowSchema } from "@/lib/api/contracts/reconciliation";
import { apiRoute } from "@/lib/api/route";
import { getDb } from "@/lib/db";
import { pullTransactions } from "@/lib/payments/reconciliation/pull-transactions";
import { paymentsRuntime } from "@/lib/payments-runtime";

export const POST = apiRoute("reconciliation:write", async ({ request, caller }) => {
  const text = await request.text();
  const window = pullWindowSchema.parse(text.trim() === "" ? {} : JSON.parse(text));
  const counts = await pullTransactions(
    { ...paymentsRuntime().deps, db: getDb() },
    {
      merchantId: caller.merchantId,
      from: window.from,
      to: window.to,
      actor: { type: "api_key", id: caller.apiKeyId, label: `API key ${caller.prefix}` },
    },
  );
  return Response.json({ object: "reconciliation_pull", ...counts });
});
