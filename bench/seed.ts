import bcrypt from 'bcryptjs';
import { Client } from 'pg';
import { PasswordHasher } from '../src/crypto/password-hasher';
import type { SmtpSink } from './smtp-sink';

export const BENCH_PASSWORD = 'bench password, long enough';

export async function gql<T = Record<string, unknown>>(url: string, query: string, variables: object = {}, accessToken?: string): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const json = (await response.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  if (json.errors?.length) throw new Error(`${json.errors[0]!.extensions?.code}: ${json.errors[0]!.message}`);
  return json.data!;
}

/** Runs fn over items with at most `concurrency` in flight. */
export async function inParallel<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!);
      }
    }),
  );
  return results;
}

export const emailOf = (group: string, i: number) => `bench.${group}.${i}@bench.test`;

/**
 * Bulk users by SQL (the gateway's own hash format: HMAC pre-hash, then bcryptjs at `cost`), all in one
 * organization. One hash serves every user of a group: hashing thousands at cost 12 would take minutes.
 */
export async function seedUsers(databaseUrl: string, schema: string, group: string, count: number, cost: number): Promise<string[]> {
  const hash = bcrypt.hashSync(PasswordHasher.prehash(BENCH_PASSWORD), bcrypt.genSaltSync(cost));
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`SET search_path TO "${schema}"`);
    await client.query('BEGIN');
    const org = await client.query(`INSERT INTO organizations (id, name, slug, industry) VALUES (gen_random_uuid(), $1, $2, 'Benchmarks') RETURNING id`, [
      `Bench ${group}`,
      `bench-${group.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${Date.now().toString(36)}`,
    ]);
    await client.query(
      `INSERT INTO users (id, email, email_verified, name, organization_id)
       SELECT gen_random_uuid(), 'bench.' || $1 || '.' || g || '@bench.test', true, 'Bench user ' || g, $3
       FROM generate_series(0, $2 - 1) AS g`,
      [group, count, org.rows[0].id],
    );
    // Each a member (the signup shape): their sessions start with this organization active (org claims in tokens).
    await client.query(
      `INSERT INTO memberships (id, organization_id, user_id, role, joined_at)
       SELECT gen_random_uuid(), $2, id, 'member', created_at FROM users WHERE email LIKE 'bench.' || $1 || '.%'`,
      [group, org.rows[0].id],
    );
    await client.query(
      `INSERT INTO password_credentials (user_id, password_hash)
       SELECT id, $2 FROM users WHERE email LIKE 'bench.' || $1 || '.%'`,
      [group, hash],
    );
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
  return Array.from({ length: count }, (_, i) => emailOf(group, i));
}

export interface Challenge {
  email: string;
  challengeId: string;
  code: string;
}

/** requestOtp through the gateway, then the code from the SMTP sink: a challenge ready for verifyOtp. */
export async function requestCodes(url: string, sink: SmtpSink, emails: readonly string[], concurrency = 8): Promise<Challenge[]> {
  return inParallel(emails, concurrency, async (email) => {
    const data = await gql<{ requestOtp: { challengeId: string } }>(url, 'mutation ($input: RequestOtpInput!) { requestOtp(input: $input) { challengeId } }', {
      input: { email },
    });
    return { email, challengeId: data.requestOtp.challengeId, code: await sink.takeCode(email) };
  });
}

export interface SignedIn {
  accessToken: string;
  refreshToken: string;
}

/** Real sign-ins (requestOtp → mailed code → verifyOtp): sessions with access and refresh tokens. */
export async function signIn(url: string, sink: SmtpSink, emails: readonly string[]): Promise<SignedIn[]> {
  const challenges = await requestCodes(url, sink, emails);
  return inParallel(challenges, 8, async (c) => {
    const data = await gql<{ verifyOtp: SignedIn }>(url, 'mutation ($input: VerifyOtpInput!) { verifyOtp(input: $input) { accessToken refreshToken } }', {
      input: { challengeId: c.challengeId, code: c.code },
    });
    return data.verifyOtp;
  });
}

/**
 * An organization with `count` members by SQL (new users, joined one millisecond apart), after `viewers` (emails of
 * existing users, e.g. the signed-in sessions') joined first as members: what `members(first: 50)` pages through.
 * ANALYZE afterwards, as autovacuum would on a live database, so the planner sees the table as it now is.
 */
export async function seedOrganization(databaseUrl: string, schema: string, group: string, count: number, viewers: readonly string[]): Promise<string> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`SET search_path TO "${schema}"`);
    await client.query('BEGIN');
    const org = await client.query(`INSERT INTO organizations (id, name, slug) VALUES (gen_random_uuid(), $1, $2) RETURNING id`, [
      `Bench ${group}`,
      `bench-${group.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${Date.now().toString(36)}`,
    ]);
    const id: string = org.rows[0].id;
    await client.query(
      `INSERT INTO memberships (id, organization_id, user_id, role, joined_at)
       SELECT gen_random_uuid(), $1, u.id, 'member', now() - interval '1 day' FROM users u WHERE u.email = ANY($2::text[])`,
      [id, viewers],
    );
    await client.query(
      `INSERT INTO users (id, email, email_verified, name, organization_id)
       SELECT gen_random_uuid(), 'bench.' || $1 || '.' || g || '@bench.test', true, 'Bench member ' || g, $3 FROM generate_series(0, $2 - 1) AS g`,
      [group, count, id],
    );
    await client.query(
      `INSERT INTO memberships (id, organization_id, user_id, role, joined_at)
       SELECT gen_random_uuid(), $2, u.id, 'member', now() + (row_number() OVER (ORDER BY u.email)) * interval '1 millisecond'
       FROM users u WHERE u.email LIKE 'bench.' || $1 || '.%'`,
      [group, id],
    );
    await client.query('COMMIT');
    await client.query('ANALYZE memberships, users');
    return id;
  } finally {
    await client.end();
  }
}

/**
 * The cursor `members` answers after the member at `offset` (earliest joined first), as the gateway encodes it
 * (organizations.service.ts: base64url of [joined_at::text, id]).
 */
export async function memberCursorAt(databaseUrl: string, schema: string, organizationId: string, offset: number): Promise<string> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`SET search_path TO "${schema}"`);
    const { rows } = await client.query(
      `SELECT joined_at::text AS joined, id FROM memberships WHERE organization_id = $1 ORDER BY joined_at, id OFFSET $2 LIMIT 1`,
      [organizationId, offset],
    );
    return Buffer.from(JSON.stringify([rows[0].joined, rows[0].id])).toString('base64url');
  } finally {
    await client.end();
  }
}

/** EXPLAIN (ANALYZE) of the page query `members` runs (organizations.service.ts), first page or after a cursor. */
export async function explainMembersPage(databaseUrl: string, schema: string, organizationId: string, cursor: string | null): Promise<string[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`SET search_path TO "${schema}"`);
    const params: unknown[] = [organizationId, 51];
    let where = 'organization_id = $1';
    if (cursor) {
      const [joined, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [string, string];
      params.push(joined, id);
      where += ' AND (joined_at, id) > ($3::timestamptz, $4::uuid)';
    }
    const { rows } = await client.query(
      `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT id, organization_id, user_id, role, joined_at, joined_at::text AS joined_text
       FROM memberships WHERE ${where} ORDER BY joined_at, id LIMIT $2`,
      params,
    );
    return rows.map((r: Record<string, string>) => r['QUERY PLAN']!);
  } finally {
    await client.end();
  }
}
