// The server the kill -9 drill (kill-restart.ts) kills: the callback endpoint of ./world.ts on
// DRILL_PORT and DRILL_DATABASE_URL, processing after the answer as the app does. At boot it
// drains the inbox left by the previous process with drainCallbackInbox, as the app's boot does
// (lib/background/index.ts), and prints one JSON line per milestone. DRILL_HOLD=1 acknowledges and
// stores without processing (a process stalled between acknowledgement and processing).
import { parseKeyring } from "../../lib/crypto/keyring";
import { createDb } from "../../lib/db";
import { drainCallbackInbox } from "../../lib/payments/reconciliation/drain-callback-inbox";
import { startCallbackEndpoint } from "./world";

const databaseUrl = process.env.DRILL_DATABASE_URL ?? "";
const keyring = parseKeyring(process.env.DRILL_KEYS ?? "");
const db = createDb(databaseUrl, { max: 10 });
const hold = process.env.DRILL_HOLD === "1";
const endpoint = await startCallbackEndpoint({
  db: () => db,
  databaseUrl,
  keyring,
  spoolDir: process.env.DRILL_SPOOL ?? "",
  port: Number(process.env.DRILL_PORT),
  process: !hold,
});
console.log(JSON.stringify({ ready: true, url: endpoint.url }));
if (!hold) {
  const started = performance.now();
  let processed = 0;
  for (let drain = { more: true, cursor: null as string | null }; drain.more; ) {
    const next = await drainCallbackInbox(db, { keyring, cursor: drain.cursor });
    processed += next.processed;
    drain = next;
  }
  console.log(JSON.stringify({ drained: processed, seconds: (performance.now() - started) / 1000 }));
}
