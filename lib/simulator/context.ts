// What one running simulator shares between its parts. Everything lives here rather than in
// module variables, so several simulators can run in one process (tests start one per file).
import type { KeyObject } from "node:crypto";
import { magicPhoneOutcome } from "./codes";
import type { Api, Org, Phone, SimState, SimulatorSettings, Transaction, Warning } from "./state";

export interface SimContext {
  /** Mutable: /sim/config changes the timings in place. */
  settings: SimulatorSettings;
  /** Mutable: /sim/reset replaces its contents in place, so this object stays the one callers hold. */
  state: SimState;
  log: (msg: string) => void;
  /** Pending timers, cleared by /sim/reset and close(). */
  timers: Set<NodeJS.Timeout>;
  /** Decrypts initiators' SecurityCredential; its public half is the simulator's "certificate". */
  privateKey: KeyObject;
  certificatePem: string;
  /** Callback bookkeeping outside `state`, so /sim/reset leaves it alone. */
  delivery: {
    lastId: number;
    /** The callback an outOfOrder fault is holding back until the next one is sent. */
    held: (() => void) | null;
  };
}

/** Runs `fn` after `ms`, on a timer that reset and close() can cancel. */
export function later(ctx: SimContext, ms: number, fn: () => void): void {
  const t = setTimeout(() => {
    ctx.timers.delete(t);
    fn();
  }, ms);
  ctx.timers.add(t);
}

/** Logs a warning and keeps the last 200 for /sim/state, so developers see what to fix. */
export function warn(ctx: SimContext, warning: Omit<Warning, "at">): void {
  ctx.state.warnings.push({ at: new Date(), ...warning });
  if (ctx.state.warnings.length > 200) ctx.state.warnings.shift();
  ctx.log(`warning (${warning.api}): ${warning.message}`);
}

export function record(
  ctx: SimContext,
  tx: Omit<Transaction, "status" | "completedAt" | "initiatedAt"> & { initiatedAt?: Date },
): void {
  const completedAt = new Date();
  ctx.state.transactions.set(tx.receipt, {
    ...tx,
    status: "Completed",
    initiatedAt: tx.initiatedAt ?? completedAt,
    completedAt,
  });
}

/** The organisation behind a shortcode, created with the default balance on first use. */
export function org(ctx: SimContext, shortcode: string): Org {
  let o = ctx.state.orgs.get(shortcode);
  if (!o) {
    o = { shortcode, utilityCents: ctx.settings.defaultOrgUtilityCents, workingCents: 0, chargesCents: 0 };
    ctx.state.orgs.set(shortcode, o);
  }
  return o;
}

/** The subscriber behind a number, created with the default balance and PIN on first use. */
export function phone(ctx: SimContext, msisdn: string): Phone {
  let p = ctx.state.phones.get(msisdn);
  if (!p) {
    p = {
      msisdn,
      balanceCents: ctx.settings.defaultPhoneBalanceCents,
      pin: "1234",
      name: `Customer ${msisdn.slice(-3)}`,
      registered: true,
    };
    ctx.state.phones.set(msisdn, p);
  }
  return p;
}

/** The outcome chosen for a request: a control-API rule first, then a magic phone number. */
export function chosenOutcome(
  ctx: SimContext,
  api: Api,
  msisdn: string | null,
  amount: number | null,
): { code: string; delayMs: number } | null {
  const { state, settings } = ctx;
  const index = state.rules.findIndex(
    (r) =>
      (!r.api || r.api === api) &&
      (!r.phone || r.phone === msisdn) &&
      (r.amount === undefined || r.amount === amount),
  );
  const rule = state.rules[index];
  if (rule) {
    if (rule.times !== undefined) {
      rule.times -= 1;
      if (rule.times <= 0) state.rules.splice(index, 1);
    }
    return { code: rule.resultCode, delayMs: rule.delayMs ?? settings.autoAnswerMs };
  }
  const magic = msisdn ? magicPhoneOutcome(msisdn) : null;
  return magic === null ? null : { code: magic, delayMs: settings.autoAnswerMs };
}
