// `npm run drill:fuzz [-- --bodies 10000] [--seed 14]`: hostile bodies at every Daraja callback
// endpoint and every /api/v1 endpoint (found on the file system, so a new route is fuzzed too),
// called in-process as Next calls them against a real PostgreSQL: REST calls with a valid API key,
// with none and with a junk Authorization header; callbacks with the merchant's secret, a wrong
// one and unknown merchants. Fails on any 5xx, any handler that throws, a missing key not answered
// 401, an authenticated callback under the size cap not answered 200 and stored as a raw inbox
// row, or a stored callback whose processing fails. Bodies come from scripts/drills/lib/fuzz-bodies.ts.
//
// The route handlers need Next's request context faked (tests/support/next-request.ts), so the
// drill runs inside Vitest: this script starts tests/integration/drill-fuzz.test.ts with the
// figures asked for (CI runs the same file with a few hundred bodies).
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import type { Db } from "../../lib/db";
import { createApiKey, createMerchant, createPayment, createPayout } from "../../tests/factories";
import { isMain } from "./lib/drill-database";
import { type FuzzBody, fuzzBody, seededRandom } from "./lib/fuzz-bodies";
import { runInVitest } from "./lib/run-in-vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

/** Every route.ts under `dir` (relative to the repository), as its URL path and file. */
export function findRoutes(dir: string): { path: string; file: string }[] {
  const found: { path: string; file: string }[] = [];
  const walk = (abs: string) => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const next = join(abs, entry.name);
      if (entry.isDirectory()) walk(next);
      else if (entry.name === "route.ts") {
        const rel = relative(join(ROOT, "app"), abs)
          .split("/")
          .filter((s) => !/^\(.*\)$/.test(s));
        found.push({ path: `/${rel.join("/")}`, file: next });
      }
    }
  };
  walk(join(ROOT, dir));
  return found.sort((a, b) => a.path.localeCompare(b.path));
}

/** A well-formed body per REST endpoint, for the generator to break. */
const API_BASES: Record<string, unknown> = {
  "/api/v1/payments": { amount: 100, phone: "0712345678", reference: "ORDER-1", description: "Fuzz" },
  "/api/v1/checkout-sessions": {
    amount: 100,
    reference: "LINK-1",
    description: "Fuzz",
    expiresInMinutes: 30,
  },
  "/api/v1/payouts": {
    kind: "b2c",
    command: "BusinessPayment",
    amount: 100,
    phone: "0712345678",
    remarks: "Fuzz",
  },
  "/api/v1/payout-batches": {
    name: "Fuzz batch",
    payouts: [{ kind: "b2c", command: "BusinessPayment", amount: 100, phone: "0712345678", remarks: "Fuzz" }],
  },
  "/api/v1/payments/[id]/reversal": { amount: 10, remarks: "Fuzz refund" },
  "/api/v1/reconciliation/pull": { from: "2026-01-01T00:00:00Z", to: "2026-01-01T01:00:00Z" },
  "/api/v1/webhook-endpoints": { url: "https://example.com/hooks", events: ["payment.paid"] },
  "/api/v1/webhook-endpoints/[id]": { url: "https://example.com/hooks2", enabled: false },
};

const QUERY_NAMES = [
  "limit",
  "cursor",
  "status",
  "from",
  "to",
  "type",
  "reference",
  "phone",
  "startingAfter",
  "q",
];
const QUERY_VALUES = [
  "",
  "0",
  "-1",
  "1e309",
  "9999999999999999999",
  "x",
  "\u0000",
  "%00",
  "2026-13-45",
  "a".repeat(5_000),
  "[]",
  "{}",
  "paid",
  "💸",
];

export interface FuzzReport {
  bodies: number;
  seed: number;
  api: { calls: number; byStatus: Record<string, number>; routes: number };
  callbacks: {
    calls: number;
    byStatus: Record<string, number>;
    authenticated: number;
    tooLarge: number;
    stored: number;
    inboxStates: Record<string, number>;
  };
  ms: number;
  failures: string[];
}

/**
 * Sends `bodies` hostile requests, about half to the REST API and half to the callback endpoint.
 * Must run where tests/support/next-request.ts's fakes are installed; `runAfterTasks` and
 * `idle` run and await the processing the callback route hands off.
 */
