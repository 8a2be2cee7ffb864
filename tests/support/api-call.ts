// Calls a REST route handler as Next does, with an API key, and reads the JSON answer.
export type RouteHandler<P> = (req: Request, ctx: { params: Promise<P> }) => Promise<Response>;

export async function callRoute<P extends object>(
  handler: RouteHandler<P>,
  options: {
    key: string;
    path: string;
    method?: string;
    body?: unknown;
    /** A body sent as is (malformed JSON tests). */
    raw?: string;
    headers?: Record<string, string>;
    params?: P;
  },
) {
  const res = await handler(
    new Request(`http://localhost${options.path}`, {
      method: options.method ?? "GET",
      headers: {
        Authorization: `Bearer ${options.key}`,
        "Content-Type": "application/json",
        ...options.headers,
      },
      body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    }),
    { params: Promise.resolve((options.params ?? {}) as P) },
  );
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions.
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}
