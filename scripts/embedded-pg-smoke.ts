// Exercises scripts/lib/embedded-postgres.ts against the real binaries: first and warm starts of a
// persistent instance, restart after kill -9, take-over of an orphan, stop on SIGTERM and on a
// plain exit, a taken port, two throwaway instances at once, and the sweep of an orphaned one.
// Deletes what it made.
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

type ChildMode = "kill" | "term" | "exit" | "throwaway";

/**
 * This script as a child owning a server (persistent on `dir`, or a throwaway one). kill, term and
 * throwaway: the child gets SIGKILL / SIGTERM / SIGKILL once its server runs; exit: it leaves
 * without stop(). Resolves with the child's data folder.
 */
async function childRun(mode: ChildMode, dir = "", port = 0): Promise<string> {
  const args = [process.argv[1] ?? "", "--child", mode, "--dir", dir, "--port", `${port}`];
  const proc = spawn(process.execPath, [...process.execArgv, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise((resolve) => proc.once("exit", resolve));
  const dataDir = await new Promise<string>((resolve, reject) => {
    proc.stdout.on("data", (chunk: Buffer) => {
      const ready = /^ready (.*)$/m.exec(chunk.toString());
      if (ready?.[1]) resolve(ready[1]);
    });
    proc.once("exit", (code) => reject(new Error(`child exited (${code})`)));
  });
  if (mode !== "exit") proc.kill(mode === "term" ? "SIGTERM" : "SIGKILL");
  await exited;
  return dataDir;
}

async function child(): Promise<void> {
  const server =
    values.child === "throwaway"
      ? await startEmbeddedPostgres({ persistent: false })
      : await startEmbeddedPostgres({ dataDir: values.dir, port: Number(values.port), persistent: true });
  stopOnExit(server);
  console.log(`ready ${server.dataDir}`);
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

  await childRun("kill", requested, port); // its server is orphaned
  server = await timed("start taking over an orphan", () => startEmbeddedPostgres(opts));
  await server.stop();
  await childRun("term", requested, port);
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

  const orphan = await childRun("throwaway");
  if (!existsSync(orphan)) throw new Error("no orphaned throwaway server to sweep");
  await (await startEmbeddedPostgres({ persistent: false })).stop();
  if (existsSync(orphan)) throw new Error(`the next start did not sweep ${orphan}`);
  console.log("✓ an orphaned throwaway server is swept by the next start");
}

(values.child ? child() : main()).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
