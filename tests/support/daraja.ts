// A simulator on a free port, a local receiver for its callbacks, and a client wired to both.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createDarajaClient, type DarajaClientDeps } from "@/lib/payments/daraja/client";
import { SANDBOX_STK_PASSKEY, SANDBOX_STK_SHORTCODE } from "@/lib/payments/daraja/environments";
import { type DarajaResult, parseResult } from "@/lib/payments/daraja/inbound";
import { type SimulatorOptions, startSimulator } from "@/lib/simulator/server";

export interface Received {
  path: string;
  body: unknown;
  at: number;
}

/** Collects POSTed callbacks; `answer` decides the reply (default: accepted). */
export async function startReceiver(
  answer: (path: string, body: unknown) => unknown = () => ({ ResultCode: 0, ResultDesc: "Accepted" }),
) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      const body: unknown = raw ? JSON.parse(raw) : null;
      received.push({ path: req.url ?? "/", body, at: Date.now() });
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(answer(req.url ?? "/", body)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (path: string) => `${base}${path}`,
    received,
    /** Waits until `count` callbacks arrived on `path` (or any path when omitted). */
    async waitFor(count: number, path?: string, timeoutMs = 5_000): Promise<Received[]> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const matching = received.filter((r) => !path || r.path === path);
        if (matching.length >= count) return matching;
        if (Date.now() > deadline)
          throw new Error(`expected ${count} callbacks on ${path ?? "any path"}, got ${matching.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    /** The first Result (B2C, B2B, status, balance, reversal) POSTed to `path`, parsed. */
    async resultOn(path: string): Promise<DarajaResult> {
      const [d] = await this.waitFor(1, path);
      const parsed = parseResult(d?.body);
      if (!parsed.ok) throw new Error(parsed.error);
      return parsed.value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function startDarajaWorld(options: SimulatorOptions = {}, deps: DarajaClientDeps = {}) {
  const sim = await startSimulator({ autoAnswerMs: 20, ...options });
  const receiver = await startReceiver();
  const client = createDarajaClient(
    {
      environment: "simulator",
      baseUrl: sim.url,
      consumerKey: options.consumerKey ?? "test-key",
      consumerSecret: options.consumerSecret ?? "test-secret",
      stk: { shortcode: SANDBOX_STK_SHORTCODE, passkey: SANDBOX_STK_PASSKEY },
      shortcode: "600000",
      initiator: { name: "testapi", password: "Safaricom999!*!", certificatePem: sim.certificatePem },
    },
    { sleep: async () => {}, ...deps },
  );
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sim.url}${path}`, {
      method,
      headers: { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await res.json()) as Record<string, unknown>;
  };
  return {
    sim,
    receiver,
    client,
    control,
    async close() {
      await sim.close();
      await receiver.close();
    },
  };
}
