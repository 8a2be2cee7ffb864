import { timingSafeEqual } from "node:crypto";

/**
 * Who may read /api/metrics: with METRICS_TOKEN set, a request bearing it; without one, nobody
 * in production ("hidden": answered 404) and anybody in development or test, so a local
 * Prometheus works with no setup.
 */
export function metricsAccess(
  authorization: string | null,
  options: { token: string | undefined; nodeEnv: string },
): "allowed" | "unauthorized" | "hidden" {
  if (!options.token) return options.nodeEnv === "production" ? "hidden" : "allowed";
  const presented = Buffer.from(authorization?.match(/^Bearer (.+)$/i)?.[1]?.trim() ?? "");
  const expected = Buffer.from(options.token);
  return presented.length === expected.length && timingSafeEqual(presented, expected)
    ? "allowed"
    : "unauthorized";
}
