import type { KvStore } from '../../store/kv-store';

/**
 * Sessions whose access tokens must stop working before they expire. An entry lives as long as
 * the longest access token could, so the list stays small. Reads fail closed (the store throws
 * SERVICE_UNAVAILABLE when it is down).
 */
export class RevocationList {
  constructor(
    private readonly kv: KvStore,
    private readonly accessTokenTtlSeconds: number,
  ) {}

  private key(sessionId: string): string {
    return `revoked:{${sessionId}}`;
  }

  async revoke(sessionIds: readonly string[]): Promise<void> {
    await Promise.all(sessionIds.map((id) => this.kv.set(this.key(id), '1', this.accessTokenTtlSeconds + 60)));
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    return (await this.kv.get(this.key(sessionId))) !== null;
  }
}
