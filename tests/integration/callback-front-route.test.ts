// The Daraja callback URLs are answered two ways: by Next's route handler (dev server, tests) and
// by the front server's route before Next (`npm start`, lib/http/mpesa-callback.ts). Both call one
// function; this sends the same requests both ways (every recorded Daraja body, and hostile ones)
// and compares the answers, the stored rows, the refusals, the spool lines and the hand-off.
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createDb } from "@/lib/db";
import { createFrontServer } from "@/lib/http/front-server";
import { mpesaCallbackRoute } from "@/lib/http/mpesa-callback";
import { forgetCallbackMerchants } from "@/lib/payments/callbacks/receive-callback";
import { forgetRefusedCallbackLimits } from "@/lib/payments/callbacks/record-refused-callback";
import { CLIENT_IP_HEADER } from "@/lib/security/client-ip";
import { createMerchant } from "../factories";
import { waitUntil } from "../support/collections";
import { runAfterTasks, stubAppEnv } from "../support/next-request";
import { testDatabaseUrl, testDb } from "./db";

const handed = vi.hoisted(() => [] as string[]);
vi.mock("@/lib/background/callback-queue", () => ({
  acknowledging: <T>(work: () => Promise<T>) => work(),
  processStoredCallback: async (inboxId: string) => {
    handed.push(inboxId);
  },
  callbackQueueIdle: async () => {},
}));
vi.mock("next/server", (original) => import("../support/next-request").then((m) => m.fakeServer(original)));

stubAppEnv(testDatabaseUrl());
const spoolDir = join(tmpdir(), `malipo-spool-${randomBytes(4).toString("hex")}`);
vi.stubEnv("MALIPO_SPOOL_DIR", spoolDir);
vi.stubEnv("MPESA_CALLBACK_ALLOWLIST", "196.201.214.200");

const SAFARICOM = "196.201.214.200";
const FIXTURES = join(import.meta.dirname, "..", "fixtures");

/** The callback URL kind for a recorded body, by its file name. */
function kindOf(file: string): string {
  const prefixes: [string, string][] = [
    ["stk_callback", "stk"],
    ["stk-callback", "stk"],
    ["c2b_confirmation", "c2b-confirmation"],
    ["c2b-confirmation", "c2b-confirmation"],
    ["c2b_validation", "c2b-validation"],
    ["b2c_result", "b2c-result"],
    ["b2c-result", "b2c-result"],
    ["b2b_result", "b2b-result"],
    ["reversal_result", "reversal-result"],
    ["reversal-result", "reversal-result"],
    ["account_balance", "balance-result"],
    ["account-balance", "balance-result"],
    ["transaction_status", "status-result"],
    ["transaction-status", "status-result"],
    ["queue_timeout-account_balance", "balance-timeout"],
    ["queue_timeout-transaction_status", "status-timeout"],
    ["queue_timeout", "b2c-timeout"],
  ];
  return prefixes.findLast(([prefix]) => file.startsWith(prefix))?.[1] ?? "stk";
}

const recorded = ["daraja", "daraja-reference"].flatMap((dir) =>
  readdirSync(join(FIXTURES, dir))
    .filter((f) => f.endsWith(".json"))
    .map((f) => ({
      name: `${dir}/${f}`,
      kind: kindOf(f),
      body: readFileSync(join(FIXTURES, dir, f), "utf8"),
    })),
);

interface Sent {
  kind: string;
  merchantId: string;
  secret: string;
  body: string;
  /** The caller's address (the front server takes it from X-Forwarded-For, one proxy hop). */
  ip?: string;
  /** Sent without Content-Length (chunked). */
  chunked?: boolean;
  /** A Content-Length larger than the body actually sent (refused before reading). */
  declaredLength?: number;
}

interface Seen {
  status: number;
  body: unknown;
  contentType: string | null;
  connection: string | null;
}

function headersFor(sent: Sent): Record<string, string> {
  return {
    "content-type": "application/json",
    "user-agent": "parity-test",
    "x-request-id": "parity",
    "x-forwarded-for": sent.ip ?? SAFARICOM,
  };
}

/** Through Next's route handler, as Next calls it (the front server's stamp set by hand). */
async function viaNext(sent: Sent): Promise<Seen> {
  const { POST } = await import("@/app/api/mpesa/[kind]/[merchantId]/[secret]/route");
  const params = { kind: sent.kind, merchantId: sent.merchantId, secret: sent.secret };
  const bytes = new TextEncoder().encode(sent.body);
  const body = sent.chunked
    ? new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 16_384) controller.enqueue(bytes.slice(i, i + 16_384));
          controller.close();
        },
      })
    : bytes;
  const headers: Record<string, string> = { ...headersFor(sent), [CLIENT_IP_HEADER]: sent.ip ?? SAFARICOM };
  if (!sent.chunked) headers["content-length"] = String(sent.declaredLength ?? bytes.length);
  const request = new Request(`http://localhost/api/mpesa/${sent.kind}/${sent.merchantId}/${sent.secret}`, {
    method: "POST",
    headers,
    body,
    duplex: "half",
  } as RequestInit);
  const res = await POST(request, { params: Promise.resolve(params) });
  await runAfterTasks();
  return {
    status: res.status,
    body: await res.json(),
    contentType: res.headers.get("content-type"),
    connection: res.headers.get("connection"),
  };
}

