// Importing an M-Pesa organisation statement: its lines become M-Pesa records, matched against
// Malipo's books, and every difference in its period becomes a review item.
import type { Readable } from "node:stream";
import type { Prisma, StatementImport } from "../../../../prisma/generated/prisma/client";
import type { MpesaEnvironment } from "../../../../prisma/generated/prisma/enums";
import { appendAuditLog, type UserActor } from "../../../audit/append-audit-log";
import { AppError } from "../../../errors";
import { findMissingAtMpesa } from "../compare-window";
import { type MpesaRecordDeps, matchMpesaRecords } from "../match-mpesa-records";
import { recordMpesaRecords } from "../record-mpesa-records";
import { matchRecordsByReceipt } from "./match-records-by-receipt";
import { openStatementFile } from "./open-statement-file";
import { parseStatement, type RefusedStatementRow } from "./parse-statement";
import type { StatementFacts } from "./statement-header";

/** Refused rows kept with the import for people to see; the rest are only counted. */
export const KEPT_REFUSED_ROWS = 100;

/** What an import found, stored as the StatementImport's summary. */
export interface StatementImportSummary {
  accountHolder?: string;
  bytes: number;
  /** Where the period came from: the statement's own heading, or the first and last line. */
  periodFrom: "statement" | "lines" | "none";
  /** Review items opened by this import, by kind. */
  opened: Record<string, number>;
  matched: number;
  /** Payments Malipo had missed, now recorded from the statement. */
  recovered: number;
  /** Paid payments that got their receipt from the statement. */
  receiptsCompleted: number;
  /** Rows whose status was not Completed, and rows that were not transactions at all. */
  notCompleted: number;
  skipped: number;
  /** The first refused rows, with their row numbers and reasons. */
  refused: RefusedStatementRow[];
  /** An earlier import of the very same file, if any. */
  sameFileAs?: { id: string; createdAt: string };
}

const refuse = (message: string) => new AppError("bad_request", message, { field: "file" });

/** The shortcodes a merchant's statement may be for: organisation, STK (head office) and till. */
async function merchantShortcodes(deps: MpesaRecordDeps, merchantId: string, environment: MpesaEnvironment) {
  const credential = await deps.db.mpesaCredential.findUnique({
    where: { merchantId_environment: { merchantId, environment } },
    select: { shortcode: true, stkShortcode: true, tillNumber: true },
  });
  if (!credential) return null;
  return new Set([credential.shortcode, credential.stkShortcode, credential.tillNumber].filter(Boolean));
}

/**
 * Imports one statement file for a merchant, streaming: at most 1,000 lines are held at a time.
 * A statement whose heading names another shortcode than the merchant's is refused (400) before
 * anything is stored. Each batch of lines is recorded (idempotent on receipt and entry), and only
 * the new records are matched (in bulk where receipt and amount agree, else one by one); then
 * money Malipo shows in the statement's period that the statement lacks is flagged. The same file imported again adds no record and opens no review item. The
 * import (with its refused rows), a ReconciliationRun of kind "statement" and the audit entry
 * `statement.imported` are recorded; a file that cannot be read leaves a failed import with its
 * reason, and the error is thrown for the caller to show.
 */
