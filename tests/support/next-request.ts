// The Next.js request context, faked so tests can call the real pages, server actions and route
// handlers directly: who is signed in (a real next-auth session cookie, sealed with the test
// AUTH_SECRET and naming a real session row as its `sid`), next-auth's sign-in and sign-out, the
// request's cookies and headers, revalidation and after(). Everything behind that context (lib/,
// the cookie's decryption, the database) is real.
//
// In a test file (vi.mock is hoisted, so the factories import this module lazily):
//   vi.mock("@/lib/auth", () => import("../support/next-request").then((m) => m.fakeAuth));
//   vi.mock("next/headers", () => import("../support/next-request").then((m) => m.fakeHeaders));
//   vi.mock("next/cache", () => import("../support/next-request").then((m) => m.fakeCache));
// and stub the environment (stubAppEnv) before the first `await import("@/app/...")`.

import { redirect } from "next/navigation";
import { encode } from "next-auth/jwt";
import type { ReactNode } from "react";
import { vi } from "vitest";
import { generateKeyringSpec, parseKeyring } from "@/lib/crypto/keyring";
import { CLIENT_IP_HEADER, trustClientIpHeader } from "@/lib/security/client-ip";
import { createUserSession } from "@/lib/users/create-user-session";
import { recordSignOut } from "@/lib/users/record-sign-out";

/** The digests Next's interrupts carry (node_modules/next/dist/client/components/). */
export const NOT_FOUND = "NEXT_HTTP_ERROR_FALLBACK;404";
export const FORBIDDEN = "NEXT_HTTP_ERROR_FALLBACK;403";
/** redirect() outside an action store: `NEXT_REDIRECT;replace;<url>;307;`. */
export const redirectDigest = (url: string) => `NEXT_REDIRECT;replace;${url};307;`;

const MERCHANT_COOKIE = "malipo_merchant"; // lib/session.ts (importing it would load next-auth)

const request = {
  userId: null as string | null,
  /** The cookie's session id; undefined until the first request reads the cookie (creates the row). */
  sessionId: undefined as string | null | undefined,
  cookies: new Map<string, string>(),
  headers: new Headers(),
  after: [] as (() => unknown)[],
};

/**
 * Signs `user` in for the calls that follow (null signs out), with the merchant cookie naming
 * `merchantSlug` (none: the user's first merchant). Cookies set by an earlier call are dropped.
 * Each sign-in gets a new session row, as lib/auth.ts does; `options.sessionId` uses that session
 * instead (null: a cookie from before sessions were recorded, with no `sid`).
 */
export function signIn(
  user: { id: string } | null,
  merchantSlug?: string | null,
  options: { sessionId?: string | null } = {},
): void {
  request.userId = user?.id ?? null;
  request.sessionId = options.sessionId;
  request.cookies.clear();
  if (merchantSlug) request.cookies.set(MERCHANT_COOKIE, merchantSlug);
}

/**
 * The calls that follow come from `ip`, as the front server stamps it (lib/http/front-server.ts);
 * null: an address the front server could not establish.
 */
export function fromIp(ip: string | null): void {
  trustClientIpHeader();
  if (ip) request.headers.set(CLIENT_IP_HEADER, ip);
  else request.headers.delete(CLIENT_IP_HEADER);
}

/** A cookie as the browser would send it on the next request (e.g. after switchMerchantAction). */
export function cookie(name: string = MERCHANT_COOKIE): string | undefined {
  return request.cookies.get(name);
}

/** Runs the work route handlers scheduled with after(), as Next does once the response is sent. */
export async function runAfterTasks(): Promise<void> {
  const tasks = request.after.splice(0);
  for (const task of tasks) await task();
}

/** The session id the signed-in user's cookie carries (creating the row on first use). */
export async function sessionId(): Promise<string | null> {
  if (!request.userId) return null;
  if (request.sessionId === undefined) {
    const { getDb } = await import("@/lib/db"); // lazily: the env is stubbed after imports
    const session = await createUserSession(getDb(), {
      userId: request.userId,
      ip: null,
      userAgent: "vitest",
    });
    request.sessionId = session.id;
  }
  return request.sessionId;
}

export const fakeAuth = {
  signIn: async () => undefined,
  /** As lib/auth.ts: ends the session row (events.signOut), drops the cookie, redirects. */
  signOut: async (options?: { redirectTo?: string }) => {
    if (request.userId) {
      const { getDb } = await import("@/lib/db");
      await recordSignOut(getDb(), {
        userId: request.userId,
        sessionId: request.sessionId,
        label: null,
        ip: null,
      });
    }
    request.userId = null;
    request.sessionId = undefined;
    if (options?.redirectTo) redirect(options.redirectTo);
  },
  handlers: {},
};

