// Concurrent reads by key coalesced into one query (the DataLoader pattern, without its cache).
//
// Every query costs a round trip and a fixed amount of driver and database work (on PostgreSQL
// a pool checkout, a socket write, parse of the row description, and the server's own
// per-statement work), whatever it returns. Under load many requests read one row each at
// the same moment; asking for their keys together pays that cost once.
//
// Freshness: a lookup only ever joins a query that is sent after it was asked for. Lookups made
// while a query is in flight wait for the next one, so a read that starts after a write has
// committed always sees it.

export interface BatchedLookupOptions<K, R> {
  /** Reads the rows for these distinct keys (in any order; missing keys are simply absent). */
  fetch(keys: K[]): Promise<R[]>;
  /** The key a row answers. */
  keyOf(row: R): K;
  /** The most keys in one query. */
  maxBatch: number;
  /** The most queries in flight at once; lookups beyond wait for the next query. */
  maxInFlight?: number;
}

interface Waiter<R> {
  resolve(row: R | undefined): void;
  reject(error: unknown): void;
}

/** Returns `load(key)`, which resolves to the row with that key or undefined. */
export function batchedLookup<K, R>(options: BatchedLookupOptions<K, R>): (key: K) => Promise<R | undefined> {
  const { fetch, keyOf, maxBatch, maxInFlight = 1 } = options;
  // Keys asked for and not yet sent, each with everyone waiting for it.
  let waiting = new Map<K, Waiter<R>[]>();
  let inFlight = 0;
  let scheduled = false;

  function schedule(): void {
    if (scheduled || inFlight >= maxInFlight || waiting.size === 0) return;
    scheduled = true;
    // setImmediate runs after the poll phase: requests read from every ready socket join in.
    setImmediate(dispatch);
  }

  function dispatch(): void {
    scheduled = false;
    while (inFlight < maxInFlight && waiting.size > 0) {
      let batch: Map<K, Waiter<R>[]>;
      if (waiting.size <= maxBatch) {
        batch = waiting;
        waiting = new Map();
      } else {
        batch = new Map();
        for (const [key, waiters] of waiting) {
          if (batch.size === maxBatch) break;
          batch.set(key, waiters);
          waiting.delete(key);
        }
      }
      inFlight++;
      void send(batch);
    }
  }

  async function send(batch: Map<K, Waiter<R>[]>): Promise<void> {
    try {
      const rows = await fetch([...batch.keys()]);
      const byKey = new Map<K, R>();
      for (const row of rows) byKey.set(keyOf(row), row);
      for (const [key, waiters] of batch) {
        const row = byKey.get(key);
        for (const waiter of waiters) waiter.resolve(row);
      }
    } catch (error) {
      for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
    } finally {
      inFlight--;
      schedule();
    }
  }

  return (key) =>
    new Promise<R | undefined>((resolve, reject) => {
      const waiters = waiting.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else waiting.set(key, [{ resolve, reject }]);
      schedule();
    });
}
