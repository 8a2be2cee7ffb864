// Reads a callback body under a size cap, before anything else looks at the request: Daraja's
// bodies are a few KB, so anything far larger is refused without being held in memory (a 50 MB
// body used to be read whole, and only then refused for its wrong secret).

/** The largest callback body accepted, in bytes. Daraja's are a few KB; results with many items stay well under. */
export const CALLBACK_BODY_LIMIT_BYTES = 64 * 1024;

/** What a refused-for-size callback is answered, in Daraja's shape. */
export const CALLBACK_TOO_LARGE = { ResultCode: 1, ResultDesc: "Request body too large" } as const;

export type CallbackBody =
  | { ok: true; body: string; size: number }
  /** `size`: the declared Content-Length, or the bytes read before stopping. */
  | { ok: false; size: number };

/**
 * The request's body as text, or `ok: false` when it is larger than `limit`: refused on its
 * Content-Length without reading a byte, and a stream without one (chunked) is cancelled as soon
 * as it passes the limit.
 */
export async function readCallbackBody(
  request: Request,
  limit: number = CALLBACK_BODY_LIMIT_BYTES,
): Promise<CallbackBody> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await request.body?.cancel().catch(() => {});
    return { ok: false, size: Math.min(declared, 2 ** 31 - 1) };
  }
  if (!request.body) return { ok: true, body: "", size: 0 };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return { ok: false, size };
    }
    chunks.push(value);
  }
  // Decoded as Request.text() would: UTF-8, a leading byte-order mark dropped.
  return { ok: true, body: new TextDecoder().decode(Buffer.concat(chunks)), size };
}
