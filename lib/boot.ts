// Server start-up: validate the environment so a bad value stops the server with a clear
// message instead of failing on the first request.
import { EnvError, getEnv } from "./env";
import { getLogger } from "./logger";

export function boot(): void {
  try {
    const env = getEnv();
    getLogger().info({ nodeEnv: env.NODE_ENV, port: env.PORT }, "malipo server starting");
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
