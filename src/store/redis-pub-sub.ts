import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import type { PubSub, Subscription } from './pub-sub';
import type { RedisClient } from './redis-kv-store';
import { nodesOf, optionsFromUrl, type RedisTarget } from './redis-connection';
import { WardenError } from '../errors/warden-error';

/**
 * Retains the message in a sorted set (score: when it stops mattering) and publishes it, atomically.
 * One key, so on Redis Cluster it runs on that key's slot; PUBLISH reaches the whole cluster.
 * KEYS[1] history · ARGV[1] channel · ARGV[2] message · ARGV[3] expiresAtMs · ARGV[4] nowMs · ARGV[5] retainMs
 */
const PUBLISH_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[4])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[5]) then redis.call('PEXPIRE', KEYS[1], ARGV[5]) end
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1
`;

type WithPublish = RedisClient & {
  wardenPublish(key: string, channel: string, message: string, expiresAtMs: number, nowMs: number, retainMs: number): Promise<number>;
};

export interface RedisPubSubOptions {
  /** The command client (the KvStore's): publishes and reads what is retained. */
  commands: RedisClient;
  /** Where subscriber connections go (each subscription has its own) and the key prefix for channel names. */
  target: RedisTarget;
  /** How old the last answered heartbeat may be before a subscription stops counting as current. */
  maxLagMs: number;
  onStateChange?: (state: { channel: string; current: boolean; reason: string }) => void;
}

const historyKey = (channel: string) => `pubsub:{${channel}}:retained`;

/** Message on the wire and in the history: `<publishedAtMs>|<random>|<payload>` (the random part keeps members unique). */
function encode(publishedAtMs: number, payload: string): string {
  return `${publishedAtMs}|${randomBytes(6).toString('base64url')}|${payload}`;
}

function decode(message: string): { publishedAtMs: number; payload: string } | null {
  const first = message.indexOf('|');
  const second = message.indexOf('|', first + 1);
  if (first < 0 || second < 0) return null;
  const publishedAtMs = Number(message.slice(0, first));
  return Number.isFinite(publishedAtMs) ? { publishedAtMs, payload: message.slice(second + 1) } : null;
}

/** PubSub on Redis (or Redis Cluster): PUBLISH/SUBSCRIBE plus a retained history for replay after a cut. */
export class RedisPubSub implements PubSub {
  private readonly commands: WithPublish;
  private readonly subscriptions = new Set<RedisSubscription>();

  constructor(private readonly options: RedisPubSubOptions) {
    this.commands = options.commands as WithPublish;
    this.commands.defineCommand('wardenPublish', { numberOfKeys: 1, lua: PUBLISH_SCRIPT });
  }

  /** Redis channels are not prefixed by ioredis' keyPrefix: do it here so deployments sharing a Redis stay apart. */
  private channelName(channel: string): string {
    return `${this.options.target.keyPrefix}${channel}`;
  }

  async publish(channel: string, payload: string, retainSeconds: number): Promise<void> {
    const nowMs = Date.now();
    const retainMs = Math.max(1000, Math.ceil(retainSeconds * 1000));
    try {
      await this.commands.wardenPublish(historyKey(channel), this.channelName(channel), encode(nowMs, payload), nowMs + retainMs, nowMs, retainMs);
    } catch (cause) {
      throw WardenError.unavailable('redis', cause);
    }
  }

  subscribe(channel: string, onMessage: (payload: string, publishedAtMs: number) => void): Subscription {
    const subscription = new RedisSubscription({
      channel: this.channelName(channel),
      nodes: nodesOf(this.options.target),
      nodeOptions: optionsFromUrl(this.options.target.url),
      maxLagMs: this.options.maxLagMs,
      replay: async () => {
        const nowMs = Date.now();
        return this.commands.zrangebyscore(historyKey(channel), nowMs, '+inf');
      },
      onMessage: (message) => {
        const decoded = decode(message);
        if (decoded) onMessage(decoded.payload, decoded.publishedAtMs);
      },
      onStateChange: (current, reason) => this.options.onStateChange?.({ channel, current, reason }),
      onClose: () => this.subscriptions.delete(subscription),
    });
    this.subscriptions.add(subscription);
    subscription.start();
    return subscription;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
  }
}

interface SubscriptionOptions {
  channel: string;
  nodes: { host: string; port: number }[];
  nodeOptions: ReturnType<typeof optionsFromUrl>;
  maxLagMs: number;
  replay(): Promise<string[]>;
  onMessage(message: string): void;
  onStateChange(current: boolean, reason: string): void;
  onClose(): void;
}

/**
 * One subscriber connection, replaced whenever it is lost (to the next node on a cluster). Current only
 * after SUBSCRIBE is acknowledged and the retained history is replayed, and only while a PING sent at most
 * maxLagMs ago has been answered: replies come in order on the connection, so every message published
 * before that PING reached Redis has been delivered.
 */
class RedisSubscription implements Subscription {
  private connection: Redis | null = null;
  private replayed = false;
  private confirmedAtMs = 0;
  private attempt = 0;
  private nodeIndex = 0;
  private closed = false;
  private wasCurrent = false;
  private lastLoss = 'not subscribed yet';
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly heartbeat: NodeJS.Timeout;
  private resolveReady!: () => void;
  private readonly readyPromise = new Promise<void>((resolve) => (this.resolveReady = resolve));

  constructor(private readonly options: SubscriptionOptions) {
    this.heartbeat = setInterval(() => this.beat(), Math.max(25, Math.floor(options.maxLagMs / 4)));
    this.heartbeat.unref();
  }

  /** Called on every request that checks a token: no more than a clock read and two comparisons. */
  isCurrent(): boolean {
    return this.replayed && Date.now() - this.confirmedAtMs <= this.options.maxLagMs;
  }

  /** Reports changes of isCurrent() (from the heartbeat and connection events, not from the hot path). */
  private report(): void {
    const current = this.isCurrent();
    if (current === this.wasCurrent) return;
    this.wasCurrent = current;
    this.options.onStateChange(current, current ? 'subscribed and replayed' : this.replayed ? 'heartbeat late' : this.lastLoss);
  }

  ready(): Promise<void> {
    return this.readyPromise;
  }

  start(): void {
    if (this.closed) return;
    const node = this.options.nodes[this.nodeIndex % this.options.nodes.length]!;
    const connection = new Redis({
      ...this.options.nodeOptions,
      host: node.host,
      port: node.port,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 2000,
      commandTimeout: this.options.maxLagMs,
      autoResubscribe: false,
      // Reconnection is handled here (a fresh connection, next node, history replayed), not by ioredis.
      retryStrategy: () => null,
    });
    this.connection = connection;
    connection.on('error', () => {
      /* followed by close */
    });
    connection.on('close', () => this.lost(connection, 'connection closed'));
    connection.on('message', (_channel: string, message: string) => {
      if (this.connection === connection) this.options.onMessage(message);
    });
    void (async () => {
      try {
        await connection.connect();
        await connection.subscribe(this.options.channel);
        for (const message of await this.options.replay()) this.options.onMessage(message);
        const sentAtMs = Date.now();
        await connection.ping();
        if (this.connection !== connection) return;
        this.replayed = true;
        this.confirmedAtMs = sentAtMs;
        this.attempt = 0;
        this.report();
        this.resolveReady();
      } catch {
        this.lost(connection, 'subscribe failed');
      }
    })();
  }

  private beat(): void {
    const connection = this.connection;
    this.report();
    if (!connection || !this.replayed) return;
    const sentAtMs = Date.now();
    connection.ping().then(
      () => {
        if (this.connection === connection && sentAtMs > this.confirmedAtMs) this.confirmedAtMs = sentAtMs;
        this.report();
      },
      // No answer within maxLagMs on an open socket (a silent partition): start over on a fresh connection.
      () => this.lost(connection, 'heartbeat unanswered'),
    );
  }

  private lost(connection: Redis, reason: string): void {
    if (this.connection !== connection) return;
    this.connection = null;
    this.replayed = false;
    this.lastLoss = reason;
    this.report();
    connection.removeAllListeners('message');
    connection.disconnect();
    if (this.closed) return;
    const delayMs = Math.min(1000, 50 * 2 ** this.attempt);
    this.attempt += 1;
    this.nodeIndex += 1;
    this.reconnectTimer = setTimeout(() => this.start(), delayMs);
    this.reconnectTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.replayed = false;
    clearInterval(this.heartbeat);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const connection = this.connection;
    this.connection = null;
    this.replayed = false;
    connection?.disconnect();
    this.options.onClose();
  }
}
