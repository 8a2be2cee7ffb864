// The Daraja simulator: Safaricom's wire format on a local port, a virtual phone, money that
// behaves like money, callbacks over HTTP and faults to order. Development and tests only: the
// app never imports it (scripts/sim.ts and the dev launcher start it).
//
// This file starts one simulator and wires its parts together; they share one SimContext
// (lib/simulator/context.ts): http.ts routes, stk.ts, c2b.ts and business.ts speak the APIs,
// delivery.ts sends callbacks with faults, control.ts is the /sim/ API.
import { generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { redactText } from "../redact";
import type { SimContext } from "./context";
import { requestListener } from "./http";
import { createState, type SimulatorSettings } from "./state";

export { decryptPkcs1 } from "./initiator";

export interface SimulatorOptions extends Partial<SimulatorSettings> {
  port?: number;
  host?: string;
  log?: (msg: string) => void;
}

export interface Simulator {
  url: string;
  port: number;
  /** PEM public key to encrypt initiator passwords with (the simulator's "certificate"). */
  certificatePem: string;
  settings: SimulatorSettings;
  state: ReturnType<typeof createState>;
  close(): Promise<void>;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const settings: SimulatorSettings = {
    consumerKey: options.consumerKey,
    consumerSecret: options.consumerSecret,
    stkShortcodes: options.stkShortcodes ?? {
      "174379": "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919",
    },
    stkTills: options.stkTills ?? {},
    initiatorName: options.initiatorName ?? "testapi",
    initiatorPassword: options.initiatorPassword ?? "Safaricom999!*!",
    tokenTtlSeconds: options.tokenTtlSeconds ?? 3599,
    promptTimeoutMs: options.promptTimeoutMs ?? 60_000,
    autoAnswerMs: options.autoAnswerMs ?? 1_000,
    c2bValidationWindowMs: options.c2bValidationWindowMs ?? 8_000,
    defaultPhoneBalanceCents: options.defaultPhoneBalanceCents ?? 50_000_00,
    defaultOrgUtilityCents: options.defaultOrgUtilityCents ?? 1_000_000_00,
    maxAmountKes: options.maxAmountKes ?? 250_000,
    b2cMinAmountKes: options.b2cMinAmountKes ?? 10,
  };
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const ctx: SimContext = {
    settings,
    state: createState(),
    // Callback URLs end in the merchant's secret and CheckoutRequestIDs carry the payer's number.
    log: (msg: string) => options.log?.(redactText(msg)),
    timers: new Set(),
    privateKey,
    certificatePem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    delivery: { lastId: 0, held: null },
  };

  const server = createServer(requestListener(ctx));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    certificatePem: ctx.certificatePem,
    settings,
    state: ctx.state,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of ctx.timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
