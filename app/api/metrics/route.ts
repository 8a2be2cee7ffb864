// GET /api/metrics: Prometheus text format, for a scraper bearing METRICS_TOKEN (README, Observability).
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { getLogger } from "@/lib/logger";
import { collectGauges } from "@/lib/observability/collect-gauges";
import { installObservability } from "@/lib/observability/install";
import { registry } from "@/lib/observability/metrics";
import { metricsAccess } from "@/lib/observability/metrics-access";

export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  const env = getEnv();
  const access = metricsAccess(request.headers.get("authorization"), {
    token: env.METRICS_TOKEN,
    nodeEnv: env.NODE_ENV,
  });
  if (access === "hidden") return new Response("Not found", { status: 404 });
  if (access === "unauthorized")
    return new Response("Unauthorized", {
      status: 401,
      headers: { "WWW-Authenticate": 'Bearer realm="metrics"' },
    });
  installObservability();
  try {
    await collectGauges(getDb(), { spoolDir: env.MALIPO_SPOOL_DIR });
  } catch (error) {
    // Process metrics are still worth having when the database is down; its gauges keep their last values.
    getLogger().warn({ err: error }, "metrics: database gauges not collected");
  }
  return new Response(await registry.metrics(), { headers: { "Content-Type": registry.contentType } });
}