let front: Server;
let nextCalls = 0;

/** Through the front server over a real socket, as Daraja's request arrives under `npm start`. */
function viaFront(sent: Sent): Promise<Seen> {
  const port = (front.address() as AddressInfo).port;
  const bytes = Buffer.from(sent.body);
  const headers: Record<string, string> = headersFor(sent);
  if (!sent.chunked) headers["content-length"] = String(sent.declaredLength ?? bytes.length);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: `/api/mpesa/${sent.kind}/${sent.merchantId}/${sent.secret}`,
        headers,
      },
      (res) => {
        let text = "";
        res.on("data", (c) => {
          text += c;
        });
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(text),
            contentType: res.headers["content-type"] ?? null,
            connection: res.headers.connection === "close" ? "close" : null,
          }),
        );
      },
    );
    // A refused upload may see its socket closed while still writing: the answer is what counts.
    req.on("error", (error) => (sent.declaredLength || sent.chunked ? undefined : reject(error)));
    if (sent.declaredLength)
      req.end(bytes.subarray(0, 1024)); // the rest never comes: refused before reading
    else if (sent.chunked) {
      for (let i = 0; i < bytes.length; i += 16_384) req.write(bytes.subarray(i, i + 16_384));
      req.end();
    } else req.end(bytes);
  });
}

