// The Daraja simulator as the default M-Pesa for `npm run dev`: started in the launcher's process
// when some merchant's environment is `simulator` and no MPESA_BASE_URL redirects Daraja calls.
import type { Db } from "../../lib/db";
import { PULL_OVERLAP_MS } from "../../lib/payments/reconciliation/pull-transactions";
import { type Simulator, startSimulator } from "../../lib/simulator/server";

export async function startSimulatorIfNeeded(
  db: Db,
  env: NodeJS.ProcessEnv,
  log: (msg: string) => void,
): Promise<Simulator | null> {
  if (env.MPESA_BASE_URL) return null;
  const needed = await db.merchant.count({ where: { environment: "simulator" } });
  if (needed === 0) return null;
  const port = Number(env.MPESA_SIM_PORT || 4010);
  try {
    const sim = await startSimulator({
      port,
      consumerKey: env.MPESA_CONSUMER_KEY || undefined,
      consumerSecret: env.MPESA_CONSUMER_SECRET || undefined,
      log: (msg) => log(`simulator: ${msg}`),
    });
    // The simulator keeps its ledger in memory, so its record of M-Pesa starts now: Pull
    // Transactions must not read its silence about earlier money as "not at M-Pesa" (a scheduled
    // pull starts PULL_OVERLAP_MS before pulledUntil, so this makes the next one start now).
    await db.mpesaCredential.updateMany({
      where: { environment: "simulator" },
      data: { pulledUntil: new Date(Date.now() + PULL_OVERLAP_MS) },
    });
    return sim;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new Error(
        `port ${port} is taken, so the Daraja simulator cannot start. Set MPESA_SIM_PORT to a free port.`,
      );
    }
    throw error;
  }
}
