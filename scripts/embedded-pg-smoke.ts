// Exercises scripts/lib/embedded-postgres.ts against the real binaries: first and warm starts of a
// persistent instance, restart after kill -9, take-over of an orphan, stop on SIGTERM and on a
// plain exit, a taken port, and two throwaway instances at once. Deletes what it made.
//   npx tsx scripts/embedded-pg-smoke.ts [--dir D]   (data in D/.malipo/pgdata-smoke; D: project root)
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { EmbeddedPostgresError, startEmbeddedPostgres, stopOnExit } from "./lib/embedded-postgres";

const { values } = parseArgs({
  options: { dir: { type: "string" }, child: { type: "string" }, port: { type: "string" } },
});

async function query(url: string, sql: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Object.values((await client.query(sql)).rows[0] ?? {})[0];
  } finally {
    await client.end();
  }
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await fn();
  console.log(`✓ ${label} (${Math.round(performance.now() - started)} ms)`);
  return result;
}

async function expectError(label: string, fn: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  const error = await fn().then(
    () => new Error(`${label}: expected an error`),
    (e: unknown) => e,
  );
  if (!(error instanceof EmbeddedPostgresError && pattern.test(error.message))) throw error;
  console.log(`✓ ${label}: ${error.message}`);
}

/** This script as a child owning a server: --child start|exit (exit: leave without stop()). */
async function childRun(mode: "hold" | "exit", dataDir: string, port: number): Promise<void> {
  const args = [
    ...process.execArgv,
    process.argv[1] ?? "",
    "--child",
    mode,
    "--dir",
    dataDir,
    "--port",
    `${port}`,
  ];
  const proc = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise((resolve) => proc.once("exit", resolve));
  await new Promise<void>((resolve, reject) => {
    proc.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve());
    proc.once("exit", (code) => (mode === "exit" ? resolve() : reject(new Error(`child exited (${code})`))));
  });
  if (mode === "hold") proc.kill(process.env.SMOKE_SIGNAL === "TERM" ? "SIGTERM" : "SIGKILL");
  await exited;
}

async function child(): Promise<void> {
  const server = await startEmbeddedPostgres({
    dataDir: values.dir,
    port: Number(values.port),
    persistent: true,
  });
  stopOnExit(server);
  console.log("ready");
  if (values.child === "exit") process.exit(0);
  setInterval(() => {}, 1000);
}

async function main(): Promise<void> {
  const requested = join(values.dir ?? join(import.meta.dirname, ".."), ".malipo", "pgdata-smoke");
  const port = 54000 + Math.floor(Math.random() * 900);
  const log = (msg: string) => console.log(`  · ${msg}`);
  const opts = { dataDir: requested, port, persistent: true, log, portHint: "MALIPO_PG_PORT" };
  const pidFile = () => join(server.dataDir, "postmaster.pid");

  let server = await timed("first start", () => startEmbeddedPostgres(opts));
  console.log(`  ${await query(server.url, "select version()")}`);
  await query(server.url, "create table if not exists smoke (n int)");
  await query(server.url, "insert into smoke values (42)");
  await expectError("second start on the same data", () => startEmbeddedPostgres(opts), /already running/);
  await timed("stop", () => server.stop());
  await server.stop();

  server = await timed("warm start", () => startEmbeddedPostgres(opts));
  if ((await query(server.url, "select count(*) from smoke where n = 42")) === "0")
    throw new Error("data lost");
  console.log("✓ data kept across restarts");
  process.kill(Number(readFileSync(pidFile(), "utf8").split("\n")[0]), "SIGKILL");
  await new Promise((r) => setTimeout(r, 50));
  await server.stop(); // nothing left to stop: must not throw
  server = await timed("start after kill -9 of the postmaster", () => startEmbeddedPostgres(opts));
  await server.stop();

  await childRun("hold", requested, port); // SIGKILL: its server is orphaned
  server = await timed("start taking over an orphan", () => startEmbeddedPostgres(opts));
  await server.stop();
  process.env.SMOKE_SIGNAL = "TERM";
  await childRun("hold", requested, port);
  if (existsSync(pidFile())) throw new Error("SIGTERM left the server running");
  console.log("✓ SIGTERM to the owner stops the server (stopOnExit)");
  await childRun("exit", requested, port);
  if (existsSync(pidFile())) throw new Error("exit left the server running");
  console.log("✓ process.exit without stop() stops the server");

  const blocker = createServer().listen(port, "127.0.0.1");
  await new Promise((r) => blocker.once("listening", r));
  await expectError("port taken", () => startEmbeddedPostgres(opts), /MALIPO_PG_PORT/);
  blocker.close();
  for (const path of [server.dataDir, server.logFile]) rmSync(path, { recursive: true, force: true });
  if (server.dataDir !== requested) rmSync(dirname(server.dataDir), { recursive: true, force: true });

  const [a, b] = await timed("two throwaway instances at once", () =>
    Promise.all([startEmbeddedPostgres({ persistent: false }), startEmbeddedPostgres({ persistent: false })]),
  );
  await Promise.all([query(a.url, "select 1"), query(b.url, "select 1")]);
  console.log(`  ports ${a.port} and ${b.port}, data in ${a.dataDir} and ${b.dataDir}`);
  await timed("stop both", () => Promise.all([a.stop(), b.stop()]));
  if (existsSync(a.dataDir) || existsSync(b.dataDir)) throw new Error("throwaway data left behind");
  console.log("✓ throwaway data removed");
}

(values.child ? child() : main()).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
