// `npm run bench:next-gc [-- --requests 3000 --keep]`: how much of each request's allocation Next's
// own request handling keeps alive past young collections, with none of Malipo's code involved.
// It writes a minimal Next app to a temporary folder (a root layout, a one-line route handler and
// a dynamic page of 50 rows with Links, the shape of a dashboard list), builds it with this
// project's Next, and serves it from a plain custom server, as scripts/serve.ts does. The baseline,
// in the same run: the same server answering without Next, building a page by hand (about 0.8 MB
// allocated per request, between the route handler's and the page's). Each server runs under
// `node --trace-gc-nvp`, which logs every young collection (what was allocated since the last one,
// what it promoted to the old generation, how long it paused); requests are sequential over one
// keep-alive connection.
//
// Why it matters (docs/performance.md, "Dashboard at 1,000,000 payments"): what a young collection
// has to copy sets its pause, and the pause lands on every 4th-5th dashboard load, so it sets the
// p95. Promotion here is Next's and React's, whatever the app does; rerun this after upgrading
// Next or Node to see whether it has changed. Allocation-site pretenuring is switched off in every
// server: a microbenchmark's own allocation sites can otherwise be pretenured and look promoted.
// Linux only (hard-links node_modules with `cp -al`, which Turbopack needs inside the app's folder).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { percentile } from "./lib/bench";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "3000" },
    warmup: { type: "string", default: "800" },
    port: { type: "string", default: "3390" },
    keep: { type: "boolean", default: false },
  },
});
const requests = Number(values.requests);
const warmup = Number(values.warmup);
const port = Number(values.port);
const root = join(import.meta.dirname, "..");

/** The probe app's files: nothing of Malipo's, only what every dashboard page has from Next. */
const ROWS = `Array.from({ length: 50 }, (_, i) => ({ id: "pay_" + i + "_" + Math.random().toString(36).slice(2), amount: (i + 1) * 100, phone: "2547****" + String(i).padStart(3, "0") }))`;
const FILES: Record<string, string> = {
  "package.json": JSON.stringify({ name: "next-gc-probe", private: true, type: "module" }),
  "next.config.mjs": "export default {};\n",
  "app/layout.js":
    "export default function Layout({ children }) { return <html><body>{children}</body></html>; }\n",
  "app/api/probe/route.js": `export const dynamic = "force-dynamic";\nexport async function GET() { return Response.json({ ok: true }); }\n`,
  "app/list/page.js": `import Link from "next/link";
export const dynamic = "force-dynamic";
export default async function List() {
  const rows = ${ROWS};
  return <table><tbody>{rows.map((r) => <tr key={r.id}><td><Link href={"/list/" + r.id}>{r.id}</Link></td><td>{r.amount}</td><td>{r.phone}</td></tr>)}</tbody></table>;
}
`,
  // PLAIN=1: the same server without Next, building a comparable page by hand for every request.
  "server.mjs": `import http from "node:http";
const port = Number(process.env.PORT);
let handle;
if (process.env.PLAIN) {
  handle = (req, res) => {
    const rows = ${ROWS};
    const cells = rows.map((r) => ({ tag: "tr", children: [{ tag: "td", children: [{ tag: "a", href: "/list/" + r.id, text: r.id }] }, { tag: "td", text: String(r.amount) }, { tag: "td", text: r.phone }] }));
    const render = (n) => "<" + n.tag + (n.href ? ' href="' + n.href + '"' : "") + ">" + (n.text ?? "") + (n.children ?? []).map(render).join("") + "</" + n.tag + ">";
    let html = "";
    for (let i = 0; i < 8; i++) html = "<!DOCTYPE html><html><body><table><tbody>" + cells.map(render).join("") + "</tbody></table>" + JSON.stringify(cells) + "</body></html>";
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(html);
  };
} else {
  const { default: next } = await import("next");
  const app = next({ dev: false, dir: import.meta.dirname });
  await app.prepare();
  handle = app.getRequestHandler();
}
http.createServer((req, res) => handle(req, res)).listen(port, () => console.log("ready"));
`,
};

interface Figures {
  label: string;
  perRequestKb: number;
  promotedPct: number;
  scavenges: number;
  pauseMs: number;
  pauseMaxMs: number;
  p50: number;
  p95: number;
}

/** Sums the main isolate's young collections logged after `fromLine` (key=value pairs per line). */
function youngCollections(log: string, fromLine: number) {
  const byIsolate = new Map<string, Array<Record<string, number>>>();
  for (const line of log.split("\n").slice(fromLine)) {
    if (!line.includes(" gc=s ")) continue;
    const isolate = line.slice(0, line.indexOf("]") + 1);
    const fields: Record<string, number> = {};
    for (const pair of line.split(/\s+/)) {
      const at = pair.indexOf("=");
      if (at > 0) fields[pair.slice(0, at)] = Number(pair.slice(at + 1));
    }
    const collections = byIsolate.get(isolate) ?? [];
    collections.push(fields);
    byIsolate.set(isolate, collections);
  }
  // The server's main thread collects far more often than any helper isolate.
  return [...byIsolate.values()].sort((a, b) => b.length - a.length)[0] ?? [];
}

