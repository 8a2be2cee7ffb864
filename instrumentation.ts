// Runs once when the server boots: validate the environment so a bad value stops start-up with
// a clear message instead of failing on the first request.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { getEnv } = await import("./lib/env");
  const { getLogger } = await import("./lib/logger");
  try {
    getEnv();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
  getLogger().info("malipo server started");
}
