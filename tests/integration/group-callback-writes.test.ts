// Group commit on the callback acknowledgement's path (group-callback-writes.ts): a burst shares
// INSERTs, yet each callback is answered only once its own row is committed, a bad row fails alone,
// and an unavailable database fails the group at once (the endpoint then spools each callback).
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createPgPool } from "@/lib/db";
import type { SqlClient } from "@/lib/db-types";
import { groupCallbackWrites, StoreDeadlineError } from "@/lib/payments/callbacks/group-callback-writes";
import { buildAllowlist, receiveCallback } from "@/lib/payments/callbacks/receive-callback";
import type { CallbackArrival } from "@/lib/payments/callbacks/record-callback";
import { createMember } from "../factories";
import { testDatabaseUrl, testDb } from "./db";

/** A pool that counts its statements and the rows each one stored. */
function counted(pool: SqlClient) {
  const groups: number[] = [];
  const client: SqlClient = {
    query: (text, values) => {
      groups.push(Array.isArray(values?.[0]) ? values[0].length : 1);
      return pool.query(text, values);
    },
  };
  return { client, groups };
}

describe("storing callbacks in groups", () => {
  const db = testDb();
  const pool = createPgPool(testDatabaseUrl(), { max: 5, name: "test-group-writes" });
  const reader = createPgPool(testDatabaseUrl(), { max: 2, name: "test-group-reader" });
  afterAll(async () => {
    await pool.end();
    await reader.end();
  });

  const arrival = (merchantId: string, i: number): CallbackArrival => ({
    merchantId,
    kind: "stk",
    body: JSON.stringify({ Body: { stkCallback: { CheckoutRequestID: `ws_CO_group_${i}`, ResultCode: 0 } } }),
    sourceIp: "127.0.0.1",
    headers: { "content-type": "application/json" },
  });

  it("a burst shares INSERTs, and each callback resolves only once its own row is committed", async () => {
    const { merchantId } = await createMember(db, { role: "developer" });
    const { client, groups } = counted(pool);
    const told: number[] = [];
    const write = groupCallbackWrites(client, { onGroup: (size) => told.push(size) });
    const arrivals = Array.from({ length: 300 }, (_, i) => arrival(merchantId, i));
    // Read back from another connection the moment each one resolves: committed, not just sent.
    const seen = await Promise.all(
      arrivals.map((a) =>
        write(a).then(async ({ id }) => {
          const { rows } = await reader.query<{ body: string; external_id: string; state: string }>(
            "SELECT body, external_id, state FROM callback_inbox WHERE id = $1",
            [id],
          );
          return rows[0];
        }),
      ),
    );
    seen.forEach((row, i) => {
      expect(row?.body).toBe(arrivals[i]?.body);
      expect(row?.external_id).toBe(`ws_CO_group_${i}`);
      expect(row?.state).toBe("pending");
    });
    expect(groups.reduce((a, b) => a + b, 0)).toBe(300);
    expect(groups.length).toBeLessThanOrEqual(10);
    expect(told).toEqual(groups); // what the malipo_callback_store_rows metric observes
    const stored = await db.callbackInbox.count({ where: { merchantId } });
    expect(stored).toBe(300);
  });

  it("a lone callback is written at once, by itself", async () => {
    const { merchantId } = await createMember(db, { role: "developer" });
    const { client, groups } = counted(pool);
    const write = groupCallbackWrites(client);
    const { id } = await write(arrival(merchantId, 0));
    expect(groups).toEqual([1]);
    expect((await db.callbackInbox.findUniqueOrThrow({ where: { id } })).merchantId).toBe(merchantId);
  });

  it("a row PostgreSQL refuses fails alone: the rest of its group is stored one by one", async () => {
    const { merchantId } = await createMember(db, { role: "developer" });
    const { client, groups } = counted(pool);
    const write = groupCallbackWrites(client);
    const arrivals = Array.from({ length: 20 }, (_, i) => arrival(merchantId, i));
    // Not a uuid: the cast fails (SQLSTATE 22P02), as any bad value in one row would.
    arrivals[7] = { ...arrival(merchantId, 7), merchantId: "not-a-uuid" };
    const results = await Promise.allSettled(arrivals.map((a) => write(a)));
    expect(results.map((r) => r.status)).toEqual(
      arrivals.map((_, i) => (i === 7 ? "rejected" : "fulfilled")),
    );
    expect(groups[0]).toBe(20); // tried together first
    expect(await db.callbackInbox.count({ where: { merchantId } })).toBe(19);
  });

  it("an unavailable database fails the whole group at once, without retrying each callback", async () => {
    const down = createPgPool("postgres://postgres@127.0.0.1:1/none", { max: 2, name: "test-group-down" });
    const { client, groups } = counted(down);
    const write = groupCallbackWrites(client);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => write(arrival(crypto.randomUUID(), i))),
    );
    expect(results.every((r) => r.status === "rejected")).toBe(true);
    expect(groups).toEqual([20]);
    await down.end();
  });

  it("gives up on a callback the database has not committed by the deadline, queued ones too", async () => {
    // A database that neither answers nor fails (stalled server, lost network path).
    let calls = 0;
    const hung: SqlClient = {
      query: () => {
        calls += 1;
        return new Promise(() => {});
      },
    };
    const write = groupCallbackWrites(hung, { deadlineMs: 200, maxWrites: 1 });
    const started = performance.now();
    const first = write(arrival(crypto.randomUUID(), 0));
    await new Promise((r) => setTimeout(r, 50)); // the first INSERT is in flight and hangs
    const queued = write(arrival(crypto.randomUUID(), 1)); // waits behind it
    const results = await Promise.allSettled([first, queued]);
    for (const r of results) expect(r.status === "rejected" && r.reason).toBeInstanceOf(StoreDeadlineError);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(calls).toBe(1); // the queued one was never sent: it is spooled instead
  });

  it("a callback given up on is still acknowledged: receiveCallback spools it", async () => {
    const { merchantId } = await createMember(db, { role: "developer" });
    const merchant = await db.merchant.findUniqueOrThrow({ where: { id: merchantId } });
    const spoolDir = mkdtempSync(join(tmpdir(), "malipo-deadline-"));
    const hung: SqlClient = { query: () => new Promise(() => {}) };
    const received = await receiveCallback(db, {
      ...arrival(merchantId, 0),
      merchantId,
      secret: merchant.callbackSecret,
      allowlist: buildAllowlist([]),
      spoolDir,
      kind: "stk",
      record: groupCallbackWrites(hung, { deadlineMs: 100 }),
    });
    expect(received).toMatchObject({ accepted: true, spooled: true, inboxId: null });
    expect(readdirSync(spoolDir).length).toBe(1);
    rmSync(spoolDir, { recursive: true, force: true });
  });

  it("a stalled database frees its connections at the pool's timeout, so later callbacks are tried again", async () => {
    // A server that accepts connections and never answers: a stalled PostgreSQL or a lost path.
    const sockets: Socket[] = [];
    const stalled = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => stalled.listen(0, "127.0.0.1", resolve));
    const port = (stalled.address() as AddressInfo).port;
    const pool = createPgPool(`postgres://postgres@127.0.0.1:${port}/none`, {
      max: 2,
      name: "test-group-stalled",
      timeoutMs: 300,
    });
    const { client, groups } = counted(pool);
    const write = groupCallbackWrites(client, { deadlineMs: 100, maxWrites: 1 });
    await expect(write(arrival(crypto.randomUUID(), 0))).rejects.toBeInstanceOf(StoreDeadlineError);
    await new Promise((r) => setTimeout(r, 500)); // past the pool's timeout: the write gave up
    await expect(write(arrival(crypto.randomUUID(), 1))).rejects.toBeInstanceOf(StoreDeadlineError);
    expect(groups).toEqual([1, 1]); // the second callback got its own INSERT, not a stuck queue
    for (const socket of sockets) socket.destroy();
    stalled.close();
    await pool.end().catch(() => {});
  });
});
