// GET /api/health?check=live: the process answers (no database). GET /api/health (or
// ?check=ready): ready to take callbacks, with the database's latency, the inbox backlog, this
// instance's spool, Daraja reachability per environment in use and how background work runs.
// 503 when not ready, naming the failed check. Counts only: never bodies, secrets or phones. Why
// the database failed is logged, and shown only to a caller bearing METRICS_TOKEN.
import { inngestConfigured } from "@/lib/background/client";
import { getDb } from "@/lib/db";
import { getEnv, mpesaBaseUrl } from "@/lib/env";
import { getLogger } from "@/lib/logger";
import { checkReadiness, publicReadiness } from "@/lib/observability/check-health";
import { metricsAccess } from "@/lib/observability/metrics-access";

export const dynamic = "force-dynamic";

export async function GET(request?: Request) {
  const check = (request && new URL(request.url).searchParams.get("check")) || "ready";
  if (check === "live") return Response.json({ status: "live", uptimeSeconds: Math.round(process.uptime()) });
  if (check !== "ready") return Response.json({ error: "check must be live or ready" }, { status: 400 });
  const env = getEnv();
  const readiness = await checkReadiness(getDb(), {
    spoolDir: env.MALIPO_SPOOL_DIR,
    inngest: inngestConfigured() ? "configured" : "in-process",
    darajaBaseUrl: (environment) => mpesaBaseUrl(environment, env),
  });
  if (!readiness.database.ok)
    getLogger().warn({ detail: readiness.database.detail }, "health: database unreachable");
  const operator =
    env.METRICS_TOKEN !== undefined &&
    metricsAccess(request?.headers.get("authorization") ?? null, {
      token: env.METRICS_TOKEN,
      nodeEnv: env.NODE_ENV,
    }) === "allowed";
  return Response.json(operator ? readiness : publicReadiness(readiness), {
    status: readiness.ready ? 200 : 503,
  });
}
