// The control API under /sim/: what tests and the virtual phone use to look inside the simulator,
// answer prompts, pay as a customer, set balances, and order outcomes and faults.
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { parseAccountBalances } from "../payments/daraja/inbound";
import { payC2b } from "./c2b";
import { org, phone, type SimContext } from "./context";
import { createState, faultsSchema, outcomeRuleSchema } from "./state";
import { settlePrompt } from "./stk";
import { json, kes, MSISDN } from "./wire";

/** Buy Goods tills by STK shortcode, as `POST /sim/config {"stkTills": {...}}` registers them. */
const stkTillsSchema = z.record(z.string().regex(/^\d{5,7}$/), z.string().regex(/^\d{5,7}$/)).optional();

export async function handleControl(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  raw: string,
) {
  const { state, settings, timers, certificatePem } = ctx;
  const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const path = url.pathname;
  const method = req.method ?? "GET";
  if (path === "/sim/state" && method === "GET") {
    return json(res, 200, {
      prompts: [...state.prompts.values()],
      transactions: [...state.transactions.values()],
      orgs: [...state.orgs.values()],
      phones: [...state.phones.values()].map(({ pin: _pin, ...p }) => p),
      deliveries: state.deliveries,
      warnings: state.warnings,
      rules: state.rules,
      faults: state.faults,
      stats: state.stats,
      settings: {
        ...settings,
        consumerSecret: settings.consumerSecret ? "[set]" : undefined,
        initiatorPassword: "[set]",
      },
    });
  }
  if (path === "/sim/reset" && method === "POST") {
    for (const t of timers) clearTimeout(t);
    timers.clear();
    const fresh = createState();
    Object.assign(state, fresh);
    return json(res, 200, { ok: true });
  }
  if (path === "/sim/outcomes" && method === "POST") {
    const rule = outcomeRuleSchema.parse(body);
    state.rules.push(rule);
    return json(res, 201, rule);
  }
  if (path === "/sim/outcomes" && method === "DELETE") {
    state.rules = [];
    return json(res, 200, { ok: true });
  }
  if (path === "/sim/faults" && method === "POST") {
    state.faults = faultsSchema.parse(body);
    state.faultUses = 0;
    return json(res, 200, state.faults);
  }
  if (path === "/sim/faults" && method === "DELETE") {
    state.faults = {};
    return json(res, 200, { ok: true });
  }
  if (path === "/sim/config" && method === "POST") {
    for (const key of [
      "tokenTtlSeconds",
      "promptTimeoutMs",
      "autoAnswerMs",
      "c2bValidationWindowMs",
    ] as const) {
      const value = body[key];
      if (typeof value === "number" && value >= 0) settings[key] = value;
    }
    const tills = stkTillsSchema.safeParse(body.stkTills);
    if (!tills.success)
      return json(res, 400, { error: 'stkTills: {"<shortcode>": "<till>"}, 5-7 digits each' });
    Object.assign(settings.stkTills, tills.data);
    return json(res, 200, {
      tokenTtlSeconds: settings.tokenTtlSeconds,
      promptTimeoutMs: settings.promptTimeoutMs,
      autoAnswerMs: settings.autoAnswerMs,
      c2bValidationWindowMs: settings.c2bValidationWindowMs,
      stkTills: settings.stkTills,
    });
  }
  if (path === "/sim/tokens/expire" && method === "POST") {
    state.tokens.clear();
    return json(res, 200, { ok: true });
  }
  if (path === "/sim/certificate" && method === "GET") {
    res.writeHead(200, { "Content-Type": "application/x-pem-file" });
    return res.end(certificatePem);
  }
  if (path === "/sim/prompts" && method === "GET") {
    const filter = url.searchParams.get("phone");
    const list = [...state.prompts.values()].filter(
      (p) => p.state === "waiting" && !p.failWith && (!filter || p.msisdn === filter),
    );
    return json(res, 200, list);
  }
  const action = /^\/sim\/prompts\/([^/]+)\/(accept|cancel|ignore)$/.exec(path);
  if (action && method === "POST") {
    const prompt = state.prompts.get(decodeURIComponent(action[1] ?? ""));
    if (!prompt) return json(res, 404, { error: "no such prompt" });
    if (prompt.state !== "waiting")
      return json(res, 409, { error: "prompt already answered", resultCode: prompt.resultCode });
    if (action[2] === "ignore") return json(res, 202, { ok: true, note: "the prompt will time out (1037)" });
    const pin = String(body.pin ?? "");
    const code = action[2] === "cancel" ? "1032" : pin === phone(ctx, prompt.msisdn).pin ? "0" : "2001";
    await settlePrompt(ctx, prompt, code);
    return json(res, 200, {
      resultCode: prompt.resultCode,
      resultDesc: prompt.resultDesc,
      receipt: prompt.receipt ?? null,
    });
  }
  if (path === "/sim/c2b/pay" && method === "POST") {
    const msisdn = String(body.phone ?? "");
    const amount = Number(body.amount);
    const shortcode = String(body.shortcode ?? "");
    if (!MSISDN.test(msisdn) || !Number.isInteger(amount) || amount < 1 || !/^\d{5,7}$/.test(shortcode)) {
      return json(res, 400, { error: "phone (2547…), whole amount and shortcode are required" });
    }
    return json(
      res,
      200,
      await payC2b(ctx, {
        shortcode,
        msisdn,
        amount,
        account: String(body.account ?? ""),
        till: body.till === true,
      }),
    );
  }
  const phoneMatch = /^\/sim\/phones\/(254\d{9})$/.exec(path);
  if (phoneMatch && method === "PUT") {
    const p = phone(ctx, phoneMatch[1] ?? "");
    if (typeof body.balance === "number") p.balanceCents = Math.round(body.balance * 100);
    if (typeof body.pin === "string") p.pin = body.pin;
    if (typeof body.name === "string") p.name = body.name;
    if (typeof body.registered === "boolean") p.registered = body.registered;
    return json(res, 200, {
      msisdn: p.msisdn,
      balance: p.balanceCents / 100,
      name: p.name,
      registered: p.registered,
    });
  }
  const orgMatch = /^\/sim\/orgs\/(\d{5,9})$/.exec(path);
  if (orgMatch && method === "PUT") {
    const o = org(ctx, orgMatch[1] ?? "");
    if (typeof body.utility === "number") o.utilityCents = Math.round(body.utility * 100);
    if (typeof body.working === "number") o.workingCents = Math.round(body.working * 100);
    return json(res, 200, {
      shortcode: o.shortcode,
      balances: parseAccountBalances(
        `Utility Account|KES|${kes(o.utilityCents)}&Working Account|KES|${kes(o.workingCents)}`,
      ),
    });
  }
  return json(res, 404, { error: "unknown control endpoint" });
}
