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
