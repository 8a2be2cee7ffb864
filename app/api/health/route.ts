// Liveness and database reachability, for load balancers and start-up scripts; also how many
// spooled callbacks this server had to set aside for a person (a count only, never the bodies).
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { countSetAsideCallbacks } from "@/lib/payments/callbacks/callback-spool";

export const dynamic = "force-dynamic";

export async function GET() {
  let spool: { setAside: number | null };
  try {
    spool = { setAside: countSetAsideCallbacks(getEnv().MALIPO_SPOOL_DIR) };
  } catch {
    spool = { setAside: null }; // the spool directory cannot be read: say so rather than fail
  }
  try {
    await getDb().$queryRaw`SELECT 1`;
    return Response.json({ status: "ok", database: "ok", spool });
  } catch {
    return Response.json({ status: "degraded", database: "unreachable", spool }, { status: 503 });
  }
}
