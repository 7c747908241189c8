import type { TestApp } from './start-test-app';
import { codeFrom } from './smtp-inbox';
import { SignupDocument, VerifyOtpDocument } from '../graphql/generated/graphql';
import { backends } from './backends';
import { hasRedisServerBinary, RedisServer } from './redis-server';

/** A GraphQL error as it arrives on the wire. */
export interface WireError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
}

export function errorsOf(json: unknown): WireError[] {
  return ((json as { errors?: WireError[] } | null)?.errors ?? []) as WireError[];
}

export function codesOf(json: unknown): string[] {
  return errorsOf(json).map((e) => String(e.extensions?.code));
}

/** A document with n aliased copies of one mutation field: `a0: field(...) { … } a1: …`. */
export function aliased(n: number, field: (i: number) => string): string {
  return `mutation { ${Array.from({ length: n }, (_, i) => `a${i}: ${field(i)}`).join('\n')} }`;
}

/** Runs tasks with at most `width` in flight. */
export async function inParallel<T>(count: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

/** Signs up and verifies the emailed code: an account whose owner can receive mail. */
export async function signUpVerified(t: TestApp, email: string, password: string, headers: Record<string, string> = {}) {
  const client = t.client(headers);
  const before = t.inbox.mailsTo(email).length;
  const { signup } = await client.request(SignupDocument, { input: { email, password } });
  const code = codeFrom(await t.inbox.waitForMail(email, before + 1));
  const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId: signup.challengeId, code } });
  client.accessToken = verifyOtp.accessToken;
  return { client, payload: verifyOtp };
}

/** A table of the app's own schema, qualified (raw SQL does not rely on search_path). */
export function table(t: TestApp, name: string): string {
  return t.env.DATABASE_SCHEMA ? `"${t.env.DATABASE_SCHEMA}"."${name}"` : `"${name}"`;
}

/** `SELECT count(*) AS n FROM {otp_challenges} WHERE …`: {name} becomes the app's qualified table. */
export async function countRows(t: TestApp, sql: string, params: unknown[] = []): Promise<number> {
  const rows = (await t.app.dataSource.query(
    sql.replace(/\{(\w+)\}/g, (_, name: string) => table(t, name)),
    params,
  )) as { n: string | number }[];
  return Number(rows[0]!.n);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A Redis for tests that need a real one whatever the mode: REDIS_URL when set (CI), else a private
 * redis-server of this test file. null when neither exists (the caller skips, saying so).
 */
export async function realRedis(): Promise<{ url: string; stop(): Promise<void> } | null> {
  if (backends.redisUrl) return { url: backends.redisUrl, stop: async () => undefined };
  if (!hasRedisServerBinary) return null;
  const server = await RedisServer.start();
  return { url: server.url, stop: () => server.stop() };
}

export const realRedisAvailable = backends.redisUrl !== null || hasRedisServerBinary;

/**
 * NODE_ENV=production refuses the in-process store: REDIS_URL, or a private redis-server when it is unset
 * (so the production-mode tests also run on a machine with only Node and redis-server).
 */
export async function productionRedisEnv(): Promise<{ env: { REDIS_URL: string }; stop(): Promise<void> }> {
  const redis = await realRedis();
  if (!redis) throw new Error('production-mode tests need REDIS_URL or a redis-server binary');
  return { env: { REDIS_URL: redis.url }, stop: () => redis.stop() };
}
