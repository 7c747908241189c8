/**
 * The background pollers of this process (the audit sealer, the event relay): timers that run transactions on their
 * own. `pauseAll` stops their timers and waits for a pass in flight; `resumeAll` starts them again. Tests that count
 * the statements of one request (test/support/statements.ts) pause them, so a pass that happens to fire meanwhile is
 * not counted as the request's.
 */
export interface BackgroundPoller {
  pause(): Promise<void>;
  resume(): void;
}

const pollers = new Set<BackgroundPoller>();

export const backgroundPollers = {
  /** Adds a poller; the function returned removes it (on close). */
  register(poller: BackgroundPoller): () => void {
    pollers.add(poller);
    return () => pollers.delete(poller);
  },
  async pauseAll(): Promise<void> {
    await Promise.all([...pollers].map((p) => p.pause()));
  },
  resumeAll(): void {
    for (const p of pollers) p.resume();
  },
};
