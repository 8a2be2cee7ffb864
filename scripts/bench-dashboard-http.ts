// `npm run bench:dashboard:http -- --url http://localhost:3000 [--email E --password P] [--runs 20]`:
// the dashboard as a browser gets it, against a running Malipo (`npm start` on a database filled by
// `npm run seed:large`). Signs in through next-auth's credentials endpoint, then times the complete
// server response (rendered page or JSON) of the Payments page, filtered pages, the Overview and
// their live endpoints. Over loopback this is server time plus well under a millisecond.
// Prints p50/p95/max; exits 1 when a p95 exceeds the budget (100 ms).
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadLocalState } from "./lib/local-state";

const { values } = parseArgs({
  options: {
    url: { type: "string", default: "http://localhost:3000" },
    email: { type: "string", default: "owner@duka.example" },
    password: { type: "string" },
    runs: { type: "string", default: "20" },
    warmup: { type: "string", default: "3" },
    budget: { type: "string", default: "100" },
  },
});
const base = values.url.replace(/\/$/, "");
const runs = Number(values.runs);
const budgetMs = Number(values.budget);
const password =
  values.password ??
  process.env.DEMO_PASSWORD ??
  loadLocalState(join(import.meta.dirname, "..", ".malipo", "local.json")).demoPassword;

/** Cookies as a browser would keep them, from Set-Cookie headers. */
const jar = new Map<string, string>();
const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
function keep(response: Response) {
  for (const line of response.headers.getSetCookie()) {
    const [pair = ""] = line.split(";");
    const at = pair.indexOf("=");
    jar.set(pair.slice(0, at), pair.slice(at + 1));
  }
}

async function signIn() {
  const csrf = await fetch(`${base}/api/auth/csrf`);
  keep(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookieHeader() },
    body: new URLSearchParams({ csrfToken, email: values.email, password, callbackUrl: "/" }),
  });
  keep(res);
  if (![...jar.keys()].some((name) => name.includes("session-token")))
    throw new Error(`sign-in as ${values.email} failed (HTTP ${res.status}): check --email/--password`);
}

async function time(path: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${base}${path}`, { headers: { Cookie: cookieHeader() }, redirect: "manual" });
  await res.arrayBuffer(); // the whole body: a streamed page is only done when its last chunk is
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
  return performance.now() - started;
}

const day = (daysAgo: number) =>
  new Date(Date.now() + 3 * 3_600_000 - daysAgo * 86_400_000).toISOString().slice(0, 10);
const CASES: [string, string][] = [
  ["Payments page", "/payments"],
  ["Payments page: status failed", "/payments?status=failed"],
  [
    "Payments page: last 7 days, KES 1,000-5,000",
    `/payments?from=${day(7)}&to=${day(0)}&minAmount=1000&maxAmount=5000`,
  ],
  ["Payments page: a reference", "/payments?reference=DEMO-1001"],
  ["Payments live list (JSON)", "/api/dashboard/payments?limit=50"],
  ["Payments live list: paid, 30 days", `/api/dashboard/payments?limit=50&status=paid&from=${day(30)}`],
  ["Overview page", "/"],
  ["Overview live figures (JSON)", "/api/dashboard/overview"],
];

const percentile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;

await signIn();
console.log(`${base} as ${values.email}: ${runs} timed runs after ${values.warmup} warm-ups\n`);
console.log(`${"request".padEnd(44)}${"p50".padStart(9)}${"p95".padStart(9)}${"max".padStart(9)}`);
let over = 0;
for (const [name, path] of CASES) {
  for (let i = 0; i < Number(values.warmup); i++) await time(path);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await time(path));
  samples.sort((a, b) => a - b);
  const p95 = percentile(samples, 0.95);
  if (p95 > budgetMs) over += 1;
  const ms = (v: number) => `${v.toFixed(1)} ms`.padStart(9);
  console.log(
    `${name.padEnd(44)}${ms(percentile(samples, 0.5))}${ms(p95)}${ms(samples.at(-1) ?? 0)}${p95 > budgetMs ? "  over budget" : ""}`,
  );
}
if (over > 0) {
  console.error(`\n${over} request(s) over the ${budgetMs} ms budget at p95`);
  process.exit(1);
}
