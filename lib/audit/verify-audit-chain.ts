import type { DbClient } from "../db-types";
import { auditHash, GENESIS_HASH } from "./hash";

export type ChainCheck =
  | { ok: true; rows: number; lastHash: string }
  | { ok: false; rows: number; brokenAtSeq: number; reason: string };

/**
 * Walks one chain in order (keyset pages, so it stays cheap in memory on long logs) and
 * recomputes every hash. Reports the first row that was edited, inserted or removed.
 * `from`: a row already verified (its seq and hash): only that row is re-read, to prove it is
 * still there unchanged, and the walk goes on from the row after it (lib/audit/check-audit-chain.ts).
 */
export async function verifyAuditChain(
  db: DbClient,
  options: { chain: string; pageSize?: number; from?: { seq: number; hash: string } },
): Promise<ChainCheck> {
  const pageSize = options.pageSize ?? 1000;
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let rows = 0;
  const { from } = options;
  if (from && from.seq > 0) {
    const row = await db.auditLog.findFirst({ where: { chain: options.chain, seq: from.seq } });
    if (!row) return { ok: false, rows: 0, brokenAtSeq: from.seq, reason: `row ${from.seq} is missing` };
    if (row.hash !== from.hash || auditHash(row.prevHash, row) !== row.hash)
      return { ok: false, rows: 0, brokenAtSeq: from.seq, reason: "content does not match its hash" };
    prevHash = row.hash;
    expectedSeq = from.seq + 1;
    rows = from.seq;
  }
  for (;;) {
    const page = await db.auditLog.findMany({
      where: { chain: options.chain, seq: { gte: expectedSeq } },
      orderBy: { seq: "asc" },
      take: pageSize,
    });
    for (const row of page) {
      if (row.seq !== expectedSeq) {
        return { ok: false, rows, brokenAtSeq: expectedSeq, reason: `row ${expectedSeq} is missing` };
      }
      if (row.prevHash !== prevHash) {
        return { ok: false, rows, brokenAtSeq: row.seq, reason: "does not point at the previous row" };
      }
      if (auditHash(prevHash, row) !== row.hash) {
        return { ok: false, rows, brokenAtSeq: row.seq, reason: "content does not match its hash" };
      }
      prevHash = row.hash;
      expectedSeq += 1;
      rows += 1;
    }
    if (page.length < pageSize) return { ok: true, rows, lastHash: prevHash };
  }
}
