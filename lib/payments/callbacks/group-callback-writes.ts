import type { SqlClient } from "../../db-types";
import { type CallbackArrival, recordCallbacks } from "./record-callback";

/** Stores one callback as received and resolves with its inbox id once it is committed. */
export type RecordCallback = (arrival: CallbackArrival) => Promise<{ id: string }>;

/**
 * How long a callback may wait for its row to be committed before it is given up on (and
 * spooled by receiveCallback): Daraja does not retry, and waits only seconds for an answer.
 */
export const STORE_DEADLINE_MS = 3_000;

/** The database did not commit a callback within the deadline. */
export class StoreDeadlineError extends Error {
  constructor(ms: number) {
    super(`the database did not store the callback within ${ms} ms`);
  }
}

interface Waiting {
  arrival: CallbackArrival;
  /** Settled: answered with an id, failed, or given up on at the deadline. */
  done: boolean;
  resolve: (stored: { id: string }) => void;
  reject: (error: unknown) => void;
}

/**
 * A PostgreSQL error caused by the rows themselves (SQLSTATE class 22, data exception, or 23,
 * integrity constraint): the other callbacks of the group can still be stored one by one. Any
 * other failure (no connection, the server shutting down, a timeout) is the database's, and
 * storing them one by one would only fail again, slower.
 */
function rowsAreTheProblem(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && /^2[23][0-9A-Z]{3}$/.test(code);
}

/**
 * Group commit for the callback acknowledgement's path: every callback that arrives while earlier
 * ones are being written waits for the next INSERT, and that INSERT stores them all with one
 * commit (recordCallbacks). An answer is still sent only after its own row is committed, so
 * nothing acknowledged can be lost; under a burst each callback costs PostgreSQL and this process
 * a share of one statement and one commit instead of a whole one. A lone callback is written at
 * once (after the current turn of the event loop, so the requests read in that turn go together).
 * If a group's INSERT fails because of a row in it, the group is written again one callback at a
 * time, so only that callback fails (and is spooled by receiveCallback); if the database itself
 * fails, every callback of the group fails at once and is spooled.
 *
 * A database that hangs instead of failing (a stalled server, a lost network path) would keep
 * Daraja waiting past its patience, and it does not retry: so a callback not committed within
 * `deadlineMs` fails with StoreDeadlineError and is spooled too. If its INSERT commits later after
 * all, the spooled copy becomes a second inbox entry for the same result, which settlement applies
 * once (the payment is final by then).
 */
export function groupCallbackWrites(
  db: SqlClient,
  options: {
    maxGroup?: number;
    maxWrites?: number;
    deadlineMs?: number;
    /** Told each group's size as its INSERT is sent (a metric). */
    onGroup?: (size: number) => void;
  } = {},
): RecordCallback {
  const maxGroup = options.maxGroup ?? 200;
  const maxWrites = options.maxWrites ?? 2;
  const deadlineMs = options.deadlineMs ?? STORE_DEADLINE_MS;
  const waiting: Waiting[] = [];
  let writes = 0;
  let scheduled = false;

  /** One INSERT for the group; each callback is answered with its own row's id. */
  const storeAndAnswer = async (group: Waiting[]) => {
    const stored = await recordCallbacks(
      db,
      group.map((w) => w.arrival),
    );
    group.forEach((w, i) => {
      const row = stored[i];
      if (row) w.resolve(row);
      else w.reject(new Error("the callback was not stored"));
    });
  };

  const write = async (group: Waiting[]) => {
    try {
      await storeAndAnswer(group);
    } catch (error) {
      if (group.length === 1 || !rowsAreTheProblem(error)) {
        for (const w of group) w.reject(error);
        return;
      }
      await Promise.all(group.filter((w) => !w.done).map((w) => storeAndAnswer([w]).catch(w.reject)));
    }
  };

  const pump = () => {
    scheduled = false;
    while (writes < maxWrites && waiting.length > 0) {
      const group = waiting.splice(0, maxGroup);
      options.onGroup?.(group.length);
      writes += 1;
      void write(group).finally(() => {
        writes -= 1;
        pump();
      });
    }
  };

  return (arrival) =>
    new Promise((resolve, reject) => {
      // Given up on: if still waiting for an INSERT it is not written (it is spooled instead).
      const timer = setTimeout(() => {
        const at = waiting.indexOf(entry);
        if (at >= 0) waiting.splice(at, 1);
        entry.reject(new StoreDeadlineError(deadlineMs));
      }, deadlineMs);
      const entry: Waiting = {
        arrival,
        done: false,
        resolve: (stored) => {
          if (entry.done) return;
          entry.done = true;
          clearTimeout(timer);
          resolve(stored);
        },
        reject: (error) => {
          if (entry.done) return;
          entry.done = true;
          clearTimeout(timer);
          reject(error);
        },
      };
      waiting.push(entry);
      if (!scheduled && writes < maxWrites) {
        scheduled = true;
        setImmediate(pump);
      }
    });
}
