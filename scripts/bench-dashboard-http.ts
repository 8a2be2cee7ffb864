// `npm run bench:dashboard:http -- --url http://localhost:3000 [--email E --password P] [--runs 20]
//  [--warmup 3] [--budget 30] [--export] [--server-pid <pid>]`:
// the dashboard as a browser gets it, against a running Malipo (`npm start` on a database filled by
// `npm run seed:large`). Signs in through next-auth's credentials endpoint, then times the complete
// server response (rendered page or JSON) of every list page (Payments and its filters, Payouts'
// tabs, Callbacks, Audit log, Reconciliation), the Overview and the live endpoints. Over loopback
// this is server time plus well under a millisecond. The baseline, in the same run: the session
// endpoint, the least a signed-in request through Next costs (cookie decrypted, JSON answered,
// no page, no query), so each page's figure splits into that floor and the page's own work.
// With --server-pid (the server's process id, same machine) it also prints the server's CPU time per
// request (from /proc, so other processes on a busy machine do not count) and each response's size.
// With --export it then downloads the whole payments CSV, counting rows, and with --server-pid
// samples the server's resident memory while it streams.
// --warmup N loads every request N times, round by round, before timing any (default 3). A server
// just started is still compiling for its first few hundred loads (30-60% slower); `--warmup 60`
// measures one that has been running, as a deployed server has (docs/performance.md reports both).
// Prints p50/p95/max; exits 1 when a p95 exceeds the budget (30 ms).
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { percentile, processCpuMs } from "./lib/bench";
import { loadLocalState } from "./lib/local-state";

