// A short in-process memory for figures the dashboard only displays (a banner, a badge), so each
// page load does not recount them. Never for anything a decision is made on: those read fresh.
// Per process, so two app instances may each show a figure up to `ttlMs` old.

export interface DisplayCache<T> {
  /** `load()`'s answer for `key`, reused for `ttlMs`; concurrent callers share one load. */
  get(key: string, load: () => Promise<T>, now?: number): Promise<T>;
  /** Forget one key (or all): the next get() loads afresh. */
  clear(key?: string): void;
}

export function displayCache<T>(options: { ttlMs: number; maxKeys?: number }): DisplayCache<T> {
  const maxKeys = options.maxKeys ?? 1_000;
  const entries = new Map<string, { at: number; value: Promise<T> }>();
  return {
    get(key, load, now = Date.now()) {
      const hit = entries.get(key);
      if (hit && now >= hit.at && now - hit.at < options.ttlMs) return hit.value;
      const value = load();
      // A failed load is not remembered: the next caller asks again.
      value.catch(() => {
        if (entries.get(key)?.value === value) entries.delete(key);
      });
      entries.delete(key);
      if (entries.size >= maxKeys) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
      entries.set(key, { at: now, value });
      return value;
    },
    clear(key) {
      if (key === undefined) entries.clear();
      else entries.delete(key);
    },
  };
}