const cookieStore = {
  get: (name: string) => {
    const value = request.cookies.get(name);
    return value === undefined ? undefined : { name, value };
  },
  getAll: () => [...request.cookies].map(([name, value]) => ({ name, value })),
  has: (name: string) => request.cookies.has(name),
  set: (name: string | { name: string; value: string }, value?: string) => {
    if (typeof name === "string") request.cookies.set(name, value ?? "");
    else request.cookies.set(name.name, name.value);
    return cookieStore;
  },
  delete: (name: string) => {
    request.cookies.delete(name);
    return cookieStore;
  },
};

/** The session cookie next-auth would have set for the signed-in user (lib/auth.ts), or null. */
const SESSION_COOKIE = "authjs.session-token";
const sealedCookies = new Map<string, string>();
async function sessionCookie(): Promise<string | null> {
  if (!request.userId) return null;
  const sid = await sessionId();
  const key = `${request.userId}:${sid}`;
  let value = sealedCookies.get(key);
  if (!value) {
    const token = { sub: request.userId, ...(sid ? { sid } : {}) };
    value = await encode({ token, secret: process.env.AUTH_SECRET ?? "", salt: SESSION_COOKIE });
    sealedCookies.set(key, value);
  }
  return `${SESSION_COOKIE}=${value}`;
}

export const fakeHeaders = {
  cookies: async () => cookieStore,
  /** The request's headers, with its cookies as the browser sends them, the session's included. */
  headers: async () => {
    const headers = new Headers(request.headers);
    const sent = [...request.cookies].map(([name, value]) => `${name}=${value}`);
    const session = await sessionCookie();
    if (session) sent.push(session);
    if (sent.length > 0) headers.set("cookie", sent.join("; "));
    return headers;
  },
  draftMode: async () => ({ isEnabled: false, enable() {}, disable() {} }),
};

export const fakeCache = {
  revalidatePath: () => undefined,
  revalidateTag: () => undefined,
  updateTag: () => undefined,
  refresh: () => undefined,
};

/** For `vi.mock("next/server", …)`: the real module, with after() queued for runAfterTasks(). */
export async function fakeServer(original: () => Promise<Record<string, unknown>>) {
  return {
    ...(await original()),
    after: (task: () => unknown) => {
      request.after.push(task);
    },
  };
}

/**
 * The environment lib/env.ts validates, for the test database; returns the keyring so tests can
 * seal phone numbers the app can read. authInterrupts mirrors next.config.ts (forbidden()).
 */
export function stubAppEnv(databaseUrl: string) {
  const spec = generateKeyringSpec("t1");
  vi.stubEnv("DATABASE_URL", databaseUrl);
  vi.stubEnv("AUTH_SECRET", "x".repeat(32));
  vi.stubEnv("MALIPO_ENCRYPTION_KEYS", spec);
  vi.stubEnv("LOG_LEVEL", "silent");
  vi.stubEnv("__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS", "true");
  return parseKeyring(spec);
}

/** What an entry point did: returned, or threw (Next's interrupts carry a `digest`). */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown; digest: string | null };

/** Calls a server action (or any entry point) and reports what it did instead of throwing. */
export async function callAction(run: () => unknown): Promise<Outcome> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    const digest = (error as { digest?: unknown } | null)?.digest;
    return { ok: false, error, digest: typeof digest === "string" ? digest : null };
  }
}

export function form(fields: Record<string, string | number>): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, String(value));
  return data;
}

/**
 * Renders a server component as Next would (awaiting it with its props) and flattens the element
 * tree, every prop included, to text. Client components are not run: the data handed to them is
 * what reaches the browser, and it is in their props.
 */
export async function renderPage<P>(Page: (props: P) => ReactNode | Promise<ReactNode>, props: P) {
  return treeText(await Page(props));
}

export function treeText(tree: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(tree, (key, value: unknown) => {
    if (key.startsWith("_") || key === "$$typeof") return undefined; // React's dev bookkeeping
    if (typeof value === "function") return `<${value.name}>`;
    if (typeof value === "bigint") return value.toString();
    if (typeof value === "symbol") return undefined;
    if (value && typeof value === "object") {
      if (key === "type") return "<component>"; // forwardRef/memo/lazy element types (next/link)
      if (seen.has(value)) return "[seen]";
      seen.add(value);
    }
    return value;
  });
}
