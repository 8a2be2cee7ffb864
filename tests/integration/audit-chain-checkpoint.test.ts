import { describe, expect, it } from "vitest";
import { appendAuditLog } from "@/lib/audit/append-audit-log";
import { type ChainCheckpoints, checkAuditChain, FULL_CHECK_EVERY_MS } from "@/lib/audit/check-audit-chain";
import { createMerchant } from "../factories";
import { testDb } from "./db";

describe("the audit log page's chain check from a checkpoint", () => {
  const db = testDb();
  const append = (merchantId: string, action: string) =>
    appendAuditLog(db, { merchantId, actor: { type: "system" }, action: `test.${action}` });
  /** Edits an entry the way an attacker with database access would (the trigger bypassed). */
  const forge = (chain: string, seq: number) =>
    db.$transaction(async (tx) => {
      await tx.$executeRawUnsafe("SET LOCAL session_replication_role = replica");
      await tx.$executeRaw`UPDATE audit_logs SET action = 'test.forged' WHERE chain = ${chain} AND seq = ${seq}`;
    });

  it("walks only new entries between whole walks, and still catches an edit of the checkpoint or a new entry", async () => {
    const m = await createMerchant(db);
    const checkpoints: ChainCheckpoints = new Map();
    const t0 = new Date();
    for (const a of ["a", "b", "c"]) await append(m.id, a);
    expect(await checkAuditChain(db, { chain: m.id, checkpoints, now: t0 })).toMatchObject({
      ok: true,
      rows: 3,
      incremental: false,
      fullyVerifiedAt: t0,
    });
    await append(m.id, "d");
    expect(
      await checkAuditChain(db, { chain: m.id, checkpoints, now: new Date(t0.getTime() + 1000) }),
    ).toMatchObject({ ok: true, rows: 4, incremental: true, fullyVerifiedAt: t0 });
    await append(m.id, "e");
    await forge(m.id, 5); // a new entry, not yet verified
    expect(await checkAuditChain(db, { chain: m.id, checkpoints, now: t0 })).toMatchObject({
      ok: false,
      brokenAtSeq: 5,
      incremental: true,
    });
    // Broken: no checkpoint is kept, every later load walks it all and keeps saying so.
    expect(await checkAuditChain(db, { chain: m.id, checkpoints, now: t0 })).toMatchObject({
      ok: false,
      brokenAtSeq: 5,
      incremental: false,
    });

    const n = await createMerchant(db);
    for (const a of ["a", "b", "c"]) await append(n.id, a);
    await checkAuditChain(db, { chain: n.id, checkpoints, now: t0 });
    await forge(n.id, 3); // the checkpoint entry itself
    expect(await checkAuditChain(db, { chain: n.id, checkpoints, now: t0 })).toMatchObject({
      ok: false,
      brokenAtSeq: 3,
    });
  });

  it("finds an edit of an older entry at the next whole walk: when asked, or when one is due", async () => {
    const m = await createMerchant(db);
    const checkpoints: ChainCheckpoints = new Map();
    const t0 = new Date();
    for (const a of ["a", "b", "c"]) await append(m.id, a);
    await checkAuditChain(db, { chain: m.id, checkpoints, now: t0 });
    await forge(m.id, 2);
    // Between whole walks an older entry is not re-read (the page shows when the last whole walk was).
    expect(await checkAuditChain(db, { chain: m.id, checkpoints, now: t0 })).toMatchObject({ ok: true });
    expect(await checkAuditChain(db, { chain: m.id, checkpoints, now: t0, full: true })).toMatchObject({
      ok: false,
      brokenAtSeq: 2,
    });

    const later = new Map() as ChainCheckpoints;
    const n = await createMerchant(db);
    for (const a of ["a", "b"]) await append(n.id, a);
    await checkAuditChain(db, { chain: n.id, checkpoints: later, now: t0 });
    await forge(n.id, 1);
    const due = new Date(t0.getTime() + FULL_CHECK_EVERY_MS);
    expect(await checkAuditChain(db, { chain: n.id, checkpoints: later, now: due })).toMatchObject({
      ok: false,
      brokenAtSeq: 1,
      incremental: false,
    });
  });
});
