// Daraja callbacks: authenticate, store the raw body, acknowledge at once, process afterwards.
// Under `npm start` the front server answers these URLs before Next with the same function
// (lib/http/mpesa-callback.ts); this handler serves `npm run dev`, `next start` and tests.
import { afterCallbackStored } from "@/lib/background";
import { answerMpesaCallback } from "@/lib/http/mpesa-callback";
import { readCallbackBody } from "@/lib/payments/callbacks/read-callback-body";

type Params = { params: Promise<{ kind: string; merchantId: string; secret: string }> };

export async function POST(request: Request, { params }: Params) {
  const started = performance.now();
  const { kind: path, merchantId, secret } = await params;
  const answer = await answerMpesaCallback(
    {
      path,
      merchantId,
      secret,
      headers: request.headers,
      readBody: () => readCallbackBody(request),
      started,
    },
    { handOff: afterCallbackStored },
  );
  return Response.json(answer.body, { status: answer.status, headers: answer.headers });
}
