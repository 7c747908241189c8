import { createHmac, randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Piscina } from 'piscina';
import { WardenError } from '../errors/warden-error';

export interface PasswordHasherOptions {
  cost: number;
  /** Hashes allowed to wait for a worker; past that, SERVICE_UNAVAILABLE at once. */
  maxQueue: number;
  /** Worker threads; 0 or absent: one per core. */
  threads?: number;
  /** Linux only: nice value of the worker threads, so the event loop is served first. 0 leaves them alone. */
  niceness?: number;
}

/**
 * bcryptjs in a worker-thread pool sized to the cores: the event loop never hashes.
 * Passwords are pre-hashed (HMAC-SHA256, base64: 44 bytes) so bcrypt's 72-byte truncation never lets two
 * passwords that share their first 72 bytes both match.
 * The queue is bounded: under a login storm, work beyond maxQueue is refused with SERVICE_UNAVAILABLE
 * (extensions.retryAfter) instead of piling up latency for everyone.
 */
export class PasswordHasher {
  private readonly pool: Piscina;
  private dummyHash: Promise<string> | null = null;
  private pending = 0;
  readonly threads: number;

  constructor(private readonly options: PasswordHasherOptions) {
    this.threads = options.threads && options.threads > 0 ? options.threads : Math.max(1, os.availableParallelism());
    this.pool = new Piscina({
      filename: path.join(__dirname, 'password-hash.worker.js'),
      minThreads: this.threads,
      maxThreads: this.threads,
      maxQueue: options.maxQueue,
      // Workers stay up: starting one costs more than a hash.
      idleTimeout: 0x7fffffff,
      workerData: { niceness: options.niceness ?? 0 },
    });
  }

  static prehash(password: string): string {
    return createHmac('sha256', 'warden.password.v1').update(password.normalize('NFC'), 'utf8').digest('base64');
  }

  private async run<T>(task: object): Promise<T> {
    this.pending += 1;
    try {
      return (await this.pool.run(task)) as T;
    } catch (cause) {
      if (cause instanceof Error && /queue is at limit|no task queue available/i.test(cause.message)) throw this.saturated(cause);
      throw WardenError.unavailable('password-hasher', cause);
    } finally {
      this.pending -= 1;
    }
  }

  private saturated(cause: unknown): WardenError {
    return new WardenError('SERVICE_UNAVAILABLE', {
      message: 'Too many sign-ins at once. Try again in a moment.',
      cause,
      extensions: { dependency: 'password-hasher', retryAfter: 1 },
    });
  }

  hash(password: string): Promise<string> {
    return this.run<string>({ op: 'hash', input: PasswordHasher.prehash(password), cost: this.options.cost });
  }

  /** True when a stored hash was made at another cost than this hasher's (BCRYPT_COST): re-hash it on the next login. */
  needsRehash(hash: string): boolean {
    const cost = /^\$2[abxy]?\$(\d{2})\$/.exec(hash)?.[1];
    return cost !== undefined && Number(cost) !== this.options.cost;
  }

  verify(password: string, hash: string): Promise<boolean> {
    return this.run<boolean>({ op: 'verify', input: PasswordHasher.prehash(password), hash });
  }

  /** Spends the same time as a real check, for unknown accounts. Always false. */
  async verifyDummy(password: string): Promise<false> {
    this.dummyHash ??= this.hash(randomBytes(16).toString('hex'));
    await this.verify(password, await this.dummyHash);
    return false;
  }

  /** Computes the dummy hash ahead of the first unknown-account login. */
  async warmUp(): Promise<void> {
    this.dummyHash ??= this.hash(randomBytes(16).toString('hex'));
    await this.dummyHash;
  }

  /** Hashes running or waiting. */
  get inFlight(): number {
    return this.pending;
  }

  get queueSize(): number {
    return this.pool.queueSize;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
