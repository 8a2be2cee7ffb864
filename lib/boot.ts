// Server start-up: validate the environment so a bad value stops the server with a clear
// message instead of failing on the first request.
import { EnvError, getEnv } from "./env";
import { getLogger } from "./logger";

export async function boot(): Promise<void> {
  try {
    const env = getEnv();
    getLogger().info({ nodeEnv: env.NODE_ENV, port: env.PORT }, "malipo server starting");
    const { startInProcessPulls, startInProcessReconciliation } = await import("./background");
    startInProcessReconciliation();
    startInProcessPulls();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
