import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { migrations } from '../../migrations';
import { Organizations1796500000000 } from '../../migrations/1796500000000-Organizations';
import { backends } from '../support/backends';
import { dropSchema, isolationIds } from '../support/start-test-app';

/**
 * The organizations migration over rows in the old shape (users.organization_id, no slug, no memberships): every
 * organization gets a unique slug made from its name, each user's organization becomes an owner membership joined
 * at the user's created_at, nothing is lost. Needs its own connections: skipped on embedded PGlite.
 */
const run = backends.databaseUrl && !process.env.WARDEN_TEST_EMBEDDED_PG ? describe : describe.skip;

run('organizations migration', () => {
  const { schema } = isolationIds();
  const url = backends.databaseUrl!;
  const dataSource = (list: readonly (new () => unknown)[]) =>
    new DataSource({
      type: 'postgres',
      url,
      schema,
      migrations: [...list] as never,
      migrationsTableName: 'migrations',
      migrationsTransactionMode: 'all',
      extra: { options: `-c search_path=${schema},public` },
    });
  afterAll(async () => {
    await dropSchema(url, schema);
  });

  it('moves each user’s organization into an owner membership and backfills unique slugs', async () => {
    const admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA "${schema}"`);
    await admin.end();

    // Every migration before this one (later ones build on its tables).
    const before = migrations.slice(0, migrations.indexOf(Organizations1796500000000));
    expect(before.length).toBeGreaterThan(0);
    const old = dataSource(before);
    await old.initialize();
    await old.runMigrations();
    const q = (sql: string, params: unknown[] = []) => old.query(sql.replaceAll('T.', `"${schema}".`), params);
    const orgs = [
      { id: randomUUID(), name: 'Acme Corp', createdAt: '2024-01-01T00:00:00.123456Z' },
      { id: randomUUID(), name: 'ACME corp!', createdAt: '2024-02-01T00:00:00Z' },
      { id: randomUUID(), name: 'Café Ünïcode', createdAt: '2024-03-01T00:00:00Z' },
      { id: randomUUID(), name: '日本', createdAt: '2024-04-01T00:00:00Z' },
    ];
    for (const o of orgs) await q(`INSERT INTO T.organizations (id, name, created_at) VALUES ($1, $2, $3)`, [o.id, o.name, o.createdAt]);
    const users = [
      { id: randomUUID(), org: orgs[0]!.id, createdAt: '2024-01-01T00:00:01.654321Z' },
      { id: randomUUID(), org: orgs[1]!.id, createdAt: '2024-02-01T00:00:01Z' },
      { id: randomUUID(), org: orgs[2]!.id, createdAt: '2024-03-01T00:00:01Z' },
      { id: randomUUID(), org: orgs[3]!.id, createdAt: '2024-04-01T00:00:01Z' },
      // Two users sharing one organization (possible in the old shape): both become owners.
      { id: randomUUID(), org: orgs[3]!.id, createdAt: '2024-04-02T00:00:01Z' },
      { id: randomUUID(), org: null, createdAt: '2024-05-01T00:00:00Z' },
    ];
    for (const [i, u] of users.entries()) {
      await q(`INSERT INTO T.users (id, email, organization_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)`, [
        u.id,
        `old${i}@example.com`,
        u.org,
        u.createdAt,
      ]);
    }
    await old.destroy();

    const next = dataSource(migrations);
    await next.initialize();
    try {
      expect(await next.showMigrations()).toBe(true);
      await next.runMigrations();
      const rows = async (sql: string, params: unknown[] = []) => next.query(sql.replaceAll('T.', `"${schema}".`), params);

      const slugs = await rows(`SELECT id, slug FROM T.organizations ORDER BY created_at`);
      expect(slugs.map((r: { slug: string }) => r.slug.replace(/-[a-z0-9]{6}$/, '-SUFFIX'))).toEqual(['acme-corp', 'acme-corp-SUFFIX', 'cafe-unicode', 'org']);
      expect(slugs.length).toBe(orgs.length);

      const memberships = await rows(`SELECT organization_id, user_id, role, joined_at::text AS joined FROM T.memberships ORDER BY joined_at`);
      const created = await rows(`SELECT id, created_at::text AS created FROM T.users WHERE organization_id IS NOT NULL ORDER BY created_at`);
      expect(memberships).toHaveLength(5);
      expect(
        memberships.map((m: { user_id: string; organization_id: string; role: string; joined: string }) => [m.user_id, m.organization_id, m.role, m.joined]),
      ).toEqual(users.filter((u) => u.org).map((u, i) => [u.id, u.org, 'owner', created[i].created]));
      // Nothing lost: every organization and user is still there, and users.organization_id is unchanged.
      expect(await rows(`SELECT count(*)::int AS n FROM T.users WHERE organization_id IS NOT NULL`)).toEqual([{ n: 5 }]);
      expect(await rows(`SELECT count(*)::int AS n FROM T.organizations`)).toEqual([{ n: 4 }]);

      // The new constraints hold: one membership per user and organization, unique slugs.
      await expect(
        rows(`INSERT INTO T.memberships (id, organization_id, user_id, role) VALUES ($1, $2, $3, 'member')`, [randomUUID(), orgs[0]!.id, users[0]!.id]),
      ).rejects.toThrow(/duplicate key/);
      await expect(rows(`UPDATE T.organizations SET slug = 'acme-corp' WHERE id = $1`, [orgs[2]!.id])).rejects.toThrow(/duplicate key/);

      // And it goes down again.
      for (let i = migrations.indexOf(Organizations1796500000000); i < migrations.length; i++) await next.undoLastMigration();
      expect(await rows(`SELECT to_regclass($1) AS t`, [`"${schema}".memberships`])).toEqual([{ t: null }]);
    } finally {
      await next.destroy();
    }
  });
});
