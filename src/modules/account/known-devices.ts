import type { DataSource } from 'typeorm';
import { TurnBatcher } from '../../db/turn-batcher';
import { isForeignKeyViolation } from '../../db/db-errors';
import { tableOf } from '../../db/table-of';
import { KnownDeviceEntity } from './known-device.entity';

export interface SeenDevice {
  /** The pair was not known before this sign-in. */
  inserted: boolean;
  /** The account's other known pairs, as they stood before this statement. */
  others: number;
}

interface Seen {
  userId: string;
  fingerprint: string;
  at: Date;
}

/**
 * The (account, device fingerprint) pairs sign-ins came from. The sign-ins that finish in one turn of the
 * event loop are remembered by one statement (a busy gateway writes one row set per turn, not one round
 * trip per sign-in). Each gets back whether its pair is new and how many other pairs its account had.
 */
export class KnownDevices {
  // An account erased between its sign-in and this statement violates the foreign key: only that item fails.
  private readonly batcher = new TurnBatcher<Seen, SeenDevice>((items) => this.rememberAll(items), { retryAlone: isForeignKeyViolation });

  constructor(private readonly dataSource: DataSource) {}

  remember(userId: string, fingerprint: string, at: Date): Promise<SeenDevice> {
    return this.batcher.add({ userId, fingerprint, at });
  }

  private async rememberAll(items: Seen[]): Promise<SeenDevice[]> {
    // One row per pair (an upsert may touch a row once per statement), seen last at the latest of its
    // sign-ins, in key order (concurrent batches of several instances lock shared rows in the same order).
    const firstOf = new Map<string, Seen>();
    const rowOf = new Map<string, Seen>();
    for (const item of items) {
      const key = `${item.userId}|${item.fingerprint}`;
      const row = rowOf.get(key);
      if (!row) {
        firstOf.set(key, item);
        rowOf.set(key, { ...item });
      } else if (item.at > row.at) row.at = item.at;
    }
    const unique = [...rowOf.entries()].sort(([a], [b]) => cmp(a, b)).map(([, row]) => row);
    const table = tableOf(this.dataSource.manager, KnownDeviceEntity);
    // The counts read the snapshot before this statement's inserts, as one statement per sign-in did.
    const rows: { user_id: string; fingerprint: string; inserted: boolean; others: number }[] = await this.dataSource.query(
      `WITH seen AS (SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS s(user_id, fingerprint, at)),
            upserted AS (
              INSERT INTO ${table} (user_id, fingerprint, first_seen_at, last_seen_at)
              SELECT user_id, fingerprint, at, at FROM seen
              ON CONFLICT (user_id, fingerprint) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at
              RETURNING user_id, fingerprint, (xmax = 0) AS inserted)
       SELECT u.user_id, u.fingerprint, u.inserted,
              (SELECT count(*)::int FROM ${table} k WHERE k.user_id = u.user_id AND k.fingerprint <> u.fingerprint) AS others
       FROM upserted u`,
      [unique.map((s) => s.userId), unique.map((s) => s.fingerprint), unique.map((s) => s.at)],
    );
    const answers = new Map(rows.map((r) => [`${r.user_id}|${r.fingerprint}`, { inserted: r.inserted, others: r.others }]));
    // As if each sign-in had had its own statement, in call order: a pair is new once (a repeat of it in
    // this batch is not), and a pair counts the pairs of its account inserted by earlier sign-ins of the batch.
    const insertedBefore = new Map<string, number>();
    return items.map((item) => {
      const key = `${item.userId}|${item.fingerprint}`;
      const answer = firstOf.get(key) === item ? answers.get(key) : undefined;
      if (!answer) return { inserted: false, others: 0 };
      const earlier = insertedBefore.get(item.userId) ?? 0;
      if (answer.inserted) insertedBefore.set(item.userId, earlier + 1);
      return { inserted: answer.inserted, others: answer.others + earlier };
    });
  }
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
