// The drills whose probes need Next's request context faked (tests/support/next-request.ts) run
// inside Vitest: their scripts start the integration test files with this, on the server given.
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..", "..", "..");

/**
 * Runs `files` in Vitest's integration project with `env` added (TEST_DATABASE_URL set from
 * `databaseUrl` when given) and returns its exit code.
 */
export function runInVitest(
  files: string[],
  options: { databaseUrl?: string; env?: Record<string, string>; testTimeoutMs?: number } = {},
): number {
  const timeout = options.testTimeoutMs ? ["--testTimeout", String(options.testTimeoutMs)] : [];
  const run = spawnSync("npx", ["vitest", "run", "--project", "integration", ...timeout, ...files], {
    cwd: ROOT,
    stdio: "inherit",
    env: {
      ...process.env,
      ...options.env,
      ...(options.databaseUrl ? { TEST_DATABASE_URL: options.databaseUrl } : {}),
    },
  });
  return run.status ?? 1;
}
