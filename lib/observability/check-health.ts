// Liveness vs. readiness for load balancers and operators. Ready means this instance can take
// callbacks: the database answers. The rest (inbox backlog, spool, Daraja, Inngest) is reported
// for people and alerts, not used to pull the instance out of rotation: a Safaricom outage must
// not take every instance down with it, and a backlog is drained faster by instances that serve.
import type { DbClient } from "../db-types";
import type { DarajaEnvironment } from "../payments/daraja/environments";
import { readSpoolCounts } from "./read-operations-snapshot";

export interface HealthOptions {
  spoolDir: string;
  inngest: "configured" | "in-process";
  /** Daraja's base URL for an environment (MPESA_BASE_URL, the simulator, or Safaricom). */
  darajaBaseUrl: (environment: DarajaEnvironment) => string;
  fetch?: typeof fetch;
  now?: () => number;
  /** How long a database check may take before the instance counts as not ready. */
  databaseTimeoutMs?: number;
}

export interface DarajaReachability {
  environment: DarajaEnvironment;
  reachable: boolean;
  /** HTTP status of the probe (any answer means reachable), or the network error. */
  detail: string;
  latencyMs: number;
  checkedAt: string;
}

export interface Readiness {
  /** "ok" when ready, "degraded" when not (the words /api/health has always used). */
  status: "ok" | "degraded";
  ready: boolean;
  /** Names of the checks that failed (only "database" makes an instance not ready). */
  failed: string[];
  /**
   * `error` is the same phrase for everyone ("database unreachable"); `detail`, the driver's first
   * line, is for the log and operators only (publicReadiness drops it).
   */
  database: { ok: boolean; latencyMs: number; error?: string; detail?: string };
  inbox: { pending: number; oldestPendingSeconds: number } | null;
  spool: { waiting: number; setAside: number } | null;
  daraja: DarajaReachability[];
  inngest: "configured" | "in-process";
}

const DARAJA_CACHE_MS = 60_000;
const DARAJA_TIMEOUT_MS = 3_000;
const darajaCache = new Map<string, { at: number; result: Promise<DarajaReachability> }>();

/** Forgets cached Daraja probes (tests). */
export function clearDarajaProbeCache(): void {
  darajaCache.clear();
}

/**
 * Whether Daraja's host answers at all: a GET of the base URL, no credentials, no OAuth, never a
 * money call. Any HTTP status counts as reachable; cached for a minute per URL so health checks
 * every few seconds do not turn into traffic to Safaricom.
 */
function probeDaraja(environment: DarajaEnvironment, options: HealthOptions): Promise<DarajaReachability> {
  const now = options.now ?? Date.now;
  const url = options.darajaBaseUrl(environment);
  const key = `${environment} ${url}`;
  const cached = darajaCache.get(key);
  if (cached && now() - cached.at < DARAJA_CACHE_MS) return cached.result;
  const started = now();
  const result = (options.fetch ?? fetch)(`${url}/`, {
    method: "GET",
    redirect: "manual",
    signal: AbortSignal.timeout(DARAJA_TIMEOUT_MS),
  }).then(
    async (response) => {
      await response.body?.cancel();
      return { reachable: true, detail: `HTTP ${response.status}` };
    },
    (error: unknown) => ({
      reachable: false,
      detail: ((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name) || "error",
    }),
  );
  const probe = result.then((outcome) => ({
    environment,
    ...outcome,
    latencyMs: Math.round(now() - started),
    checkedAt: new Date(started).toISOString(),
  }));
  darajaCache.set(key, { at: started, result: probe });
  return probe;
}

function within<T>(work: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    work,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref(),
    ),
  ]);
}

export const DATABASE_UNREACHABLE = "database unreachable";

/** Readiness as anybody may see it: the database's failure named, not described. */
export function publicReadiness(readiness: Readiness): Readiness {
  const { detail: _detail, ...database } = readiness.database;
  return { ...readiness, database };
}

/** Readiness with details; never throws (a failing check is reported, not raised). */
export async function checkReadiness(db: DbClient, options: HealthOptions): Promise<Readiness> {
  const now = options.now ?? Date.now;
  const started = now();
  const database: Readiness["database"] = { ok: true, latencyMs: 0 };
  let inbox: Readiness["inbox"] = null;
  let environments: DarajaEnvironment[] = [];
  try {
    const [rows, envs] = await within(
      Promise.all([
        db.$queryRaw<{ pending: bigint; oldest: Date | null }[]>`
          SELECT count(*) AS pending, min(received_at) AS oldest FROM callback_inbox WHERE state = 'pending'`,
        db.$queryRaw<{ environment: DarajaEnvironment }[]>`
          SELECT DISTINCT environment::text AS environment FROM mpesa_credentials`,
      ]),
      options.databaseTimeoutMs ?? 3_000,
    );
    database.latencyMs = Math.round(now() - started);
    const oldest = rows[0]?.oldest;
    inbox = {
      pending: Number(rows[0]?.pending ?? 0),
      oldestPendingSeconds: oldest ? Math.max(0, Math.round((Date.now() - oldest.getTime()) / 1000)) : 0,
    };
    environments = envs.map((row) => row.environment);
  } catch (error) {
    database.ok = false;
    database.latencyMs = Math.round(now() - started);
    database.error = DATABASE_UNREACHABLE;
    // The first line only (Prisma's start with a blank one), and even that not to the public: it
    // can name hosts, users, databases.
    const line = (error as Error).message?.split("\n").find((text) => text.trim() !== "");
    database.detail = (line?.trim() || (error as Error).name || "error").replace(
      /postgres(ql)?:\/\/\S+/gi,
      "[url]",
    );
  }
  let spool: Readiness["spool"] = null;
  try {
    spool = readSpoolCounts(options.spoolDir);
  } catch {
    spool = null; // unreadable: reported as null rather than failing the check
  }
  const daraja = await Promise.all(environments.map((environment) => probeDaraja(environment, options)));
  const failed = database.ok ? [] : ["database"];
  return {
    status: failed.length ? "degraded" : "ok",
    ready: failed.length === 0,
    failed,
    database,
    inbox,
    spool,
    daraja,
    inngest: options.inngest,
  };
}
