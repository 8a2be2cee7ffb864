// Reads a callback body under a size cap, before anything else looks at the request: Daraja's
// bodies are a few KB, so anything far larger is refused without being held in memory (a 50 MB
// body used to be read whole, and only then refused for its wrong secret).
import type { IncomingMessage } from "node:http";

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

/** A Node request body as the front server gets it. */
export type CallbackBodyStream = Pick<IncomingMessage, "headers" | "on" | "off" | "pause">;

/**
 * readCallbackBody for a node:http request (the front server's callback route): the same cap,
 * answers and decoding. A refused body is left unread; the caller closes the connection.
 */
export function readCallbackStream(
  request: CallbackBodyStream,
  limit: number = CALLBACK_BODY_LIMIT_BYTES,
): Promise<CallbackBody> {
  const declared = Number(request.headers["content-length"] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    request.pause();
    return Promise.resolve({ ok: false, size: Math.min(declared, 2 ** 31 - 1) });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size <= limit) return void chunks.push(chunk);
      stop();
      request.pause();
      resolve({ ok: false, size });
    };
    const onEnd = () => {
      stop();
      // Decoded as Request.text() would: UTF-8, a leading byte-order mark dropped.
      resolve({ ok: true, body: new TextDecoder().decode(Buffer.concat(chunks)), size });
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    const onClose = () => onError(new Error("the connection closed before the callback body was read"));
    const stop = () => {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
      request.off("close", onClose);
    };
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onError);
    request.on("close", onClose);
  });
}
