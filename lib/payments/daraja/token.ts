// OAuth access tokens: cached per merchant and environment, refreshed 60 s before expiry, one
// refresh at a time (in this process by sharing one promise, across app instances through the
// store's lock), and dropped when Daraja says a token is invalid.

export interface StoredToken {
  token: string;
  expiresAt: Date;
}

type TokenAccess = Pick<TokenStore, "read" | "write">;

/**
 * Where tokens are shared between app instances. `lock` runs `fn` alone for that key and hands
 * it the store to use while locked (for the database store: the locking transaction itself).
 */
export interface TokenStore {
  read(key: string): Promise<StoredToken | null>;
  write(key: string, token: StoredToken): Promise<void>;
  lock<T>(key: string, fn: (locked: TokenAccess) => Promise<T>): Promise<T>;
  forget(key: string, token: string): Promise<void>;
}

/** Per-process store: fine for one instance and for tests. */
export function memoryTokenStore(): TokenStore {
  const tokens = new Map<string, StoredToken>();
  const locks = new Map<string, Promise<unknown>>();
  const access: TokenAccess = {
    async read(key) {
      return tokens.get(key) ?? null;
    },
    async write(key, token) {
      tokens.set(key, token);
    },
  };
  return {
    ...access,
    async lock(key, fn) {
      const previous = locks.get(key) ?? Promise.resolve();
      const run = previous.then(
        () => fn(access),
        () => fn(access),
      );
      locks.set(
        key,
        run.catch(() => {}),
      );
      return run;
    },
    async forget(key, token) {
      if (tokens.get(key)?.token === token) tokens.delete(key);
    },
  };
}

export const REFRESH_MARGIN_MS = 60_000;

export function createTokenProvider(options: {
  key: string;
  store: TokenStore;
  /** Calls OAuth; returns the token and its lifetime in seconds. */
  fetchToken: () => Promise<{ token: string; expiresInSeconds: number }>;
  now?: () => number;
}) {
  const now = options.now ?? Date.now;
  const fresh = (t: StoredToken | null): t is StoredToken =>
    !!t && t.expiresAt.getTime() - REFRESH_MARGIN_MS > now();
  let cached: StoredToken | null = null;
  let inFlight: Promise<StoredToken> | null = null;

  async function refresh(): Promise<StoredToken> {
    const shared = await options.store.read(options.key);
    if (fresh(shared)) return shared;
    return options.store.lock(options.key, async (locked) => {
      const again = await locked.read(options.key); // another instance may have refreshed
      if (fresh(again)) return again;
      const { token, expiresInSeconds } = await options.fetchToken();
      const stored = { token, expiresAt: new Date(now() + expiresInSeconds * 1000) };
      await locked.write(options.key, stored);
      return stored;
    });
  }

  return {
    async get(): Promise<string> {
      if (fresh(cached)) return cached.token;
      inFlight ??= refresh().finally(() => {
        inFlight = null;
      });
      cached = await inFlight;
      return cached.token;
    },
    /** Daraja rejected `token`: forget it here and in the store so the next get() refreshes. */
    async invalidate(token: string): Promise<void> {
      if (cached?.token === token) cached = null;
      await options.store.forget(options.key, token);
    },
  };
}

export type TokenProvider = ReturnType<typeof createTokenProvider>;
