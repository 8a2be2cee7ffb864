// `npm run stk -- --phone 0712345678 --amount 10 [--reference INV1]`: sends an STK prompt through
// the Daraja client to the simulator started by `npm run dev` (or `npm run sim`), then waits for
// the result while you answer it on the virtual phone.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { createDarajaClient } from "../lib/payments/daraja/client";
import { SANDBOX_STK_PASSKEY, SANDBOX_STK_SHORTCODE } from "../lib/payments/daraja/environments";
import { parseStkCallback } from "../lib/payments/daraja/inbound";

const { values } = parseArgs({
  options: {
    phone: { type: "string", default: "0712345678" },
    amount: { type: "string", default: "10" },
    reference: { type: "string", default: "DEMO-1" },
  },
});
const port = Number(process.env.MPESA_SIM_PORT || 4010);

const receiver = createServer((req, res) => {
  let raw = "";
  req.on("data", (chunk) => {
    raw += chunk;
  });
  req.on("end", () => {
    res.end(JSON.stringify({ ResultCode: 0, ResultDesc: "Accepted" }));
    const parsed = parseStkCallback(JSON.parse(raw || "null"));
    if (!parsed.ok) console.log(`callback could not be parsed: ${parsed.error}`);
    else if (parsed.value.resultCode === "0")
      console.log(`✅ paid: KES ${parsed.value.amount}, receipt ${parsed.value.receipt}`);
    else console.log(`❌ not paid: ${parsed.value.resultCode} ${parsed.value.resultDesc}`);
    receiver.close();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", () => resolve()));

const client = createDarajaClient({
  environment: "simulator",
  baseUrl: process.env.MPESA_BASE_URL || `http://127.0.0.1:${port}`,
  consumerKey: process.env.MPESA_CONSUMER_KEY || "local",
  consumerSecret: process.env.MPESA_CONSUMER_SECRET || "local",
  stk: { shortcode: SANDBOX_STK_SHORTCODE, passkey: SANDBOX_STK_PASSKEY },
});
try {
  const push = await client.stkPush({
    amount: values.amount,
    phone: values.phone ?? "",
    accountReference: values.reference ?? "DEMO-1",
    callbackUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/stk`,
  });
  console.log(`Prompt sent to ${push.msisdn} (${push.checkoutRequestId}).`);
  console.log(
    `Answer it on the virtual phone: http://localhost:${port}/phone  (PIN 1234). Waiting for M-Pesa's answer…`,
  );
} catch (error) {
  console.error(`Could not send the prompt: ${(error as Error).message}`);
  console.error(`Is the simulator running? npm run dev (or npm run sim) starts it on port ${port}.`);
  receiver.close();
  process.exitCode = 1;
}
