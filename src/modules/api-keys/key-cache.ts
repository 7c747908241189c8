import type { DataSource } from 'typeorm';
import type { RevocationList } from '../sessions/revocation-list';
import { ApiKeyEntity } from './api-key.entity';

const KIND = 'api_keys.changed';
/** A key row is trusted from memory at most this long, and only while the revocation channel is current. */
const TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;

/**
 * Key rows by prefix, remembered per instance so an exchange or a request costs no database read. Any change
 * (revoke, rotate) drops the row here and, through the sessions' revocation channel, on every instance; an
 * instance whose channel is not current (a cut, a slow subscriber) reads the database every time, so a revoked
 * key is refused everywhere within the channel's lag (REVOCATION_MAX_LAG_MS). PostgreSQL is the truth.
 */
export class KeyCache {
  private readonly rows = new Map<string, { row: ApiKeyEntity | null; atMs: number; generation: number }>();
  /** Bumped by every change heard: a read that started before it is not remembered. */
  private epoch = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly revocations: RevocationList,
  ) {
    revocations.onBroadcast(KIND, (data) => {
      this.epoch++;
      if (Array.isArray(data)) for (const prefix of data) if (typeof prefix === 'string') this.rows.delete(prefix);
    });
  }

  async get(prefix: string): Promise<ApiKeyEntity | null> {
    const current = this.revocations.isCurrent();
    const generation = this.revocations.generation();
    const known = this.rows.get(prefix);
    if (current && known && known.generation === generation && Date.now() - known.atMs < TTL_MS) return known.row;
    const epoch = this.epoch;
    const row = await this.dataSource.manager.findOne(ApiKeyEntity, { where: { prefix } });
    if (current && epoch === this.epoch && this.revocations.isCurrent()) {
      if (this.rows.size >= MAX_ENTRIES) this.rows.clear();
      this.rows.set(prefix, { row, atMs: Date.now(), generation });
    }
    return row;
  }

  /** After COMMIT of a change: drops the rows here and on every instance. */
  async changed(prefixes: readonly string[]): Promise<void> {
    this.epoch++;
    for (const prefix of prefixes) this.rows.delete(prefix);
    await this.revocations.broadcast(KIND, prefixes, 60);
  }
}
