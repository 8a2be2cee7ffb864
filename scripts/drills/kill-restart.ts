// `npm run drill:kill [-- --n 10000] [--hold] [--database-url <server url>]`: a callback burst at a server
// that is killed with SIGKILL part-way (or, with --hold, once every callback is acknowledged but
// none processed), then started again. Every acknowledged callback must be settled after the
// restart, none twice; reports how long the backlog took to drain. Exits 1 on any loss or double.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { generateKeyringSpec, parseKeyring } from "../../lib/crypto/keyring";
import { createDb } from "../../lib/db";
import { drillFlags, runOnOwnDatabase } from "./cli";
import {
  createPendingPayments,
  forEachLimit,
  pollUntil,
  postStkCallback,
  settlementTally,
  stkSuccessBody,
  verdict,
} from "./world";

interface Child {
  process: ChildProcess;
  lines: Record<string, unknown>[];
  waitFor: (key: string, timeoutMs: number) => Promise<Record<string, unknown>>;
}

function startServer(env: Record<string, string>): Child {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "callback-server.ts")],
    {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const lines: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
      for (const w of waiters.splice(0)) w();
    } catch {
      // not one of ours
    }
  });
  const waitFor = async (key: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = lines.find((l) => key in l);
      if (found) return found;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the server never said ${key}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    }
  };
  return { process: child, lines, waitFor };
}

export async function runKillRestartDrill(options: {
  databaseUrl: string;
  n: number;
  /** Kill once this share of the burst is acknowledged (default 0.6); ignored with `hold`. */
  killAt?: number;
  hold?: boolean;
  port: number;
}): Promise<{ ok: boolean; facts: Record<string, unknown> }> {
  const db = createDb(options.databaseUrl, { max: 4 });
  const spoolDir = join(tmpdir(), `malipo-drill-kill-${randomBytes(4).toString("hex")}`);
  const env = {
    DRILL_DATABASE_URL: options.databaseUrl,
    DRILL_KEYS: generateKeyringSpec("drill"),
    DRILL_PORT: String(options.port),
    DRILL_SPOOL: spoolDir,
  };
  let server: Child | undefined;
  try {
    const merchant = await db.merchant.create({
      data: {
        name: "Drill merchant",
        slug: `drill-${randomBytes(4).toString("hex")}`,
        environment: "simulator",
      },
    });
    const payments = await createPendingPayments(db, {
      merchantId: merchant.id,
      n: options.n,
      keyring: parseKeyring(env.DRILL_KEYS),
    });
    server = startServer({ ...env, DRILL_HOLD: options.hold ? "1" : "0" });
    const url = String((await server.waitFor("ready", 60_000)).url);
    const acknowledged = new Set<string>();
    const killAfter = options.hold ? options.n : Math.ceil(options.n * (options.killAt ?? 0.6));
    const first = server;
    const burstStarted = performance.now();
    await forEachLimit(options.n, 50, async (i) => {
      const p = payments[i];
      if (!p || first.process.killed) return;
      if (await postStkCallback(url, merchant, stkSuccessBody(p.checkoutRequestId, p.amount, i)))
        acknowledged.add(p.id);
      if (acknowledged.size >= killAfter && !first.process.killed) first.process.kill("SIGKILL");
    });
    const burstSeconds = (performance.now() - burstStarted) / 1000;
    if (!first.process.killed) first.process.kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 300));
    const atKill = await settlementTally(db, merchant.id);
    const waiting = await db.callbackInbox.count({ where: { merchantId: merchant.id, state: "pending" } });

    const restarted = performance.now();
    server = startServer({ ...env, DRILL_HOLD: "0" });
    await server.waitFor("ready", 60_000);
    const ackedIds = [...acknowledged];
    const unsettled = () => db.payment.count({ where: { id: { in: ackedIds }, status: { not: "paid" } } });
    const left = await pollUntil(unsettled, (n) => n === 0, 120_000 + options.n * 100);
    const drainSeconds = (performance.now() - restarted) / 1000;
    const bootDrain = await server.waitFor("drained", 60_000).catch(() => ({}));
    const tally = await settlementTally(db, merchant.id);
    const facts = {
      payments: options.n,
      mode: options.hold
        ? "held: every callback acknowledged, none processed"
        : `killed at ${killAfter} acks`,
      acknowledged: acknowledged.size,
      burstSeconds: +burstSeconds.toFixed(1),
      paidAtKill: atKill.paid,
      waitingInInboxAtKill: waiting,
      acknowledgedNotPaidAfterRestart: left,
      paid: tally.paid,
      doubles: tally.doubles,
      reviewItems: tally.reviews,
      secondsFromRestartToAllSettled: +drainSeconds.toFixed(1),
      bootDrain,
    };
    return { ok: left === 0 && tally.doubles === 0 && tally.reviews === 0 && acknowledged.size > 0, facts };
  } finally {
    server?.process.kill("SIGKILL");
    await db.$disconnect();
    rmSync(spoolDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const flags = drillFlags({ n: 10_000 });
  const { values } = parseArgs({
    options: { hold: { type: "boolean" }, port: { type: "string" }, "kill-at": { type: "string" } },
    strict: false,
  });
  await runOnOwnDatabase("kill", flags, async (databaseUrl) => {
    const { ok, facts } = await runKillRestartDrill({
      databaseUrl,
      n: flags.n,
      hold: values.hold === true,
      killAt: values["kill-at"] === undefined ? undefined : Number(values["kill-at"]),
      port: Number(values.port ?? 4502),
    });
    return verdict("kill", ok, facts);
  });
}