async function measure(
  dir: string,
  label: string,
  path: string,
  env: Record<string, string>,
): Promise<Figures> {
  const logPath = join(dir, `gc-${label.replace(/\W+/g, "-")}.log`);
  const server: ChildProcess = spawn(
    process.execPath,
    ["--trace-gc-nvp", "--no-allocation-site-pretenuring", "server.mjs"],
    {
      cwd: dir,
      env: {
        ...process.env,
        ...env,
        PORT: String(port),
        NODE_ENV: "production",
        NEXT_TELEMETRY_DISABLED: "1",
      },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let log = "";
  server.stdout?.on("data", (chunk: Buffer) => {
    log += chunk.toString();
  });
  try {
    const deadline = Date.now() + 30_000;
    while (!log.includes("ready")) {
      if (Date.now() > deadline || server.exitCode !== null)
        throw new Error(`${label}: the server did not start`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const url = `http://localhost:${port}${path}`;
    const times: number[] = [];
    let fromLine = 0;
    for (let i = 0; i < warmup + requests; i++) {
      if (i === warmup) fromLine = log.split("\n").length;
      const started = performance.now();
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${label}: ${path} answered ${res.status}`);
      if (i >= warmup) times.push(performance.now() - started);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    writeFileSync(logPath, log);
    const young = youngCollections(log, fromLine);
    const sum = (key: string) => young.reduce((total, c) => total + (c[key] ?? 0), 0);
    times.sort((a, b) => a - b);
    return {
      label,
      perRequestKb: sum("allocated") / requests / 1024,
      promotedPct: (100 * sum("promoted")) / Math.max(1, sum("allocated")),
      scavenges: young.length,
      pauseMs: sum("pause") / Math.max(1, young.length),
      pauseMaxMs: Math.max(0, ...young.map((c) => c.pause ?? 0)),
      p50: percentile(times, 0.5),
      p95: percentile(times, 0.95),
    };
  } finally {
    // Wait for the port to be free before the next server takes it.
    const exited = new Promise((resolve) => server.once("exit", resolve));
    server.kill("SIGKILL");
    if (server.exitCode === null && server.signalCode === null) await exited;
  }
}

const dir = mkdtempSync(join(tmpdir(), "next-gc-probe-"));
try {
  for (const [name, text] of Object.entries(FILES)) {
    await mkdir(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const link = spawnSync("cp", ["-al", join(root, "node_modules"), join(dir, "node_modules")], {
    stdio: "inherit",
  });
  if (link.status !== 0) throw new Error("could not hard-link node_modules (cp -al): Linux only");
  console.log(
    `building the probe app in ${dir} with next ${readPackageVersion("next")} on Node ${process.version}…`,
  );
  const build = spawnSync(join(dir, "node_modules", ".bin", "next"), ["build"], {
    cwd: dir,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    encoding: "utf8",
  });
  if (build.status !== 0) throw new Error(`next build failed:\n${build.stdout}\n${build.stderr}`);

  const results = [
    await measure(dir, "baseline: plain Node page, no Next", "/", { PLAIN: "1" }),
    await measure(dir, "Next route handler (Response.json)", "/api/probe", {}),
    await measure(dir, "Next dynamic page, 50 rows", "/list", {}),
  ];
  const base = results[0] as Figures;
  console.log(`\n${requests} sequential requests each after ${warmup} to warm up\n`);
  console.log(
    `${"request".padEnd(38)} ${"alloc/req".padStart(10)} ${"promoted".padStart(9)} ${"young GCs".padStart(9)} ${"pause avg / max".padStart(17)} ${"p50 / p95".padStart(15)}  pause × baseline`,
  );
  for (const r of results) {
    console.log(
      `${r.label.padEnd(38)} ${`${r.perRequestKb.toFixed(0)} KB`.padStart(10)} ${`${r.promotedPct.toFixed(1)}%`.padStart(9)} ${String(r.scavenges).padStart(9)} ${`${r.pauseMs.toFixed(1)} / ${r.pauseMaxMs.toFixed(1)} ms`.padStart(17)} ${`${r.p50.toFixed(1)} / ${r.p95.toFixed(1)} ms`.padStart(15)}  ${(r.pauseMs / Math.max(0.01, base.pauseMs)).toFixed(1)}×`,
    );
  }
  console.log(
    `\nmachine: ${cpus().length} cores, load average ${loadavg()[0]?.toFixed(1)}. A young collection's pause grows with what it promotes; what Next keeps alive is freed only by a full collection.`,
  );
  if (values.keep) console.log(`kept: ${dir} (the GC logs are gc-*.log there)`);
} finally {
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}

function readPackageVersion(name: string): string {
  return (
    JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")) as { version: string }
  ).version;
}
