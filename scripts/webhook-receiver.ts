// A webhook receiver for trying Malipo's webhooks locally: verifies Malipo-Signature with
// WEBHOOK_SECRET and prints each event (README, Webhooks).
//   WEBHOOK_SECRET=whsec_... npx tsx scripts/webhook-receiver.ts   (PORT defaults to 4000)
import { createServer } from "node:http";
import { verifySignature } from "../lib/webhooks/webhook-signature";

const secret = process.env.WEBHOOK_SECRET ?? "";
const port = Number(process.env.PORT ?? 4000);
const seen = new Set<string>();

createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    if (!verifySignature(secret, request.headers["malipo-signature"] as string | undefined, body)) {
      console.log("refused: the signature does not verify (is WEBHOOK_SECRET this endpoint's secret?)");
      response.writeHead(400).end("bad signature");
      return;
    }
    const event = JSON.parse(body) as { id: string; type: string; createdAt: string; data: unknown };
    const duplicate = seen.has(event.id);
    seen.add(event.id);
    console.log(`${duplicate ? "duplicate " : ""}${event.type} ${event.id} ${event.createdAt}`);
    console.log(JSON.stringify(event.data, null, 2));
    response.writeHead(200, { "content-type": "text/plain" }).end("ok");
  });
}).listen(port, () => {
  if (!secret) console.log("WEBHOOK_SECRET is not set: every delivery will be refused.");
  console.log(`listening on http://localhost:${port}/`);
});
