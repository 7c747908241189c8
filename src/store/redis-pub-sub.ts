import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import type { PubSub, Subscription } from './pub-sub';
import type { RedisClient } from './redis-kv-store';
import { nodesOf, optionsFromUrl, type RedisTarget } from './redis-connection';
import { WardenError } from '../errors/warden-error';

/**
 * Retains the message in a sorted set (score: when it stops mattering) and publishes it, atomically.
 * One key, so on Redis Cluster it runs on that key's slot. ARGV[6] is PUBLISH, or SPUBLISH on a cluster: the
 * channel carries the history key's hash tag, so the sharded publish happens on the node that owns both.
 * KEYS[1] history · ARGV[1] channel · ARGV[2] message · ARGV[3] expiresAtMs · ARGV[4] nowMs · ARGV[5] retainMs · ARGV[6] command
 */
const PUBLISH_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[4])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[5]) then redis.call('PEXPIRE', KEYS[1], ARGV[5]) end
redis.call(ARGV[6], ARGV[1], ARGV[2])
return 1
`;

/** A heartbeat probe, sent exactly the way messages are (same key, same node, same command), not retained. */
const PROBE_SCRIPT = `
redis.call(ARGV[3], ARGV[1], ARGV[2])
return 1
`;

/** Probes start with this; real messages start with a timestamp. */
const PROBE_MARK = '~probe|';

type WithPublish = RedisClient & {
  wardenPublish(
    key: string,
    channel: string,
    message: string,
    expiresAtMs: number,
    nowMs: number,
    retainMs: number,
    command: 'PUBLISH' | 'SPUBLISH',
  ): Promise<number>;
  wardenProbe(key: string, channel: string, message: string, command: 'SPUBLISH'): Promise<number>;
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
    this.commands.defineCommand('wardenProbe', { numberOfKeys: 1, lua: PROBE_SCRIPT });
  }

  /**
   * On Redis Cluster a PING answered by the node we subscribe on says nothing about a PUBLISH run on another
   * node (it travels the cluster bus, which may drop it). So there the channel is sharded (SSUBSCRIBE /
   * SPUBLISH) and hash-tagged like its history key: every message is published by the one node that owns
   * that slot, the subscriber connects to that node, and the heartbeat is a probe published the same way.
   */
  private get sharded(): boolean {
    return Boolean(this.options.target.clusterNodes?.length);
  }

  /** Redis channels are not prefixed by ioredis' keyPrefix: do it here so deployments sharing a Redis stay apart. */
  private channelName(channel: string): string {
    return this.sharded ? `${this.options.target.keyPrefix}pubsub:{${channel}}` : `${this.options.target.keyPrefix}${channel}`;
  }

  async publish(channel: string, payload: string, retainSeconds: number): Promise<void> {
    const nowMs = Date.now();
    const retainMs = Math.max(1000, Math.ceil(retainSeconds * 1000));
    try {
      await this.commands.wardenPublish(
        historyKey(channel),
        this.channelName(channel),
        encode(nowMs, payload),
        nowMs + retainMs,
        nowMs,
        retainMs,
        this.sharded ? 'SPUBLISH' : 'PUBLISH',
      );
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
      probe: this.sharded ? (message) => this.commands.wardenProbe(historyKey(channel), this.channelName(channel), message, 'SPUBLISH') : null,
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
  /** Sharded (Redis Cluster): publishes a probe the way messages are published; null: PING on the connection. */
  probe: ((message: string) => Promise<unknown>) | null;
  replay(): Promise<string[]>;
  onMessage(message: string): void;
  onStateChange(current: boolean, reason: string): void;
  onClose(): void;
}

/**
 * One subscriber connection, replaced whenever it is lost (to the next node on a cluster). Current only
 * after the subscription is acknowledged and the retained history is replayed, and only while a heartbeat
 * sent at most maxLagMs ago has come back:
 * - one server: a PING on the subscriber connection. Replies come in order, so every message published
 *   before that PING reached Redis has been delivered;
 * - Redis Cluster: a probe published through the command client exactly as messages are (same script, same
 *   slot, SPUBLISH), received on the subscriber connection, which is on the node that owns the slot. That
 *   node runs every publish of the channel and writes to our socket in order, so every message published
 *   before the probe has been delivered. If the slot moves, probes stop arriving and the connection is
 *   replaced (then found on the new owner).
 */
class RedisSubscription implements Subscription {
  private connection: Redis | null = null;
  private replayed = false;
  private confirmedAtMs = 0;
  private attempt = 0;
  private nodeIndex = 0;
  /** A node named by CLUSTER SLOTS as the owner of the channel's slot: the next connection goes there. */
  private owner: { host: string; port: number } | null = null;
  private closed = false;
  private wasCurrent = false;
  private generationCount = 0;
  private lastLoss = 'not subscribed yet';
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly probeId = randomBytes(9).toString('base64url');
  private probeSeq = 0;
  /** Probe number → when it was sent; answered probes are removed. */
  private readonly probesInFlight = new Map<number, { sentAtMs: number; arrived: () => void }>();
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

  generation(): number {
    return this.generationCount;
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
    const node = this.owner ?? this.options.nodes[this.nodeIndex % this.options.nodes.length]!;
    this.owner = null;
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
    const deliver = (_channel: string, message: string) => {
      if (this.connection === connection) this.receive(message);
    };
    connection.on('message', deliver);
    connection.on('smessage', deliver);
    // The slot left this node (resharding, failover): ioredis reports it this way; start over on the owner.
    connection.on('moved', () => this.lost(connection, 'slot moved'));
    void (async () => {
      try {
        await connection.connect();
        if (this.options.probe) {
          const owner = await slotOwner(connection, this.options.channel);
          if (owner && (owner.host !== node.host || owner.port !== node.port)) {
            this.owner = owner;
            this.attempt = 0;
            throw new Error('not the owner of the slot');
          }
          await connection.ssubscribe(this.options.channel);
        } else {
          await connection.subscribe(this.options.channel);
        }
        for (const message of await this.options.replay()) this.options.onMessage(message);
        const sentAtMs = Date.now();
        if (this.options.probe) await this.sendProbe(true);
        else await connection.ping();
        if (this.connection !== connection) return;
        this.replayed = true;
        this.generationCount += 1;
        this.confirmedAtMs = sentAtMs;
        this.attempt = 0;
        this.report();
        this.resolveReady();
      } catch {
        this.lost(connection, 'subscribe failed');
      }
    })();
  }

  private receive(message: string): void {
    if (!message.startsWith(PROBE_MARK)) {
      this.options.onMessage(message);
      return;
    }
    const [id, seq] = message.slice(PROBE_MARK.length).split('|');
    if (id !== this.probeId) return; // another instance's heartbeat
    const probe = this.probesInFlight.get(Number(seq));
    if (!probe) return;
    this.probesInFlight.delete(Number(seq));
    for (const n of this.probesInFlight.keys()) if (n < Number(seq)) this.probesInFlight.delete(n);
    if (probe.sentAtMs > this.confirmedAtMs && this.replayed) this.confirmedAtMs = probe.sentAtMs;
    probe.arrived();
  }

  /** Publishes a probe; with wait, resolves when it arrives back (rejects after maxLagMs). */
  private sendProbe(wait: boolean): Promise<void> {
    const seq = ++this.probeSeq;
    return new Promise<void>((resolve, reject) => {
      const timer = wait ? setTimeout(() => reject(new Error('probe not received')), this.options.maxLagMs) : null;
      this.probesInFlight.set(seq, {
        sentAtMs: Date.now(),
        arrived: () => {
          if (timer) clearTimeout(timer);
          this.report();
          resolve();
        },
      });
      this.options.probe!(`${PROBE_MARK}${this.probeId}|${seq}`).catch((error: unknown) => {
        this.probesInFlight.delete(seq);
        if (timer) clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      });
      if (!wait) resolve();
    });
  }

  private beat(): void {
    const connection = this.connection;
    this.report();
    if (!connection || !this.replayed) return;
    if (this.options.probe) {
      // Probes come back as messages (receive). None for 4 × maxLagMs on an open connection: start over.
      if (Date.now() - this.confirmedAtMs > 4 * this.options.maxLagMs) return this.lost(connection, 'probes not received');
      void this.sendProbe(false).catch(() => undefined);
      return;
    }
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
    this.probesInFlight.clear();
    this.lastLoss = reason;
    this.report();
    connection.removeAllListeners('message');
    connection.removeAllListeners('smessage');
    connection.disconnect();
    if (this.closed) return;
    const delayMs = this.owner ? 0 : Math.min(1000, 50 * 2 ** this.attempt);
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

/** The master that owns the channel's slot, from the node we are connected to (CLUSTER KEYSLOT, CLUSTER SLOTS). */
async function slotOwner(connection: Redis, channel: string): Promise<{ host: string; port: number } | null> {
  const slot = Number(await connection.call('CLUSTER', 'KEYSLOT', channel));
  const ranges = (await connection.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, ...unknown[]], ...unknown[]][];
  for (const [from, to, master] of ranges) if (slot >= from && slot <= to) return { host: master[0] || '127.0.0.1', port: Number(master[1]) };
  return null;
}
