// `npm run test:e2e`: build the app for production, then run Playwright against `npm start`
// (playwright.config.ts starts the server with a throwaway embedded PostgreSQL).
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const bin = (name: string) => join(root, "node_modules", ".bin", name);
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: root, env, stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (!process.argv.includes("--no-build")) run(bin("next"), ["build"]);
run(bin("playwright"), ["test", ...process.argv.slice(2).filter((a) => a !== "--no-build")]);
