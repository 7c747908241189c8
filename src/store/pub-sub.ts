/**
 * A small broadcast port: a message published on one instance reaches every subscriber on every instance.
 * Messages are also retained for a while, and a subscriber replays what is retained whenever it
 * (re)subscribes, so a subscriber that was cut off misses nothing that is still retained.
 * Kept apart from KvStore on purpose: different connection, different failure modes.
 */
export interface PubSub {
  /** Sends to every current subscriber and retains the message for retainSeconds. Throws SERVICE_UNAVAILABLE when the store is down. */
  publish(channel: string, payload: string, retainSeconds: number): Promise<void>;
  /** Calls onMessage for each retained message, then for each new one (a message may arrive twice). */
  subscribe(channel: string, onMessage: (payload: string, publishedAtMs: number) => void): Subscription;
  close(): Promise<void>;
}

export interface Subscription {
  /**
   * True only while every message published more than maxLagMs ago is known to have been delivered
   * (connected, subscribed, retained messages replayed, and a heartbeat answered within maxLagMs).
   * Callers that need fresh data fall back to asking the store whenever this is false.
   */
  isCurrent(): boolean;
  /**
   * Changes every time the subscription becomes current after a cut (a new connection, history replayed).
   * Anything derived from messages before a change may have missed some: caches built on this channel
   * stamp their entries with it and drop entries of an older generation.
   */
  generation(): number;
  /** Resolves once the subscription is current for the first time. */
  ready(): Promise<void>;
  close(): Promise<void>;
}
