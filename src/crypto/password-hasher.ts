import { createHmac, randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Piscina } from 'piscina';
import { WardenError } from '../errors/warden-error';

export interface PasswordHasherOptions {
  cost: number;
  /** Hashes allowed to wait for a worker; past that, SERVICE_UNAVAILABLE. */
  maxQueue: number;
  threads?: number;
}

/**
 * bcryptjs in a worker-thread pool sized to the cores.
 * Passwords are pre-hashed (HMAC-SHA256, base64: 44 bytes) so bcrypt's 72-byte truncation never lets two
 * passwords that share their first 72 bytes both match.
 */
export class PasswordHasher {
  private readonly pool: Piscina;
  private dummyHash: Promise<string> | null = null;

  constructor(private readonly options: PasswordHasherOptions) {
    const threads = options.threads ?? Math.max(1, os.availableParallelism());
    this.pool = new Piscina({
      filename: path.join(__dirname, 'password-hash.worker.js'),
      minThreads: threads,
      maxThreads: threads,
      maxQueue: options.maxQueue,
      idleTimeout: 60_000,
    });
  }

  static prehash(password: string): string {
    return createHmac('sha256', 'warden.password.v1').update(password.normalize('NFC'), 'utf8').digest('base64');
  }

  private async run<T>(task: object): Promise<T> {
    try {
      return (await this.pool.run(task)) as T;
    } catch (cause) {
      throw WardenError.unavailable('password-hasher', cause);
    }
  }

  hash(password: string): Promise<string> {
    return this.run<string>({ op: 'hash', input: PasswordHasher.prehash(password), cost: this.options.cost });
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

  get queueSize(): number {
    return this.pool.queueSize;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