export async function importStatement(
  deps: MpesaRecordDeps,
  options: {
    merchantId: string;
    actor: UserActor;
    fileName: string;
    environment: MpesaEnvironment;
    maxBytes?: number;
  } & ({ stream: Readable } | { bytes: Uint8Array }),
): Promise<StatementImport> {
  const { db } = deps;
  const { merchantId, actor, environment } = options;
  const now = () => deps.now?.() ?? new Date();
  const startedAt = now();
  const fileName = options.fileName.replace(/[^\p{L}\p{N} ._()-]/gu, "_").slice(0, 200) || "statement";
  const input = "stream" in options ? options.stream : options.bytes;

  const record = await db.statementImport.create({
    data: {
      merchantId,
      fileName,
      fileSha256: "",
      format: "unknown",
      importedById: actor.id,
      importedByLabel: actor.label,
    },
  });
  const summary: StatementImportSummary = {
    bytes: 0,
    periodFrom: "none",
    opened: {},
    matched: 0,
    recovered: 0,
    receiptsCompleted: 0,
    notCompleted: 0,
    skipped: 0,
    refused: [],
  };
  const totals = { rows: 0, newRecords: 0, duplicateRecords: 0, refusedRows: 0 };
  const add = (opened: Record<string, number>) => {
    for (const [kind, n] of Object.entries(opened))
      if (n > 0) summary.opened[kind] = (summary.opened[kind] ?? 0) + n;
  };
  /** The import as a reconciliation run, beside the pulls and sweeps. */
  const recordRun = (
    data: Omit<Prisma.ReconciliationRunUncheckedCreateInput, "kind" | "merchantId" | "startedAt">,
  ) => db.reconciliationRun.create({ data: { kind: "statement", merchantId, startedAt, ...data } });
  let format = "unknown";
  let shortcode: string | null = null;

  try {
    const file = await openStatementFile(input, { maxBytes: options.maxBytes });
    format = file.format;
    const allowed = await merchantShortcodes(deps, merchantId, environment);
    let facts: StatementFacts = {};
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;

    for await (const batch of parseStatement(file)) {
      if (facts !== batch.facts) {
        facts = batch.facts;
        shortcode = facts.shortcode ?? null;
        if (shortcode && allowed && !allowed.has(shortcode))
          throw refuse(
            `This statement is for shortcode ${shortcode}, not this merchant's (${[...allowed].join(", ")}): switch merchant or upload the right statement.`,
          );
        summary.accountHolder = facts.accountHolder;
      }
      totals.rows += batch.lines.length + batch.refused.length + batch.notCompleted;
      totals.refusedRows += batch.refused.length;
      summary.notCompleted += batch.notCompleted;
      summary.skipped += batch.skipped;
      for (const row of batch.refused)
        if (summary.refused.length < KEPT_REFUSED_ROWS) summary.refused.push(row);
      if (batch.lines.length === 0) continue;
      for (const line of batch.lines) {
        first = Math.min(first, line.completedAt.getTime());
        last = Math.max(last, line.completedAt.getTime());
      }
      const stored = await recordMpesaRecords(db, {
        merchantId,
        environment,
        source: "statement",
        statementImportId: record.id,
        lines: batch.lines,
      });
      totals.newRecords += stored.insertedIds.length;
      totals.duplicateRecords += stored.duplicates;
      // What agrees by receipt and amount is tied in bulk; the rest goes through the full matching.
      const tied = new Set(
        await matchRecordsByReceipt(db, { merchantId, recordIds: stored.insertedIds, now: now() }),
      );
      summary.matched += tied.size;
      const rest = stored.insertedIds.filter((id) => !tied.has(id));
      if (rest.length > 0) {
        const matched = await matchMpesaRecords(deps, { merchantId, recordIds: rest });
        summary.matched += matched.matched;
        summary.recovered += matched.recovered;
        summary.receiptsCompleted += matched.receiptsCompleted;
        add(matched.opened);
      }
    }

    // The heading's period is what the statement vouches for; without one, its first to last line.
    let period: { start: Date; end: Date } | null = null;
    if (facts.periodStart && facts.periodEnd && facts.periodEnd > facts.periodStart) {
      period = { start: facts.periodStart, end: facts.periodEnd };
      summary.periodFrom = "statement";
    } else if (Number.isFinite(first)) {
      period = { start: new Date(first), end: new Date(last + 1000) };
      summary.periodFrom = "lines";
    }
    if (period) {
      const missing = await findMissingAtMpesa(deps, {
        merchantId,
        from: period.start,
        to: period.end,
        directions: ["in", "out"],
      });
      const notInMpesa = missing.payments + missing.c2bTransactions + missing.payouts + missing.reversals;
      add({ not_in_mpesa: notInMpesa });
    }

    summary.bytes = file.bytes();
    const fileSha256 = file.sha256();
    const earlier = await db.statementImport.findFirst({
      where: { merchantId, fileSha256, state: "done", id: { not: record.id } },
      orderBy: { createdAt: "asc" },
      select: { id: true, createdAt: true },
    });
    if (earlier) summary.sameFileAs = { id: earlier.id, createdAt: earlier.createdAt.toISOString() };

    const finishedAt = now();
    const done = await db.statementImport.update({
      where: { id: record.id },
      data: {
        state: "done",
        format,
        fileSha256,
        shortcode,
        periodStart: period?.start ?? null,
        periodEnd: period?.end ?? null,
        ...totals,
        summary: toJson(summary),
        finishedAt,
      },
    });
    await recordRun({
      windowStart: period?.start ?? null,
      windowEnd: period?.end ?? null,
      finishedAt,
      counts: toJson({
        statementImportId: record.id,
        ...totals,
        opened: summary.opened,
        matched: summary.matched,
      }),
    });
    await appendAuditLog(db, {
      merchantId,
      actor: { type: "user", id: actor.id, label: actor.label, ip: actor.ip ?? null },
      action: "statement.imported",
      target: { type: "statement_import", id: record.id },
      metadata: {
        fileName,
        fileSha256,
        format,
        shortcode,
        periodStart: period?.start.toISOString() ?? null,
        periodEnd: period?.end.toISOString() ?? null,
        ...totals,
        opened: summary.opened,
      },
    });
    return done;
  } catch (error) {
    const known = error instanceof AppError ? error : null;
    const finishedAt = now();
    await db.statementImport.update({
      where: { id: record.id },
      data: {
        state: "failed",
        format,
        shortcode,
        error: known?.publicMessage ?? "The statement could not be imported.",
        ...totals,
        summary: toJson(summary),
        finishedAt,
      },
    });
    await recordRun({
      finishedAt,
      counts: { statementImportId: record.id },
      error: (known?.publicMessage ?? (error instanceof Error ? error.message : String(error))).slice(0, 500),
    });
    throw error;
  }
}

/** A plain object as stored JSON (no bigints in these; dates become strings). */
function toJson(value: object): Prisma.InputJsonObject {
  return JSON.parse(JSON.stringify(value));
}
