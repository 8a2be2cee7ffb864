// Server start-up: validate the environment so a bad value stops the server with a clear
// message instead of failing on the first request.
import { EnvError, getEnv } from "./env";
import { getLogger } from "./logger";

export async function boot(): Promise<void> {
  try {
    const env = getEnv();
    getLogger().info({ nodeEnv: env.NODE_ENV, port: env.PORT }, "malipo server starting");
    const { installObservability } = await import("./observability/install");
    const { startTracing } = await import("./observability/tracing");
    installObservability();
    if (await startTracing(env)) getLogger().info("exporting traces over OTLP");
    const {
      requestReconciliationAtBoot,
      startInProcessPulls,
      startInProcessReconciliation,
      startInProcessWebhooks,
    } = await import("./background");
    startInProcessReconciliation();
    void requestReconciliationAtBoot();
    startInProcessPulls();
    startInProcessWebhooks();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
