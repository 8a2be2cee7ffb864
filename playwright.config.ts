// End-to-end tests against the production build (`next build`, then `npm start`'s server), a throwaway
// embedded PostgreSQL and known demo credentials. scripts/test-e2e.ts builds first.
import { existsSync } from "node:fs";
import { defineConfig, devices } from "@playwright/test";

const port = Number(process.env.E2E_PORT ?? 3100);
export const E2E_PASSWORD = "e2e-demo-password-1";
export const E2E_API_KEY = "e2e-demo-api-key-0000000000001";
export const E2E_SIM_PORT = Number(process.env.E2E_SIM_PORT ?? 4110);
const chromium =
  process.env.CHROMIUM_PATH ?? (existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined);

export default defineConfig({
  testDir: "tests/e2e",
  outputDir: "test-results/e2e",
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  reporter: [["list"]],
  use: {
    baseURL: `http://localhost:${port}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: chromium,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  projects: [
    { name: "desktop", use: { ...devices["Desktop Chrome"], viewport: { width: 1280, height: 800 } } },
  ],
  webServer: {
    command: "tsx scripts/dev.ts --prod --ephemeral",
    url: `http://localhost:${port}/api/health`,
    timeout: 180_000,
    reuseExistingServer: false,
    // SIGTERM lets the launcher stop its embedded PostgreSQL and simulator instead of orphaning them.
    gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
    stdout: "pipe",
    env: {
      PORT: String(port),
      DATABASE_URL: "",
      DEMO_PASSWORD: E2E_PASSWORD,
      DEMO_API_KEY: E2E_API_KEY,
      MPESA_SIM_PORT: String(E2E_SIM_PORT),
      NEXT_TELEMETRY_DISABLED: "1",
      // tests/e2e/webhooks.spec.ts delivers to a receiver on this machine.
      WEBHOOKS_ALLOW_PRIVATE_TARGETS: "true",
    },
  },
});