describe("Daraja callbacks: the front server's route and Next's route handler answer alike", () => {
  const db = testDb();
  let sandbox: Awaited<ReturnType<typeof createMerchant>>;

  beforeAll(async () => {
    sandbox = await createMerchant(db, { environment: "sandbox" });
    front = createFrontServer({
      trustedProxyHops: 1,
      routes: [mpesaCallbackRoute()],
      fallback: (_req, res) => {
        nextCalls += 1;
        res.writeHead(599).end("{}");
      },
    });
    await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => front.close(resolve));
    rmSync(spoolDir, { recursive: true, force: true });
    const { getIngestDb, getIngestPool } = await import("@/lib/db");
    await getIngestDb().$disconnect();
    await getIngestPool().end();
  });
  beforeEach(() => {
    forgetRefusedCallbackLimits();
    forgetCallbackMerchants();
    handed.length = 0;
  });

  /** What one request left behind: its answer, its inbox rows, its refusals and what was handed on. */
  async function effects(send: () => Promise<Seen>, merchantId: string | null) {
    // A refusal is recorded after its answer: let the previous request's land before looking.
    let count = -1;
    for (
      let next = await db.refusedCallback.count();
      next !== count;
      next = await db.refusedCallback.count()
    ) {
      count = next;
      await new Promise((r) => setTimeout(r, 50));
    }
    const refusedBefore = new Set(
      (await db.refusedCallback.findMany({ select: { id: true } })).map((r) => r.id),
    );
    const since = new Date();
    const inboxBefore = new Set((await db.callbackInbox.findMany({ select: { id: true } })).map((r) => r.id));
    handed.length = 0;
    const seen = await send();
    const rows = (await db.callbackInbox.findMany({ orderBy: { receivedAt: "asc" } })).filter(
      (r) => !inboxBefore.has(r.id),
    );
    const refused = await waitUntil(
      async () =>
        (
          await db.refusedCallback.findMany({
            where: { receivedAt: { gte: new Date(since.getTime() - 5) } },
            orderBy: { receivedAt: "asc" },
          })
        ).filter((r) => !refusedBefore.has(r.id)),
      (r) => seen.status === 200 || r.length > 0,
    );
    return {
      seen,
      handedOn: handed.map((id) => rows.findIndex((r) => r.id === id)),
      rows: rows.map((r) => ({
        merchantId: r.merchantId === merchantId ? "the merchant" : r.merchantId,
        kind: r.kind,
        body: r.body,
        bodyEscaped: r.bodyEscaped,
        sourceIp: r.sourceIp,
        headers: r.headers,
        externalId: r.externalId,
        state: r.state,
        attempts: r.attempts,
      })),
      refused: refused.map((r) => ({
        merchantId: r.merchantId === merchantId ? "the merchant" : r.merchantId,
        path: r.path,
        sourceIp: r.sourceIp,
        size: r.size,
        reason: r.reason,
      })),
    };
  }

  async function compare(sent: Sent) {
    const merchantId = sent.merchantId;
    const next = await effects(() => viaNext(sent), merchantId);
    forgetRefusedCallbackLimits();
    forgetCallbackMerchants();
    await new Promise((r) => setTimeout(r, 10)); // refusals of the two runs apart in time
    const viaFrontServer = await effects(() => viaFront(sent), merchantId);
    expect(viaFrontServer).toEqual(next);
    return next;
  }

  it.each(recorded)(
    "a recorded Daraja body ($name) is stored, answered and handed on alike",
    async (fixture) => {
      const sent = {
        kind: fixture.kind,
        merchantId: sandbox.id,
        secret: sandbox.callbackSecret,
        body: fixture.body,
      };
      const result = await compare(sent);
      expect(result.seen.status).toBe(200);
      expect(result.rows).toHaveLength(1);
      expect(result.handedOn).toEqual(fixture.kind === "c2b-validation" ? [] : [0]);
    },
  );

  it("refusals are answered and recorded alike: wrong secret, unknown kind, unknown merchant, address not allowed", async () => {
    const body = recorded[0]?.body ?? "{}";
    const cases: [Sent, number, string][] = [
      [{ kind: "stk", merchantId: sandbox.id, secret: "wrong", body }, 403, "wrong_secret"],
      [{ kind: "nope", merchantId: sandbox.id, secret: sandbox.callbackSecret, body }, 404, "unknown_kind"],
      [{ kind: "stk", merchantId: crypto.randomUUID(), secret: "x", body }, 403, "unknown_merchant"],
      [{ kind: "stk", merchantId: "not-a-uuid", secret: "x", body }, 403, "unknown_merchant"],
      [
        { kind: "stk", merchantId: sandbox.id, secret: sandbox.callbackSecret, body, ip: "10.1.2.3" },
        403,
        "address_not_allowed",
      ],
    ];
    for (const [sent, status, reason] of cases) {
      const result = await compare(sent);
      expect(result.seen.status).toBe(status);
      expect(result.refused.map((r) => r.reason)).toEqual([reason]);
      expect(result.rows).toEqual([]);
    }
  });

  it("a body over the size cap is refused alike, by its Content-Length or while streaming, and the connection closed", async () => {
    const big = JSON.stringify({ pad: "x".repeat(70 * 1024) });
    const base = { kind: "stk", merchantId: sandbox.id, secret: sandbox.callbackSecret, body: big };
    const declared = await compare({ ...base, body: "{}", declaredLength: 2 ** 20 });
    expect(declared.seen).toMatchObject({ status: 413, connection: "close" });
    expect(declared.refused).toMatchObject([{ reason: "too_large", size: 2 ** 20 }]);
    const streamed = await compare({ ...base, chunked: true });
    expect(streamed.seen).toMatchObject({ status: 413, connection: "close" });
    expect(streamed.refused).toMatchObject([{ reason: "too_large" }]);
  });

  it("odd bodies are stored alike: NUL bytes, not JSON, empty, a byte-order mark, non-ASCII", async () => {
    const base = { kind: "stk", merchantId: sandbox.id, secret: sandbox.callbackSecret };
    for (const body of ['{"a":"\u0000"}', "{{not json", "", "\ufeff{}", '{"name":"Wanjirũ 🙂"}']) {
      const result = await compare({ ...base, body });
      expect(result.seen.status).toBe(200);
      expect(result.rows).toHaveLength(1);
    }
  });

  it("with the database down, both spool the callback to disk and acknowledge it alike", async () => {
    const holder = globalThis as unknown as { malipoIngestDb?: unknown };
    const working = holder.malipoIngestDb;
    holder.malipoIngestDb = createDb("postgres://postgres@127.0.0.1:1/none");
    const spooled = () => {
      try {
        return readFileSync(join(spoolDir, "callbacks.jsonl"), "utf8").trim().split("\n").filter(Boolean);
      } catch {
        return [];
      }
    };
    try {
      const sent = {
        kind: "stk",
        merchantId: sandbox.id,
        secret: sandbox.callbackSecret,
        body: recorded[0]?.body ?? "",
      };
      const before = spooled().length;
      const a = await viaNext(sent);
      const b = await viaFront(sent);
      expect(b).toEqual(a);
      expect(a.status).toBe(200);
      const lines = spooled()
        .slice(before)
        .map((l) => {
          const { receivedAt: _r, ...rest } = JSON.parse(l) as Record<string, unknown>;
          return rest;
        });
      expect(lines).toHaveLength(2);
      expect(lines[1]).toEqual(lines[0]);
      expect(handed).toEqual([]);
    } finally {
      holder.malipoIngestDb = working;
    }
  });

  it("leaves every other request to Next: another method, another shape", async () => {
    const port = (front.address() as AddressInfo).port;
    const before = nextCalls;
    const get = await fetch(`http://127.0.0.1:${port}/api/mpesa/stk/${sandbox.id}/${sandbox.callbackSecret}`);
    const deeper = await fetch(`http://127.0.0.1:${port}/api/mpesa/stk/${sandbox.id}/x/y`, {
      method: "POST",
    });
    const shorter = await fetch(`http://127.0.0.1:${port}/api/mpesa/stk/${sandbox.id}`, { method: "POST" });
    expect([get.status, deeper.status, shorter.status]).toEqual([599, 599, 599]);
    expect(nextCalls - before).toBe(3);
  });
});
