/**
 * "Jobs were committed": fired by the store after a transaction that wrote due jobs commits
 * (or at once, outside a transaction), so a worker in this process leases them without waiting
 * for its next poll. Listeners are called synchronously and must not throw.
 */
export class JobSignal {
  private readonly listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  fire = (): void => {
    for (const listener of this.listeners) listener();
  };
}
