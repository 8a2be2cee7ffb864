// Callbacks over HTTP, with the faults a test has ordered through /sim/faults: duplicates
// (one after another or concurrent), delay, drop (all or a share), out of order and a different amount.
import { later, type SimContext } from "./context";
import type { Delivery, Faults } from "./state";

/** A delivery that got an answer keeps its first 500 characters (C2B validation reads them). */
export type SentDelivery = Delivery & { response?: string };

/** The faults for this callback, counting one use towards their `times`. */
function activeFaults(ctx: SimContext): Faults {
  const { state } = ctx;
  const f = state.faults;
  if (Object.keys(f).length === 0) return {};
  state.faultUses += 1;
  if (f.times !== undefined && state.faultUses >= f.times) {
    state.faults = {};
    state.faultUses = 0;
  }
  return f;
}

/** POSTs one body, no faults, and keeps the last 500 deliveries for /sim/state. */
export async function post(
  ctx: SimContext,
  kind: string,
  url: string,
  body: unknown,
  timeoutMs = 10_000,
): Promise<SentDelivery> {
  const { state } = ctx;
  const record: SentDelivery = {
    id: ++ctx.delivery.lastId,
    kind,
    url,
    status: null,
    error: null,
    at: new Date(),
    body,
  };
  state.deliveries.push(record);
  if (state.deliveries.length > 500) state.deliveries.shift();
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "User-Agent": "malipo-daraja-simulator" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    record.status = res.status;
    record.body = body;
    record.response = (await res.text()).slice(0, 500);
  } catch (error) {
    record.error = (error as Error).message;
  }
  ctx.log(`callback ${kind} → ${url}: ${record.status ?? record.error}`);
  return record;
}

/** Delivers one callback, applying the faults in force. Daraja does not retry: neither do we. */
export function deliver(
  ctx: SimContext,
  kind: string,
  url: string,
  makeBody: (faultAmount?: number) => unknown,
): Promise<void> {
  const f = activeFaults(ctx);
  const body = makeBody(f.amount);
  if (f.drop || (f.dropShare !== undefined && Math.random() < f.dropShare)) {
    ctx.state.deliveries.push({
      id: ++ctx.delivery.lastId,
      kind,
      url,
      status: null,
      error: "dropped (fault)",
      at: new Date(),
      body,
    });
    return Promise.resolve();
  }
  const copies = 1 + (f.duplicates ?? 0);
  const send = async () => {
    if (f.concurrent) await Promise.all(Array.from({ length: copies }, () => post(ctx, kind, url, body)));
    else for (let i = 0; i < copies; i += 1) await post(ctx, kind, url, body);
  };
  return new Promise((resolve) => {
    const go = () => {
      if (f.outOfOrder && !ctx.delivery.held) {
        let flushed = false;
        ctx.delivery.held = () => {
          if (flushed) return;
          flushed = true;
          void send().then(resolve);
        };
        later(ctx, 2_000, () => {
          const h = ctx.delivery.held;
          ctx.delivery.held = null;
          h?.();
        });
        return;
      }
      const previous = ctx.delivery.held;
      ctx.delivery.held = null;
      void send().then(() => {
        previous?.();
        resolve();
      });
    };
    if (f.delayMs) later(ctx, f.delayMs, go);
    else go();
  });
}
