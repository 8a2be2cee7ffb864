import { describe, expect, it } from "vitest";
import { appendAuditLog, GLOBAL_CHAIN } from "@/lib/audit/append-audit-log";
import { findAuditActions } from "@/lib/audit/find-audit-actions";
import { auditFilterSchema, findAuditLogs } from "@/lib/audit/find-audit-logs";
import { verifyAuditChain } from "@/lib/audit/verify-audit-chain";
import { createMember, createMerchant } from "../factories";
import { testDb } from "./db";

describe("audit log", () => {
  const db = testDb();

  it("chains rows per merchant, numbering each chain from 1", async () => {
    const a = await createMerchant(db);
    const b = await createMerchant(db);
    const first = await appendAuditLog(db, {
      merchantId: a.id,
      actor: { type: "system" },
      action: "test.one",
    });
    const second = await appendAuditLog(db, {
      merchantId: a.id,
      actor: { type: "system" },
      action: "test.two",
    });
    const other = await appendAuditLog(db, {
      merchantId: b.id,
      actor: { type: "system" },
      action: "test.one",
    });
    expect([first.seq, second.seq, other.seq]).toEqual([1, 2, 1]);
    expect(second.prevHash).toBe(first.hash);
    expect(await verifyAuditChain(db, { chain: a.id })).toMatchObject({ ok: true, rows: 2 });
  });

  it("never forks under concurrent writers", async () => {
    const m = await createMerchant(db);
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        appendAuditLog(db, {
          merchantId: m.id,
          actor: { type: "system" },
          action: "test.concurrent",
          metadata: { i },
        }),
      ),
    );
    expect(await verifyAuditChain(db, { chain: m.id, pageSize: 7 })).toMatchObject({ ok: true, rows: 25 });
  });

  it("redacts secrets and phone numbers from metadata before storing", async () => {
    const row = await appendAuditLog(db, {
      actor: { type: "anonymous" },
      action: "test.redaction",
      metadata: { consumerSecret: "s3cr3t", phone: "254712345678", note: "called 0712345678" },
    });
    expect(row.chain).toBe(GLOBAL_CHAIN);
    expect(JSON.stringify(row.metadata)).not.toMatch(/s3cr3t|254712345678|0712345678/);
  });

  it("refuses UPDATE and DELETE at the database", async () => {
    const m = await createMerchant(db);
    const row = await appendAuditLog(db, {
      merchantId: m.id,
      actor: { type: "system" },
      action: "test.locked",
    });
    await expect(
      db.auditLog.update({ where: { id: row.id }, data: { action: "test.edited" } }),
    ).rejects.toThrow(/append-only/);
    await expect(db.auditLog.delete({ where: { id: row.id } })).rejects.toThrow(/append-only/);
  });

  it("detects an edited or removed row when the trigger is bypassed", async () => {
    const m = await createMerchant(db);
    for (const action of ["a", "b", "c"]) {
      await appendAuditLog(db, { merchantId: m.id, actor: { type: "system" }, action: `test.${action}` });
    }
    await db.$transaction(async (tx) => {
      await tx.$executeRawUnsafe("SET LOCAL session_replication_role = replica");
      await tx.$executeRaw`UPDATE audit_logs SET action = 'test.forged' WHERE chain = ${m.id} AND seq = 2`;
    });
    expect(await verifyAuditChain(db, { chain: m.id })).toMatchObject({ ok: false, brokenAtSeq: 2 });

    await db.$transaction(async (tx) => {
      await tx.$executeRawUnsafe("SET LOCAL session_replication_role = replica");
      await tx.$executeRaw`UPDATE audit_logs SET action = 'test.b' WHERE chain = ${m.id} AND seq = 2`;
      await tx.$executeRaw`DELETE FROM audit_logs WHERE chain = ${m.id} AND seq = 1`;
    });
    expect(await verifyAuditChain(db, { chain: m.id })).toMatchObject({ ok: false, brokenAtSeq: 1 });
  });

  it("filters by who, action (exact or family), Kenyan dates, and pages by id", async () => {
    const m = await createMerchant(db);
    const add = (label: string, action: string) =>
      appendAuditLog(db, { merchantId: m.id, actor: { type: "user", label }, action });
    await add("wanjiru@duka.example", "team.invited");
    await add("otieno@duka.example", "review.accepted");
    await add("wanjiru@duka.example", "team.role_changed");
    await add("otieno@duka.example", "apikey.created");
    const find = (filters: Record<string, string>) =>
      findAuditLogs(db, { merchantId: m.id, filters: auditFilterSchema.parse(filters) }).then((rows) =>
        rows.map((r) => r.action),
      );
    expect(await find({ actor: "WANJIRU" })).toEqual(["team.role_changed", "team.invited"]);
    expect(await find({ action: "team." })).toEqual(["team.role_changed", "team.invited"]);
    expect(await find({ action: "review.accepted", actor: "otieno" })).toEqual(["review.accepted"]);
    const today = new Date(Date.now() + 3 * 3_600_000).toISOString().slice(0, 10);
    expect(await find({ from: today, to: today })).toHaveLength(4);
    expect(await find({ to: "2000-01-01" })).toEqual([]);
    const [newest] = await findAuditLogs(db, { merchantId: m.id, limit: 1 });
    expect(await find({ before: String(newest?.id) })).toEqual(
      ["apikey.created", "team.role_changed", "review.accepted", "team.invited"].slice(1),
    );
    expect(await findAuditActions(db, { merchantId: m.id })).toEqual([
      "apikey.created",
      "review.accepted",
      "team.invited",
      "team.role_changed",
    ]);
    expect(auditFilterSchema.safeParse({ action: "x; DROP" }).success).toBe(false);
  });

  it("shows a merchant its own staff's security events from the shared chain, and nobody else's", async () => {
    const m = await createMerchant(db);
    const staff = await createMember(db, { merchantId: m.id, role: "viewer" });
    const stranger = await createMember(db);
    const signIn = (user: { id: string; email: string }, action: string) =>
      appendAuditLog(db, {
        actor: { type: "user", id: user.id, label: user.email },
        action,
        target: { type: "user", id: user.id },
      });
    await signIn(staff.user, "auth.sign_in");
    await signIn(stranger.user, "auth.sign_in");
    await appendAuditLog(db, { merchantId: m.id, actor: { type: "system" }, action: "apikey.created" });
    const members = [staff.user.id];
    const rows = await findAuditLogs(db, { merchantId: m.id, memberUserIds: members });
    expect(rows.map((r) => [r.action, r.actorId])).toEqual([
      ["apikey.created", null],
      ["auth.sign_in", staff.user.id],
    ]);
    expect(await findAuditActions(db, { merchantId: m.id, memberUserIds: members })).toEqual([
      "apikey.created",
      "auth.sign_in",
    ]);
    const onlyAuth = await findAuditLogs(db, {
      merchantId: m.id,
      memberUserIds: members,
      filters: auditFilterSchema.parse({ action: "auth." }),
    });
    expect(onlyAuth.map((r) => r.actorId)).toEqual([staff.user.id]);
  });
});
