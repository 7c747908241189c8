/**
 * The adminUsers row (issue #26): `adminUsers(filter: { query })` with an email prefix, on a users table of 10,000
 * and (with --scale) of 1,000,000. Users are seeded by SQL with zero-padded numbers (`bench.adm.0001234@bench.test`),
 * so one prefix (`bench.adm.000123`) matches the same ten users at either size, and `EXPLAIN (ANALYZE)` of the search
 * query shows which index serves it.
 */
import { Client } from 'pg';

export const adminEmailOf = (i: number) => `bench.adm.${String(i).padStart(7, '0')}@bench.test`;

/** Prefixes that each match ten seeded users (numbers 1000 to 9999, all below the small table's 10,000). */
export function adminPrefixes(): string[] {
  return Array.from({ length: 900 }, (_, k) => adminEmailOf((k + 100) * 10).slice(0, 'bench.adm.000123'.length));
}

/** Users numbered [from, to), created a second apart (newest last), by SQL in batches; then ANALYZE. */
export async function seedAdminUsers(databaseUrl: string, schema: string, from: number, to: number, log: (line: string) => void): Promise<void> {
  const db = new Client({ connectionString: databaseUrl, options: `-c search_path=${schema},public` });
  await db.connect();
  try {
    const started = Date.now();
    for (let at = from; at < to; at += 100_000) {
      await db.query(
        `INSERT INTO users (id, email, email_verified, name, created_at)
         SELECT gen_random_uuid(), 'bench.adm.' || lpad(g::text, 7, '0') || '@bench.test', true, 'Admin bench ' || g,
                now() - interval '30 days' + g * interval '1 second'
           FROM generate_series($1::int, $2::int) g`,
        [at, Math.min(to, at + 100_000) - 1],
      );
    }
    await db.query('ANALYZE users');
    log(`  seeded users ${from} to ${to - 1} for adminUsers in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await db.end();
  }
}

/**
 * EXPLAIN (ANALYZE) of the page query adminUsers runs for `filter: { query }`, `first: 20`
 * (src/modules/admin/admin-users.ts: searchAdminUsers, its columns and ban join).
 */
export async function explainAdminSearch(databaseUrl: string, schema: string, prefix: string): Promise<string[]> {
  const db = new Client({ connectionString: databaseUrl, options: `-c search_path=${schema},public` });
  await db.connect();
  try {
    const like = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const { rows } = await db.query(
      `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
       SELECT u.id, u.email, u.email_verified, u.phone, u.phone_verified, u.name, u.created_at,
              to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_key,
              u.deleted_at, u.erase_at, (b.user_id IS NOT NULL) AS banned, b.banned_until, b.reason AS ban_reason
         FROM users u
         LEFT JOIN user_bans b ON b.user_id = u.id AND (b.banned_until IS NULL OR b.banned_until > $1)
        WHERE (u.email LIKE $2 ESCAPE '\\' OR lower(u.name) LIKE $3 ESCAPE '\\')
        ORDER BY u.created_at DESC, u.id DESC LIMIT $4`,
      [new Date(), like, like, 21],
    );
    return rows.map((r: Record<string, string>) => r['QUERY PLAN']!);
  } finally {
    await db.end();
  }
}