export async function runFuzzDrill(
  db: Db,
  options: {
    bodies: number;
    seed: number;
    runAfterTasks: () => Promise<void>;
    log?: (line: string) => void;
  },
): Promise<FuzzReport> {
  const started = performance.now();
  const random = seededRandom(options.seed);
  const failures: string[] = [];
  const fail = (message: string) => {
    if (failures.length < 50) failures.push(message);
  };
  const pickOf = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

  // Two merchants: ours (with something behind each kind of id) and another one.
  const merchant = await createMerchant(db, { environment: "simulator" });
  const other = await createMerchant(db, { environment: "simulator" });
  const { key } = await createApiKey(db, { merchantId: merchant.id });
  const ids: string[] = [];
  for (const m of [merchant, other]) {
    ids.push((await createPayment(db, { merchantId: m.id, status: "paid" })).id);
    ids.push((await createPayout(db, { merchantId: m.id })).id);
  }
  const junkIds = [
    "",
    "x",
    "-".repeat(36),
    "00000000-0000-0000-0000-000000000000",
    "%00",
    "\u0000",
    "../..",
    "a".repeat(10_000),
    "1e309",
    "💸",
  ];

  const routes = findRoutes("app/api/v1");
  const apiHandlers: { path: string; method: string; handler: Handler }[] = [];
  for (const route of routes) {
    const mod = (await import(route.file)) as Record<string, unknown>;
    for (const method of METHODS)
      if (typeof mod[method] === "function")
        apiHandlers.push({ path: route.path, method, handler: mod[method] as Handler });
  }
  if (apiHandlers.length === 0) throw new Error("no /api/v1 route handlers found");
  const callbackRoute = (await import(join(ROOT, "app/api/mpesa/[kind]/[merchantId]/[secret]/route.ts"))) as {
    POST: Handler;
  };
  const { CALLBACK_PATHS } = await import("../../lib/payments/callbacks/handle-callback-request");
  const { CALLBACK_BODY_LIMIT_BYTES } = await import("../../lib/payments/callbacks/read-callback-body");
  const fixtures = readdirSync(join(ROOT, "tests/fixtures/daraja"));
  const { readFileSync } = await import("node:fs");
  const fixtureFor = (path: string): unknown => {
    const prefix = path
      .replace(/-/g, "_")
      .replace("status_", "transaction_status_")
      .replace("balance_", "account_balance_");
    const kindPrefix = prefix.startsWith("stk")
      ? "stk_callback"
      : prefix.endsWith("timeout")
        ? "queue_timeout"
        : prefix;
    const name = fixtures.find((f) => f.startsWith(kindPrefix)) ?? "stk_callback-success-docs.json";
    return JSON.parse(readFileSync(join(ROOT, "tests/fixtures/daraja", name), "utf8"));
  };

  const api = { calls: 0, byStatus: {} as Record<string, number>, routes: apiHandlers.length };
  const callbacks = {
    calls: 0,
    byStatus: {} as Record<string, number>,
    authenticated: 0,
    tooLarge: 0,
    stored: 0,
    inboxStates: {} as Record<string, number>,
  };
  const count = (into: Record<string, number>, status: number) => {
    into[status] = (into[status] ?? 0) + 1;
  };
  const inboxBefore = await db.callbackInbox.count();
  const describeBody = (body: FuzzBody) =>
    `${body.kind} (${body.bytes.length} bytes, ${body.contentType ?? "no content type"})`;

  for (let i = 0; i < options.bodies; i++) {
    if (i > 0 && i % 1000 === 0)
      options.log?.(`${i} bodies sent, ${((performance.now() - started) / 1000).toFixed(0)} s`);
    if (random() < 0.5) {
      // ---- the REST API ----
      const target = pickOf(apiHandlers);
      const auth = random();
      const authorization =
        auth < 0.7
          ? `Bearer ${key}`
          : auth < 0.85
            ? null
            : pickOf([
                "Bearer",
                "Bearer x",
                `Basic ${key}`,
                `Bearer ${key}x`,
                "Bearer \u00ff",
                `bearer ${"k".repeat(5_000)}`,
              ]);
      const params: Record<string, string> = {};
      if (target.path.includes("[id]")) params.id = random() < 0.5 ? pickOf(ids) : pickOf(junkIds);
      const query = new URLSearchParams();
      if (target.method === "GET")
        for (let q = Math.floor(random() * 4); q > 0; q--)
          query.set(pickOf(QUERY_NAMES), pickOf(QUERY_VALUES));
      const withBody = target.method === "POST" || target.method === "PATCH" || target.method === "PUT";
      const body = withBody ? fuzzBody(random, API_BASES[target.path] ?? {}) : null;
      const headers = new Headers();
      if (authorization) headers.set("Authorization", authorization);
      if (body?.contentType) headers.set("Content-Type", body.contentType);
      if (random() < 0.1)
        headers.set("Idempotency-Key", pickOf(["", "ok-1", "bad key", "x".repeat(200), "é"]));
      const url = `http://localhost${target.path.replace("[id]", encodeURIComponent(params.id ?? ""))}${query.size ? `?${query}` : ""}`;
      const what = `${target.method} ${target.path} ${body ? describeBody(body) : `?${query.toString().slice(0, 80)}`}`;
      api.calls += 1;
      try {
        const res = await target.handler(
          new Request(url, { method: target.method, headers, body: body?.bytes }),
          {
            params: Promise.resolve(params),
          },
        );
        count(api.byStatus, res.status);
        const text = await res.text();
        if (res.status >= 500) fail(`${what} → ${res.status} ${text.slice(0, 200)}`);
        if (auth >= 0.7 && "scope" in target.handler && res.status !== 401)
          fail(`${what} without a valid key → ${res.status}`);
      } catch (error) {
        fail(`${what} threw: ${(error as Error).message?.slice(0, 200)}`);
      }
    } else {
      // ---- the Daraja callback endpoint ----
      const paths = Object.keys(CALLBACK_PATHS);
      const path = random() < 0.95 ? pickOf(paths) : pickOf(["unknown", "", "STK", "b2c-result/x"]);
      const who = random();
      const merchantId =
        who < 0.85
          ? merchant.id
          : who < 0.9
            ? other.id
            : pickOf(["not-a-uuid", "00000000-0000-0000-0000-000000000000", ""]);
      const secret =
        who < 0.75
          ? merchant.callbackSecret
          : pickOf(["", "wrong", merchant.callbackSecret.slice(1), other.callbackSecret]);
      const authenticated =
        path in CALLBACK_PATHS &&
        [merchant, other].some((m) => m.id === merchantId && m.callbackSecret === secret);
      const body = fuzzBody(random, fixtureFor(path));
      const headers = new Headers();
      if (body.contentType) headers.set("Content-Type", body.contentType);
      const what = `callback ${path} ${describeBody(body)}`;
      callbacks.calls += 1;
      try {
        const res = await callbackRoute.POST(
          new Request(`http://localhost/api/mpesa/${path}/${merchantId}/${secret}`, {
            method: "POST",
            headers,
            body: body.bytes,
          }),
          { params: Promise.resolve({ kind: path, merchantId, secret }) },
        );
        count(callbacks.byStatus, res.status);
        const text = await res.text();
        if (res.status >= 500) fail(`${what} → ${res.status} ${text.slice(0, 200)}`);
        if (authenticated) {
          const tooLarge = body.bytes.length > CALLBACK_BODY_LIMIT_BYTES;
          if (tooLarge) {
            callbacks.tooLarge += 1;
            if (res.status !== 413) fail(`${what} over the cap → ${res.status}`);
          } else {
            callbacks.authenticated += 1;
            if (res.status !== 200) fail(`${what} authenticated → ${res.status} ${text.slice(0, 200)}`);
          }
        } else if (res.status === 200) fail(`${what} unauthenticated → 200`);
      } catch (error) {
        fail(`${what} threw: ${(error as Error).message?.slice(0, 200)}`);
      }
    }
    // Processing of what the callback route stored, as Next runs after() once the response is out.
    if (i % 50 === 49 || i === options.bodies - 1) await options.runAfterTasks();
  }

  callbacks.stored = (await db.callbackInbox.count()) - inboxBefore;
  if (callbacks.stored !== callbacks.authenticated)
    fail(
      `${callbacks.authenticated} authenticated callbacks under the cap answered, ${callbacks.stored} stored in the inbox`,
    );
  for (const row of await db.callbackInbox.groupBy({ by: ["state"], _count: true }))
    callbacks.inboxStates[row.state] = row._count;
  const broken = await db.callbackInbox.findMany({ where: { state: "failed" }, take: 5 });
  for (const row of broken)
    fail(`inbox ${row.kind} entry failed in processing: ${row.lastError?.slice(0, 200)}`);
  return {
    bodies: options.bodies,
    seed: options.seed,
    api,
    callbacks,
    ms: performance.now() - started,
    failures,
  };
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      bodies: { type: "string", default: "10000" },
      seed: { type: "string", default: "14" },
      "database-url": { type: "string" },
    },
  });
  const server = values["database-url"] ?? process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  process.exit(
    runInVitest(["tests/integration/drill-fuzz.test.ts"], {
      databaseUrl: server,
      env: { DRILL_FUZZ_BODIES: values.bodies, DRILL_FUZZ_SEED: values.seed },
      testTimeoutMs: 3_600_000,
    }),
  );
}