const { values } = parseArgs({
  options: {
    url: { type: "string", default: "http://localhost:3000" },
    email: { type: "string", default: "owner@duka.example" },
    password: { type: "string" },
    runs: { type: "string", default: "20" },
    warmup: { type: "string", default: "3" },
    budget: { type: "string", default: "30" },
    export: { type: "boolean", default: false },
    "server-pid": { type: "string" },
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

/** Bytes of the last response body (uncompressed). */
let lastBytes = 0;

async function time(path: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${base}${path}`, { headers: { Cookie: cookieHeader() }, redirect: "manual" });
  // the whole body: a streamed page is only done when its last chunk is
  lastBytes = (await res.arrayBuffer()).byteLength;
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
  return performance.now() - started;
}

const day = (daysAgo: number) =>
  new Date(Date.now() + 3 * 3_600_000 - daysAgo * 86_400_000).toISOString().slice(0, 10);
const CASES: [string, string][] = [
  ["baseline: session endpoint (no page, no query)", "/api/auth/session"],
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
  ["Payouts page (waiting for me)", "/payouts"],
  ["Payouts page: paid", "/payouts?tab=paid"],
  ["Callbacks page", "/callbacks"],
  ["Audit log page", "/audit-log"],
  ["Reconciliation page", "/reconciliation"],
];

/** Resident memory of the server process in bytes (Linux /proc), null when unreadable. */
function serverRss(): number | null {
  const pid = values["server-pid"];
  if (!pid) return null;
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Number(kb) * 1024 : null;
  } catch {
    return null;
  }
}

/** CPU time the server process has used so far in ms, null without --server-pid or when unreadable. */
const serverCpuMs = () => processCpuMs(values["server-pid"]);

/**
 * The whole payments CSV, read as fast as this client can: time, rows, bytes, and (with
 * --server-pid) the server's resident memory before and at its peak while it streamed. Baseline
 * (with DATABASE_URL): the same rows read straight from PostgreSQL through `pg` in the same
 * 1,000-row keyset pages and made into CSV text, no Next, no Prisma, no HTTP.
 */
async function timeExport() {
  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
  const before = serverRss();
  let peak = before ?? 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, serverRss() ?? 0);
  }, 100);
  const started = performance.now();
  const res = await fetch(`${base}/api/dashboard/payments/export`, { headers: { Cookie: cookieHeader() } });
  if (res.status !== 200 || !res.body) throw new Error(`the export answered ${res.status}`);
  let bytes = 0;
  let newlines = 0;
  let firstByteMs = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value: chunk } = await reader.read();
    if (done) break;
    if (!firstByteMs) firstByteMs = performance.now() - started;
    bytes += chunk.length;
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) newlines += 1;
  }
  const ms = performance.now() - started;
  clearInterval(sampler);
  const rows = newlines - 1;
  console.log(
    `\npayments CSV export: ${rows.toLocaleString("en")} rows, ${mb(bytes)} in ${(ms / 1000).toFixed(1)} s ` +
      `(${Math.round(rows / (ms / 1000)).toLocaleString("en")} rows/s, first byte after ${firstByteMs.toFixed(0)} ms)`,
  );
  if (before !== null)
    console.log(
      `  server resident memory: ${mb(before)} before, ${mb(peak)} at the peak: +${mb(peak - before)} while streaming`,
    );
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) return;
  const sql = new pg.Client({ connectionString: databaseUrl });
  await sql.connect();
  try {
    const merchantId = (
      await sql.query<{ id: string }>(
        "SELECT m.id FROM merchants m JOIN memberships s ON s.merchant_id = m.id JOIN users u ON u.id = s.user_id WHERE u.email = $1 ORDER BY m.created_at LIMIT 1",
        [values.email],
      )
    ).rows[0]?.id;
    if (!merchantId) return;
    const cols =
      "id, created_at, status::text, amount, reference, phone_masked, receipt, result_code, settled_at";
    const t = performance.now();
    let baseRows = 0;
    let baseBytes = 0;
    let after: { created_at: Date; id: string } | undefined;
    for (;;) {
      const { rows: page } = after
        ? await sql.query(
            `SELECT ${cols} FROM payments WHERE merchant_id = $1 AND (created_at, id) < ($2, $3) ORDER BY created_at DESC, id DESC LIMIT 1000`,
            [merchantId, after.created_at, after.id],
          )
        : await sql.query(
            `SELECT ${cols} FROM payments WHERE merchant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1000`,
            [merchantId],
          );
      for (const r of page)
        baseBytes += `${Object.values(r)
          .map((v) => String(v ?? ""))
          .join(",")}\n`.length;
      baseRows += page.length;
      after = page.at(-1);
      if (page.length < 1000) break;
    }
    const baseMs = performance.now() - t;
    console.log(
      `  baseline: the same ${baseRows.toLocaleString("en")} rows through plain pg in 1,000-row keyset pages, CSV-joined: ${(baseMs / 1000).toFixed(1)} s (${mb(baseBytes)}) → the export takes ${(ms / baseMs).toFixed(1)}× the baseline`,
    );
  } finally {
    await sql.end();
  }
}

await signIn();
console.log(`${base} as ${values.email}: ${runs} timed runs after ${values.warmup} warm-ups\n`);
const cpuShown = serverCpuMs() !== null;
console.log(
  `${"request".padEnd(48)}${"p50".padStart(9)}${"p95".padStart(9)}${"max".padStart(9)}${cpuShown ? "  CPU/req" : ""}${"  size".padEnd(10)}`,
);
let over = 0;
let floor = 0;
// Every request is warmed before any is timed, round by round, so the first cases are not timed on a
// server that later cases find warmer (a server just started is still compiling).
for (let i = 0; i < Number(values.warmup); i++) for (const [, path] of CASES) await time(path);
for (const [name, path] of CASES) {
  const samples: number[] = [];
  const cpuBefore = serverCpuMs();
  for (let i = 0; i < runs; i++) samples.push(await time(path));
  const cpuAfter = serverCpuMs();
  const cpu =
    cpuBefore !== null && cpuAfter !== null
      ? `${((cpuAfter - cpuBefore) / runs).toFixed(1)} ms`.padStart(9)
      : "";
  const size = `${(lastBytes / 1024).toFixed(1)} KB`.padStart(9);
  samples.sort((a, b) => a - b);
  const p50 = percentile(samples, 0.5);
  const p95 = percentile(samples, 0.95);
  const baseline = path === "/api/auth/session";
  if (baseline) floor = p50;
  else if (p95 > budgetMs) over += 1;
  const ms = (v: number) => `${v.toFixed(1)} ms`.padStart(9);
  console.log(
    `${name.padEnd(48)}${ms(p50)}${ms(p95)}${ms(samples.at(-1) ?? 0)}${cpu}${size}${baseline ? "" : `   ${(p50 / floor).toFixed(1)}× the floor`}${!baseline && p95 > budgetMs ? "  over budget" : ""}`,
  );
}
console.log(`\nmachine: ${cpus().length} cores, load average ${loadavg()[0]?.toFixed(1)} at the end`);
if (values.export) await timeExport();
if (over > 0) {
  console.error(`\n${over} request(s) over the ${budgetMs} ms budget at p95`);
  process.exit(1);
}
