// POST /api/dashboard/statements?name=<file name>: import an M-Pesa statement (CSV or .xlsx), the
// request body being the file itself, streamed to the parser (never buffered whole).
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { z } from "zod";
import { errorResponse } from "@/lib/api/route";
import { getLogger } from "@/lib/logger";
import { importStatement } from "@/lib/payments/reconciliation/statement/import-statement";
import { MAX_STATEMENT_BYTES } from "@/lib/payments/reconciliation/statement/open-statement-file";
import { paymentsRuntime } from "@/lib/payments-runtime";
import { tenantForRoute } from "@/lib/session";

const querySchema = z.object({ name: z.string().trim().min(1, "name the file").max(200) });

const tooLarge = () =>
  Response.json(
    {
      error: {
        code: "bad_request",
        field: "file",
        message: `The file is over ${MAX_STATEMENT_BYTES / 1024 / 1024} MB: download a shorter period.`,
      },
    },
    { status: 413 },
  );

export async function POST(request: Request) {
  const tenant = await tenantForRoute("reconciliation:manage");
  if (tenant instanceof Response) return tenant;
  const log = getLogger().child({ route: "/api/dashboard/statements", merchantId: tenant.merchant.id });
  try {
    const { name } = querySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
    if (Number(request.headers.get("content-length") ?? 0) > MAX_STATEMENT_BYTES) return tooLarge();
    if (!request.body)
      return Response.json(
        { error: { code: "bad_request", field: "file", message: "Choose a statement file to upload." } },
        { status: 400 },
      );
    const imported = await importStatement(
      { db: tenant.db, keyring: paymentsRuntime().deps.keyring },
      {
        merchantId: tenant.merchant.id,
        actor: tenant.actor,
        fileName: name,
        environment: tenant.merchant.environment,
        stream: Readable.fromWeb(request.body as NodeReadableStream<Uint8Array>),
      },
    );
    return Response.json(
      {
        id: imported.id,
        state: imported.state,
        rows: imported.rows,
        newRecords: imported.newRecords,
        duplicateRecords: imported.duplicateRecords,
        refusedRows: imported.refusedRows,
      },
      { status: 201 },
    );
  } catch (error) {
    return errorResponse(error, log);
  }
}
