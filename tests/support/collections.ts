// A world for collection tests: the simulator, a merchant with simulator credentials, and an
// HTTP stand-in for the app's callback route calling the same core functions the route calls.

import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyringSpec, parseKeyring } from "@/lib/crypto/keyring";
import type { Db } from "@/lib/db";
import type { DbClient } from "@/lib/db-types";
import { simulatorCredentials, upsertMpesaCredential } from "@/lib/merchants/mpesa-credentials";
import { handleCallbackRequest } from "@/lib/payments/callbacks/handle-callback-request";
import { type InboxOutcome, processInboxEntry } from "@/lib/payments/callbacks/process-inbox-entry";
import { buildAllowlist } from "@/lib/payments/callbacks/receive-callback";
import type { PaymentsDeps } from "@/lib/payments/deps";
import { startSimulator } from "@/lib/simulator/server";
import type { MpesaEnvironment } from "@/prisma/generated/prisma/enums";
import { createMerchant } from "../factories";

export async function startCollectionsWorld(
  db: Db,
  options: {
    environment?: MpesaEnvironment;
    allowlist?: string[];
    simulatorLog?: (msg: string) => void;
  } = {},
) {
  const sim = await startSimulator({ autoAnswerMs: 20, log: options.simulatorLog });
  const keyring = parseKeyring(generateKeyringSpec("t1"));
  const spoolDir = join(tmpdir(), `malipo-spool-${randomBytes(4).toString("hex")}`);
  const outcomes: InboxOutcome[] = [];
  let appDb: DbClient = db;
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", async () => {
      // The same core call the route handler makes, then the processing it schedules.
      const [, , , path = "", merchantId = "", secret = ""] = (req.url ?? "").split("/"); // /api/<mpesa|hooks>/…
      const result = await handleCallbackRequest(appDb, {
        path,
        merchantId,
        secret,
        body: raw,
        sourceIp: String(req.headers["x-test-ip"] ?? "127.0.0.1"),
        headers: {},
        allowlist: buildAllowlist(options.allowlist ?? ["196.201.214.200"]),
        spoolDir,
      });
      res.writeHead(result.status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(result.body));
      if (result.inboxId && result.kind !== "c2b_validation") {
        outcomes.push(
          await processInboxEntry(appDb, { keyring, inboxId: result.inboxId }).catch(() => "retry" as const),
        );
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const merchant = await createMerchant(db, { environment: options.environment ?? "simulator" });
  await upsertMpesaCredential(db, keyring, merchant.id, {
    ...simulatorCredentials(sim.certificatePem),
    environment: merchant.environment,
  });
  // No prompt limit here: tests/integration/prompt-limits.test.ts covers the app's real one.
  const deps: PaymentsDeps = {
    keyring,
    darajaBaseUrl: () => sim.url,
    appUrl,
    promptLimiter: { consume: async () => null },
  };
  const control = async (method: string, path: string, body?: unknown) =>
    (
      await fetch(`${sim.url}${path}`, {
        method,
        headers: { "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    ).json();
  return {
    sim,
    keyring,
    deps,
    merchant,
    appUrl,
    spoolDir,
    outcomes,
    control,
    /** Make the callback route's database fail (to test the spool). */
    setAppDb(next: DbClient) {
      appDb = next;
    },
    async close() {
      await sim.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export async function waitUntil<T>(
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (ok(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${timeoutMs} ms (last: ${JSON.stringify(value)})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
