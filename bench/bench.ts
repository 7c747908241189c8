/**
 * npm run bench [-- --smoke] [-- --profile] [-- --only=hello,viewer,viewerProfile,viewerActiveOrg,members,adminUsers,apiKeyExchange,refresh,verifyOtp,login,storm,rss,captcha-overhead,auditChain,auditExport,webhooks]
 *                [-- --gateway=<other build>/dist/src/main.js] [-- --env=NAME=value] [-- --scale=N]
 *
 * Builds (npm script), then starts the gateway in production mode against DATABASE_URL / REDIS_URL in a
 * schema and key prefix of its own, seeds users, and drives it over loopback with autocannon. Baselines in
 * the same run: a bare Apollo Server on the same Fastify integration answering { hello }, and raw bcryptjs
 * throughput on every core. Prints one table and the target ratios; writes bench/results.json.
 */
import 'reflect-metadata';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { SmtpSink } from './smtp-sink';
import { measureFloors } from './pg-floor';
import { startBareApollo, startGateway, type Server } from './processes';
import { load, type LoadOptions, type LoadResult } from './load';
import { bcryptBaseline, type HashBaseline } from './bcrypt-baseline';
import { cpuShare, cpuSnapshot, type CpuShare } from './cpu-accounting';
import { captchaOverhead } from './captcha-overhead';

const BENCH_METRICS_TOKEN = randomBytes(24).toString('base64url');
const metricsAuth = { headers: { authorization: `Bearer ${BENCH_METRICS_TOKEN}` } };
import { BENCH_PASSWORD, emailOf, explainMembersPage, memberCursorAt, requestCodes, seedOrganization, seedUsers, signIn, type Challenge } from './seed';
import { adminPrefixes, explainAdminSearch, seedAdminUsers } from './admin-bench';
import { holdSealer, measureExport, raiseSession, seedAuditRows, waitSealed, type ExportFigures } from './audit-bench';
import {
  createGlobalEndpoint,
  freshAdminToken,
  measureLag,
  setEndpointEnabled,
  startLagReceiver,
  waitDeliveriesSettled,
  type LagFigures,
} from './webhooks-bench';

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const profile = args.includes('--profile');
/** --gateway=<path>/dist/src/main.js: bench another build (e.g. the foundation, for before/after figures). */
const otherGateway = args.find((a) => a.startsWith('--gateway='))?.slice('--gateway='.length);
/** --env=NAME=value (repeatable): extra gateway configuration, e.g. --env=PASSWORD_HASH_NICENESS=10. */
const extraEnv = Object.fromEntries(
  args
    .filter((a) => a.startsWith('--env='))
    .map((a) => {
      const [name, ...value] = a.slice('--env='.length).split('=');
      return [name!, value.join('=')];
    }),
);
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const wanted = (name: string) => !only || only.includes(name);

/** The issue's figure for every throughput scenario; the smoke run only checks that each scenario works. */
const CONNECTIONS = smoke ? 8 : 50;
const CONFIGURED_COST = Number(process.env.BENCH_BCRYPT_COST ?? 12);
/** --scale=N stretches every scenario (for profiling); given at all, it also seeds the 100,000-member organization. */
const scaleArg = args.find((a) => a.startsWith('--scale='));
const scale = Number(scaleArg?.slice('--scale='.length) ?? 1);
const LARGE_ORGANIZATION = 100_000;
const SMALL_ORGANIZATION = 100;
/** adminUsers: the users table at these sizes (the large one with --scale). */
const ADMIN_USERS_SMALL = 10_000;
const ADMIN_USERS_LARGE = 1_000_000;
/** Seconds per scenario: full run, smoke run. */
const seconds = (full: number) => (smoke ? 1 : full * scale);
const STORM_VIEWER_RATE = 200;
const STORM_VIEWER_CONNECTIONS = 10;

const QUERIES = {
  hello: JSON.stringify({ query: '{ hello }' }),
  viewer: JSON.stringify({ query: 'query ViewerId { viewer { id } }', operationName: 'ViewerId' }),
  viewerProfile: JSON.stringify({
    query: 'query ViewerProfile { viewer { id email name organization { name } } }',
    operationName: 'ViewerProfile',
  }),
  viewerActiveOrg: JSON.stringify({
    query: 'query ViewerActiveOrganization { viewer { id activeOrganization { id name viewerPermissions } } }',
    operationName: 'ViewerActiveOrganization',
  }),
  members:
    'query Members($id: ID!, $after: String) { organization(id: $id) { members(first: 50, after: $after) { nodes { id userId email name role joinedAt } endCursor hasNextPage } } }',
  adminUsers: 'query AdminUsers($q: String!) { adminUsers(filter: { query: $q }, first: 20) { nodes { id email name createdAt status } hasNextPage } }',
  refresh: 'mutation Refresh($t: String) { refreshSession(refreshToken: $t) { accessToken refreshToken user { id email } } }',
  login: 'mutation Login($input: LoginInput!) { login(input: $input) { challengeId expiresAt } }',
  verify: 'mutation Verify($input: VerifyOtpInput!) { verifyOtp(input: $input) { accessToken refreshToken user { id email } } }',
};

/** EXPLAIN of the members page query per organization size (--only=members), kept in results.json. */
const plans: Record<string, string[]> = {};

const ok = (marker: string) => (body: string) => body.includes(marker) && !body.includes('"errors"');

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

interface RssSample {
  after: string;
  /** As the round left it, garbage not yet collected included. */
  rssMiB: number;
  heapUsedMiB: number;
  heapTotalMiB: number;
  /** After a full collection (forced from outside, through the inspector): what the gateway holds on to. */
  rssAfterGcMiB: number;
  heapUsedAfterGcMiB: number;
}

interface Targets {
  [name: string]: { value: number; target: string; met: boolean; detail: string };
}

async function main(): Promise<void> {
  const startedMs = Date.now();
  const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const runId = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const schema = `bench_${runId}`;
  const prefix = `bench:${runId}:`;
  log(`PostgreSQL ${databaseUrl.replace(/\/\/[^@]*@/, '//…@')} schema ${schema}; Redis ${redisUrl} prefix ${prefix}${smoke ? '; SMOKE run' : ''}`);

  const sink = await SmtpSink.start();
  const servers: Server[] = [];
  const results: LoadResult[] = [];
  const baselines: HashBaseline[] = [];
  const cpuShares: CpuShare[] = [];
  const rss: RssSample[] = [];
  const audit: { export?: ExportFigures & { target: string; met: boolean }; signIn?: Record<string, number | string | boolean | null> } = {};
  const extraTargets: Targets = {};
  const webhooks: { lag?: LagFigures & { target: string; met: boolean }; signIn?: Record<string, number | string | boolean | null> } = {};
  const loadBefore = os.loadavg();
  let gateway: Server;
  try {
    const profileDir = path.resolve(__dirname, '..', '..', 'bench', 'profiles');
    if (profile) mkdirSync(profileDir, { recursive: true });
    const gatewayEnv: Record<string, string> = {
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: schema,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: prefix,
      JWT_PRIVATE_KEY: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      WARDEN_SECRET: randomBytes(32).toString('base64url'),
      SMTP_URL: sink.url,
      MAIL_FROM: 'Warden Bench <no-reply@warden.bench>',
      PUBLIC_URL: 'http://warden.bench',
      APP_URL: 'http://app.bench',
      // Production serves /metrics only with a token (or on METRICS_PORT).
      METRICS_TOKEN: BENCH_METRICS_TOKEN,
      LOG_LEVEL: 'error',
      BCRYPT_COST: String(CONFIGURED_COST),
      // The bench hammers a few accounts from one IP: limits would (rightly) stop it.
      RATE_LIMIT_IP_PER_MINUTE: '1000000000',
      RATE_LIMIT_IP_SESSION_PER_MINUTE: '1000000000',
      RATE_LIMIT_SENDS_PER_HOUR: '1000000000',
      RATE_LIMIT_CODE_CHECKS_PER_HOUR: '1000000000',
      // API keys: the exchange scenario's keys are not to be stopped by their own per-key limit.
      API_KEY_RATE_LIMIT_PER_MINUTE: '100000',
      LOGIN_LOCKOUT_THRESHOLD: '1000000000',
      // Pwned Passwords (on by default in production) is a network call per new password: the bench has no outside
      // network and measures Warden itself (--env=HIBP_ENABLED=true with --env=HIBP_API_URL=… to include it).
      HIBP_ENABLED: 'false',
      // members(first: 50) with six fields costs about 1900 in graphql-armor's count (a list's `first` multiplies):
      // above the default GRAPHQL_MAX_COST of 1000, so the members rows need a higher limit (it changes no other row).
      GRAPHQL_MAX_COST: '5000',
      // The audit export's bearer (auditExport): the first session user, whose session the bench raises to aal2.
      ADMIN_EMAILS: emailOf('session', 0),
      // The webhooks scenario delivers to a receiver on loopback (production refuses it otherwise; a warning at start).
      ...(wanted('webhooks') ? { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' } : {}),
      ...extraEnv,
    };
    gateway = await startGateway(
      gatewayEnv,
      [...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), ...(process.env.BENCH_GATEWAY_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
      otherGateway ? path.resolve(otherGateway) : undefined,
    );
    if (otherGateway) log(`gateway under test: ${otherGateway}`);
    servers.push(gateway);
    const bare = await startBareApollo(profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []);
    servers.push(bare);
    const g = gateway;
    const measure = async (options: LoadOptions, server: Server = g, keep = true): Promise<LoadResult> => {
      log(
        `${options.name}: ${options.amount ? `${options.amount} requests` : `${options.durationSeconds} s`}, ${options.connections} connections${options.overallRate ? ` at ${options.overallRate} req/s` : ''}`,
      );
      const before = cpuSnapshot(() => server.cpuMs());
      const outcome = await load(options);
      const share = cpuShare(
        options.name,
        outcome.ok,
        before,
        cpuSnapshot(() => server.cpuMs()),
      );
      cpuShares.push(share);
      const cpuMsPerRequest = share.serverMs;
      const result = { ...outcome, rssMiB: server.rssMiB(), cpuMsPerRequest };
      log(
        `  → ${result.requestsPerSecond.toFixed(1)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, failed ${result.failed}, server CPU ${fmt(cpuMsPerRequest, 3)} ms/request`,
      );
      if (keep) results.push(result);
      return result;
    };

    /** Waits until the gateway has no password hash running or queued (logins left over from a scenario). */
    const drain = async () => {
      const deadline = Date.now() + 180_000;
      while (Date.now() < deadline) {
        const metrics = await (await fetch(`${g.url}/metrics`, metricsAuth)).text();
        const inFlight = Number(/^warden_password_hashes_in_flight (\d+)/m.exec(metrics)?.[1] ?? 0);
        if (inFlight === 0) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('the gateway did not finish its queued logins within 180 s');
    };
    /** Logins for about `targetSeconds` at the raw hash rate, as a fixed amount: no backlog is left when the run ends. */
    const loginAmount = (hashesPerSecond: number, targetSeconds: number) => Math.max(CONNECTIONS, Math.round(hashesPerSecond * targetSeconds));

    // Seed: bulk users by SQL, sessions and codes through the real flows.
    const sessionsNeeded = CONNECTIONS * 4;
    const verifyAmount = smoke ? 100 : 1500;
    const users12 = await seedUsers(databaseUrl, schema, `c${CONFIGURED_COST}`, 300, CONFIGURED_COST);
    const users10 = await seedUsers(databaseUrl, schema, 'c10', 300, 10);
    const sessionUsers = await seedUsers(databaseUrl, schema, 'session', sessionsNeeded, 4);
    const otpUsers = await seedUsers(databaseUrl, schema, 'otp', verifyAmount, 4);
    log(`seeded ${users12.length + users10.length + sessionUsers.length + otpUsers.length} users`);
    const sessions = await signIn(g.url, sink, sessionUsers);
    const challenges: Challenge[] = wanted('verifyOtp') ? await requestCodes(g.url, sink, otpUsers, 16) : [];
    log(`seeded ${sessions.length} sessions and ${challenges.length} challenges in ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);

    /** Raw hash rate measured in this run (a guess before it is). */
    const rawRate = (cost: number) => baselines.find((b) => b.cost === cost)?.hashesPerSecond ?? (os.availableParallelism() * 2 ** (12 - cost)) / 0.35;
    const bearer = (i: number) => ({ authorization: `Bearer ${sessions[i % 20]!.accessToken}` });
    const refreshPool = sessions.slice(20).map((s) => s.refreshToken);
    const loginStep = (emails: readonly string[]) => {
      let next = 0;
      return {
        body: () => JSON.stringify({ query: QUERIES.login, variables: { input: { email: emails[next++ % emails.length], password: BENCH_PASSWORD } } }),
      };
    };
    const refreshStep = {
      body(ctx: Record<string, unknown>) {
        ctx.token ??= refreshPool.pop() ?? null;
        return JSON.stringify({ query: QUERIES.refresh, variables: { t: ctx.token } });
      },
      onResponse(_status: number, body: string, ctx: Record<string, unknown>) {
        const token = /"refreshToken":"([^"]+)"/.exec(body)?.[1];
        if (token) ctx.token = token;
      },
    };

    // Warm up both servers (JIT, connection pools, caches) before anything is measured.
    await load({ name: 'warm-up', url: bare.url, connections: 10, durationSeconds: seconds(2), body: QUERIES.hello, verify: ok('"hello"') });
    await load({
      name: 'warm-up',
      url: g.url,
      connections: 10,
      durationSeconds: seconds(2),
      body: QUERIES.viewer,
      headersFor: bearer,
      verify: ok('"viewer":{"id"'),
    });

    // API keys for the exchange scenario: one organization's keys, one per 5 connections (POST /oauth/token).
    const apiKeys = wanted('apiKeyExchange') ? await createApiKeys(g.url, sessions[0]!.accessToken, Math.max(1, Math.ceil(CONNECTIONS / 5))) : [];
    let nextKey = 0;
    const exchangeBody = (connection: number) =>
      new URLSearchParams({ grant_type: 'client_credentials', client_secret: apiKeys[connection % apiKeys.length]! }).toString();

    if (wanted('hello') || wanted('viewer') || wanted('viewerProfile') || wanted('viewerActiveOrg') || wanted('apiKeyExchange')) {
      // The machine is shared and its load drifts: the baseline, viewer { id } and viewer with profile fields
      // alternate in short rounds so all see the same conditions; each figure is over all its rounds
      // (p50/p99: the median round).
      const rounds = smoke ? 1 : 4;
      const perRound = seconds(8) / rounds;
      const hello: LoadResult[] = [];
      const viewer: LoadResult[] = [];
      const viewerProfile: LoadResult[] = [];
      const viewerActiveOrg: LoadResult[] = [];
      const exchanges: LoadResult[] = [];
      for (let round = 0; round < rounds; round++) {
        hello.push(
          await measure(
            {
              name: 'baseline: bare Apollo { hello }',
              url: bare.url,
              connections: CONNECTIONS,
              durationSeconds: perRound,
              body: QUERIES.hello,
              verify: ok('"hello"'),
            },
            bare,
            false,
          ),
        );
        if (wanted('apiKeyExchange'))
          exchanges.push(
            await measure(
              {
                name: 'API key exchange (POST /oauth/token)',
                url: g.url,
                path: '/oauth/token',
                contentType: 'application/x-www-form-urlencoded',
                connections: CONNECTIONS,
                durationSeconds: perRound,
                // Each connection keeps one key (the keys spread over the connections).
                step: { body: (ctx) => (ctx.body ??= exchangeBody(nextKey++)) as string },
                verify: (body) => body.includes('"access_token"'),
              },
              g,
              false,
            ),
          );
        if (wanted('viewer'))
          viewer.push(
            await measure(
              {
                name: 'viewer { id }',
                url: g.url,
                connections: CONNECTIONS,
                durationSeconds: perRound,
                body: QUERIES.viewer,
                headersFor: bearer,
                verify: ok('"viewer":{"id"'),
              },
              g,
              false,
            ),
          );
        if (wanted('viewerActiveOrg'))
          viewerActiveOrg.push(
            await measure(
              {
                name: 'viewer { id activeOrganization { id name viewerPermissions } }',
                url: g.url,
                connections: CONNECTIONS,
                durationSeconds: perRound,
                body: QUERIES.viewerActiveOrg,
                headersFor: bearer,
                verify: ok('"activeOrganization":{"id"'),
              },
              g,
              false,
            ),
          );
        if (wanted('viewerProfile'))
          viewerProfile.push(
            await measure(
              {
                name: 'viewer { id email name organization { name } }',
                url: g.url,
                connections: CONNECTIONS,
                durationSeconds: perRound,
                body: QUERIES.viewerProfile,
                headersFor: bearer,
                verify: ok('"organization":{"name"'),
              },
              g,
              false,
            ),
          );
      }
      results.push(combine(hello));
      if (exchanges.length) results.push(combine(exchanges));
      if (viewer.length) results.push(combine(viewer));
      if (viewerProfile.length) results.push(combine(viewerProfile));
      if (viewerActiveOrg.length) results.push(combine(viewerActiveOrg));
    }
    if (wanted('members')) {
      // The same 20 signed-in users are members of an organization of 100 and (with --scale) one of 100,000;
      // members(first: 50) of each alternates in rounds, like the baseline above.
      const viewers = sessionUsers.slice(0, 20);
      const small = await seedOrganization(databaseUrl, schema, 'members-small', SMALL_ORGANIZATION - viewers.length, viewers);
      const large = scaleArg ? await seedOrganization(databaseUrl, schema, 'members-large', LARGE_ORGANIZATION - viewers.length, viewers) : null;
      log(`seeded organizations of ${SMALL_ORGANIZATION}${large ? ` and ${LARGE_ORGANIZATION}` : ''} members${large ? '' : ' (--scale seeds the large one)'}`);
      const halfway = large ? await memberCursorAt(databaseUrl, schema, large, LARGE_ORGANIZATION / 2) : null;
      for (const [label, id, cursor] of [
        [`${SMALL_ORGANIZATION}`, small, null],
        ...(large ? [[`${LARGE_ORGANIZATION}`, large, null] as const, [`${LARGE_ORGANIZATION}, halfway`, large, halfway] as const] : []),
      ] as const) {
        const plan = await explainMembersPage(databaseUrl, schema, id, cursor);
        log(`EXPLAIN members page (${label}): ${plan.map((l) => l.trim()).join(' / ')}`);
        plans[label] = plan;
      }
      const membersBody = (id: string, after: string | null = null) => JSON.stringify({ query: QUERIES.members, variables: { id, after } });
      const rounds = smoke ? 1 : 4;
      const perRound = seconds(8) / rounds;
      const scenarios = [
        { name: `members(first: 50), ${SMALL_ORGANIZATION} members`, body: membersBody(small) },
        ...(large
          ? [
              { name: `members(first: 50), ${LARGE_ORGANIZATION} members`, body: membersBody(large) },
              { name: `members(first: 50) after a cursor halfway, ${LARGE_ORGANIZATION} members`, body: membersBody(large, halfway) },
            ]
          : []),
      ];
      const byScenario = scenarios.map(() => [] as LoadResult[]);
      for (let round = 0; round < rounds; round++) {
        for (const [i, scenario] of scenarios.entries()) {
          byScenario[i]!.push(
            await measure(
              {
                name: scenario.name,
                url: g.url,
                connections: CONNECTIONS,
                durationSeconds: perRound,
                body: scenario.body,
                headersFor: bearer,
                verify: ok('"members":{"nodes":[{'),
              },
              g,
              false,
            ),
          );
        }
      }
      for (const r of byScenario) results.push(combine(r));
    }
    if (wanted('adminUsers')) {
      // adminUsers(filter: { query }) with an email prefix that matches ten users, on a users table of 10,000 and then
      // (--scale) 1,000,000: the table only grows, so the two sizes run one after the other, not in alternating rounds.
      await raiseSession(databaseUrl, schema, emailOf('session', 0));
      const prefixes = adminPrefixes();
      let nextPrefix = 0;
      const adminStep = { body: () => JSON.stringify({ query: QUERIES.adminUsers, variables: { q: prefixes[nextPrefix++ % prefixes.length] } }) };
      const admin = { authorization: `Bearer ${sessions[0]!.accessToken}` };
      const sizes = [ADMIN_USERS_SMALL, ...(scaleArg ? [ADMIN_USERS_LARGE] : [])];
      let seeded = 0;
      for (const size of sizes) {
        await seedAdminUsers(databaseUrl, schema, seeded, size, log);
        seeded = size;
        const plan = await explainAdminSearch(databaseUrl, schema, prefixes[0]!);
        log(`EXPLAIN adminUsers search (${size} users): ${plan.map((l) => l.trim()).join(' / ')}`);
        plans[`adminUsers ${size}`] = plan;
        log(
          `  load average ${os
            .loadavg()
            .map((n) => n.toFixed(2))
            .join(' ')}`,
        );
        await measure({
          name: `adminUsers(filter: { query }), ${size} users`,
          url: g.url,
          connections: CONNECTIONS,
          durationSeconds: seconds(8),
          step: adminStep,
          headersFor: () => admin,
          verify: ok('"adminUsers":{"nodes":[{'),
        });
      }
    }
    if (wanted('refresh'))
      await measure({
        name: 'refreshSession',
        url: g.url,
        connections: CONNECTIONS,
        durationSeconds: seconds(8),
        step: refreshStep,
        verify: ok('"refreshSession"'),
      });
    if (wanted('verifyOtp') && challenges.length) {
      let next = 0;
      await measure({
        name: 'verifyOtp',
        url: g.url,
        connections: CONNECTIONS,
        amount: challenges.length,
        step: {
          body: () => {
            const c = challenges[Math.min(next++, challenges.length - 1)]!;
            return JSON.stringify({ query: QUERIES.verify, variables: { input: { challengeId: c.challengeId, code: c.code } } });
          },
        },
        verify: ok('"verifyOtp"'),
      });
    }
    if (wanted('refresh') || wanted('verifyOtp')) {
      // What PostgreSQL alone allows for the same work (bench/pg-floor.ts), measured right after.
      const floors = await measureFloors({
        databaseUrl,
        schema,
        poolSize: Number(extraEnv.DATABASE_POOL_SIZE ?? 10),
        connections: CONNECTIONS,
        refreshSeconds: seconds(8),
        verifyAmount,
        log,
        onMeasured: (floor, before, after) => cpuShares.push(cpuShare(floor.name, floor.ok, before, after)),
      });
      for (const f of floors) {
        log(`  → ${f.requestsPerSecond.toFixed(1)} transactions/s, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, failed ${f.failed}`);
        results.push({ ...f, rssMiB: null, cpuMsPerRequest: null });
      }
    }
    if (process.env.BENCH_TRACE_HASHES) {
      const timer = setInterval(() => {
        void fetch(`${g.url}/metrics`, metricsAuth)
          .then((r) => r.text())
          .then((t) => log(`  hashes in flight: ${/^warden_password_hashes_in_flight (\d+)/m.exec(t)?.[1]}`));
      }, 1000);
      timer.unref();
    }
    if (wanted('login')) {
      baselines.push(await bcryptBaseline(CONFIGURED_COST, seconds(8)));
      log(`  raw bcryptjs cost ${CONFIGURED_COST}: ${baselines.at(-1)!.hashesPerSecond.toFixed(2)} hashes/s on ${baselines.at(-1)!.threads} threads`);
      await measure({
        name: `login (bcrypt cost ${CONFIGURED_COST})`,
        url: g.url,
        connections: CONNECTIONS,
        amount: loginAmount(baselines.at(-1)!.hashesPerSecond, seconds(12)),
        timeoutSeconds: 120,
        step: loginStep(users12),
        verify: ok('"challengeId"'),
      });
      await drain();
      sink.clear();
      if (CONFIGURED_COST !== 10) {
        // A gateway configured at BCRYPT_COST=10 (same schema and keys). On the cost-12 gateway every cost-10
        // hash would be re-hashed at 12 on its first right password (docs/sessions.md), so its logins would
        // measure cost 12.
        const g10 = await startGateway({ ...gatewayEnv, BCRYPT_COST: '10' }, [], otherGateway ? path.resolve(otherGateway) : undefined);
        try {
          // Warm it up as seeding warmed the first gateway (JIT, pools, prepared statements): not measured.
          await load({
            name: 'login warm-up (cost 10)',
            url: g10.url,
            connections: CONNECTIONS,
            amount: CONNECTIONS,
            timeoutSeconds: 120,
            step: loginStep(users10),
            verify: ok('"challengeId"'),
          });
          sink.clear();
          baselines.push(await bcryptBaseline(10, seconds(6)));
          log(`  raw bcryptjs cost 10: ${baselines.at(-1)!.hashesPerSecond.toFixed(2)} hashes/s`);
          await measure(
            {
              name: 'login (bcrypt cost 10)',
              url: g10.url,
              connections: CONNECTIONS,
              amount: loginAmount(baselines.at(-1)!.hashesPerSecond, seconds(8)),
              timeoutSeconds: 120,
              step: loginStep(users10),
              verify: ok('"challengeId"'),
            },
            g10,
          );
        } finally {
          await g10.stop();
        }
        sink.clear();
      }
    }
    if (wanted('captcha-overhead')) {
      // CAPTCHA_PROVIDER=none against altcha below its threshold (bench/captcha-overhead.ts).
      const capUsers = await seedUsers(databaseUrl, schema, 'cap', 300, 4);
      const overhead = await captchaOverhead({
        gatewayEnv,
        otherGateway: otherGateway ? path.resolve(otherGateway) : undefined,
        loginEmails: capUsers,
        connections: CONNECTIONS / 2,
        rounds: smoke ? 2 : 10,
        secondsPerRound: smoke ? 3 : 5 * scale,
        redisUrl,
        prefix,
        combine,
        log,
      });
      results.push(...overhead.results);
      for (const r of overhead.ratios) {
        log(
          `  captcha overhead, ${r.scenario}: altcha/none throughput ${fmt(r.throughput, 3)} (rounds ${r.perRound.map((x) => fmt(x, 2)).join(' ')}), gateway CPU per answer ${fmt(r.cpuPerAnswer, 3)} (${overhead.altchaCounterKeys} counter keys counted); the guard itself ${fmt(overhead.guardMicros, 1)} µs of CPU a call`,
        );
        extraTargets[`captchaOverhead${r.scenario === 'login' ? 'Login' : 'Signup'}`] = {
          value: r.throughput,
          target: '≥ 0.95 × CAPTCHA_PROVIDER=none',
          met: r.throughput >= 0.95 && overhead.altchaCounterKeys > 0,
          detail: `${fmt(r.altcha.requestsPerSecond, 1)} / ${fmt(r.none.requestsPerSecond, 1)} req/s, median round ${fmt(median(r.perRound.filter(Number.isFinite)), 3)}; gateway CPU ${fmt(r.altcha.cpuMsPerRequest, 3)} / ${fmt(r.none.cpuMsPerRequest, 3)} ms an answer (${fmt(r.cpuPerAnswer, 3)} ×); p99 ${r.altcha.p99Ms} / ${r.none.p99Ms} ms; ${overhead.altchaCounterKeys} CAPTCHA counters in Redis; the guard itself ${fmt(overhead.guardMicros, 1)} µs of CPU a call`,
        };
      }
      sink.clear();
    }
    if (wanted('storm')) {
      const viewerAtRate = (name: string) => ({
        name,
        url: g.url,
        connections: STORM_VIEWER_CONNECTIONS,
        overallRate: STORM_VIEWER_RATE,
        durationSeconds: seconds(8),
        body: QUERIES.viewer,
        headersFor: bearer,
        verify: ok('"viewer":{"id"'),
      });
      await measure(viewerAtRate(`viewer at ${STORM_VIEWER_RATE} req/s, idle`));
      log(`storm: login (cost ${CONFIGURED_COST}, ${CONNECTIONS} connections) and viewer at ${STORM_VIEWER_RATE} req/s together`);
      // The login side is a fixed amount (about 12 s of hashing at the raw rate); viewer runs until it is done.
      const storm = load({
        name: `login during the storm (cost ${CONFIGURED_COST})`,
        url: g.url,
        connections: CONNECTIONS,
        amount: loginAmount(rawRate(CONFIGURED_COST), seconds(12)),
        timeoutSeconds: 120,
        step: loginStep(users12),
        verify: ok('"challengeId"'),
      });
      await new Promise((r) => setTimeout(r, smoke ? 200 : 1500)); // let the hash pool fill first
      const viewerDuring = await load({ ...viewerAtRate(`viewer at ${STORM_VIEWER_RATE} req/s during a login storm`), durationSeconds: 600, stopWhen: storm });
      const loginDuring = await storm;
      await drain();
      results.push({ ...viewerDuring, rssMiB: g.rssMiB(), cpuMsPerRequest: null }, { ...loginDuring, rssMiB: g.rssMiB(), cpuMsPerRequest: null });
      log(
        `  → viewer p99 ${viewerDuring.p99Ms} ms (failed ${viewerDuring.failed}); login ${loginDuring.requestsPerSecond.toFixed(2)}/s (failed ${loginDuring.failed})`,
      );
      sink.clear();
    }
    if (wanted('auditChain')) {
      // The hash chain's cost on a sign-in: verifyOtp (it writes the session's audit rows) with the sealer running and
      // held off (the bench holds its advisory lock), in alternating rounds; the sealer catches up between rounds.
      const perRound = smoke ? 50 : Math.round(300 * scale);
      const roundsEach = smoke ? 1 : 3;
      // A first round, not kept, warms verifyOtp's path (JIT, pools, prepared statements): the first measured round
      // used to be "on" and cold, which charged the warm-up to the sealer. Then on/off in ABBA order (on, off, off,
      // on, on, off), so a drift of the machine's load weighs on both alike.
      const order = ['warm-up', ...Array.from({ length: roundsEach * 2 }, (_, i) => (i % 4 === 0 || i % 4 === 3 ? 'on' : 'off'))];
      const chainUsers = await seedUsers(databaseUrl, schema, 'chain', perRound * order.length, 4);
      const on: LoadResult[] = [];
      const off: LoadResult[] = [];
      for (const [round, sealer] of order.entries()) {
        const codes = await requestCodes(g.url, sink, chainUsers.slice(round * perRound, (round + 1) * perRound), 16);
        await waitSealed(databaseUrl, schema);
        const release = sealer === 'off' ? await holdSealer(databaseUrl, schema) : null;
        let next = 0;
        const result = await measure(
          {
            name: `sign-in (verifyOtp), audit sealer ${sealer}`,
            url: g.url,
            connections: CONNECTIONS,
            amount: codes.length,
            step: {
              body: () => {
                const c = codes[Math.min(next++, codes.length - 1)]!;
                return JSON.stringify({ query: QUERIES.verify, variables: { input: { challengeId: c.challengeId, code: c.code } } });
              },
            },
            verify: ok('"verifyOtp"'),
          },
          g,
          false,
        );
        if (sealer !== 'warm-up') (sealer === 'on' ? on : off).push(result);
        await release?.();
        sink.clear();
      }
      const withSealer = combine(on);
      const without = combine(off);
      results.push(withSealer, without);
      const cpuCost = withSealer.cpuMsPerRequest !== null && without.cpuMsPerRequest ? withSealer.cpuMsPerRequest / without.cpuMsPerRequest - 1 : null;
      const rateCost = without.requestsPerSecond / withSealer.requestsPerSecond - 1;
      audit.signIn = { cpuCost, rateCost, target: '< 10 %', met: Math.max(cpuCost ?? 0, rateCost) < 0.1 };
      extraTargets.auditChainSignInCost = {
        value: cpuCost ?? NaN,
        target: '< 0.10 (gateway CPU per sign-in, sealer on / off − 1)',
        met: (cpuCost ?? Infinity) < 0.1,
        detail: `sign-ins/s ${fmt(without.requestsPerSecond)} off, ${fmt(withSealer.requestsPerSecond)} on (time +${fmt(rateCost * 100)} %)`,
      };
      log(
        `  → audit chain on a sign-in: +${fmt((cpuCost ?? NaN) * 100)} % gateway CPU per sign-in, +${fmt(rateCost * 100)} % time (sign-ins/s ${fmt(without.requestsPerSecond)} → ${fmt(withSealer.requestsPerSecond)}); target < 10 %`,
      );
    }
    if (wanted('auditExport')) {
      const rows = smoke ? 10_000 : Math.round(1_000_000 * scale);
      const sealRate = await seedAuditRows(databaseUrl, schema, rows, log);
      await raiseSession(databaseUrl, schema, emailOf('session', 0));
      await g.collectGarbage();
      await new Promise((r) => setTimeout(r, 500));
      log(`audit export: ${rows} sealed rows`);
      const heapUsedMiB = async () => {
        const metrics = await (await fetch(`${g.url}/metrics`, metricsAuth)).text();
        return Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(metrics)?.[1] ?? NaN) / 2 ** 20;
      };
      const figures = await measureExport(g, sessions[0]!.accessToken, heapUsedMiB);
      audit.export = { ...figures, target: 'RSS growth < 50 MiB', met: figures.rssGrowthMiB < 50 };
      extraTargets.auditExportRssGrowthMiB = {
        value: figures.rssGrowthMiB,
        target: '< 50 MiB',
        met: figures.rssGrowthMiB < 50,
        detail: `${figures.rows} rows in ${fmt(figures.seconds)} s, ${fmt(figures.rowsPerSecond, 0)} rows/s`,
      };
      log(
        `  → ${figures.rows} rows in ${fmt(figures.seconds)} s: ${fmt(figures.rowsPerSecond, 0)} rows/s; RSS ${fmt(figures.rssBeforeMiB)} → peak ${fmt(figures.rssPeakMiB)} MiB (growth ${fmt(figures.rssGrowthMiB)} MiB; target < 50), ${fmt(figures.rssAfterGcMiB)} MiB after a full collection; V8 heap used ${fmt(figures.heapUsedBeforeMiB)} → peak ${fmt(figures.heapUsedPeakMiB)} MiB; sealing ran at ${fmt(sealRate, 0)} rows/s`,
      );
      if (figures.rows < rows) throw new Error(`the export answered ${figures.rows} rows of ${rows}`);
    }
    if (wanted('webhooks')) {
      // 200 events/s written into the outbox and delivered to a receiver here: the lag from occurredAt to arrival.
      // Then sign-ins (verifyOtp, each writes session.created) with a global endpoint receiving every event vs the
      // endpoint disabled (events still written and stamped, no delivery queued), in alternating rounds.
      const receiver = await startLagReceiver();
      const adminToken = await freshAdminToken(databaseUrl, schema, g.url, emailOf('session', 0), sessions[0]!.refreshToken);
      const endpointId = await createGlobalEndpoint(g.url, adminToken, receiver.url);
      const rate = 200;
      log(`webhooks: ${rate} events/s for ${seconds(10)} s through the outbox to ${receiver.url}`);
      const lag = await measureLag(databaseUrl, schema, receiver, rate, seconds(10), log);
      webhooks.lag = { ...lag, target: 'p99 < 1000 ms', met: lag.p99Ms < 1000 && lag.delivered === lag.events };
      extraTargets.webhookLagP99Ms = {
        value: lag.p99Ms,
        target: '< 1000 ms (outbox to delivery, 200 events/s)',
        met: webhooks.lag.met,
        detail: `${lag.delivered}/${lag.events} delivered at ${fmt(lag.ratePerSecond)} events/s, p50 ${lag.p50Ms} ms, max ${lag.maxMs} ms, duplicates ${lag.duplicates}`,
      };
      log(
        `  → ${lag.delivered}/${lag.events} delivered (${fmt(lag.ratePerSecond)} events/s), lag p50 ${lag.p50Ms} ms, p99 ${lag.p99Ms} ms, max ${lag.maxMs} ms; duplicates ${lag.duplicates}; drained ${fmt(lag.drainSeconds)} s after the last; median lag first fifth ${lag.firstFifthP50Ms} ms, last fifth ${lag.lastFifthP50Ms} ms`,
      );

      const perRound = smoke ? 50 : Math.round(600 * scale);
      const roundsEach = smoke ? 1 : 3;
      const hookUsers = await seedUsers(databaseUrl, schema, 'hook', perRound * roundsEach * 2, 4);
      const on: LoadResult[] = [];
      const off: LoadResult[] = [];
      for (let round = 0; round < roundsEach * 2; round++) {
        const delivering = round % 2 === 0 ? 'on' : 'off';
        const codes = await requestCodes(g.url, sink, hookUsers.slice(round * perRound, (round + 1) * perRound), 16);
        await setEndpointEnabled(g.url, adminToken, endpointId, delivering === 'on');
        await waitDeliveriesSettled(databaseUrl, schema);
        let next = 0;
        const result = await measure(
          {
            name: `sign-in (verifyOtp), webhook delivery ${delivering}`,
            url: g.url,
            connections: CONNECTIONS,
            amount: codes.length,
            step: {
              body: () => {
                const c = codes[Math.min(next++, codes.length - 1)]!;
                return JSON.stringify({ query: QUERIES.verify, variables: { input: { challengeId: c.challengeId, code: c.code } } });
              },
            },
            verify: ok('"verifyOtp"'),
          },
          g,
          false,
        );
        (delivering === 'on' ? on : off).push(result);
        sink.clear();
      }
      await receiver.close();
      const withDelivery = combine(on);
      const without = combine(off);
      results.push(withDelivery, without);
      const rateCost = without.requestsPerSecond / withDelivery.requestsPerSecond - 1;
      const cpuCost = withDelivery.cpuMsPerRequest !== null && without.cpuMsPerRequest ? withDelivery.cpuMsPerRequest / without.cpuMsPerRequest - 1 : null;
      webhooks.signIn = { rateCost, cpuCost, target: '< 10 %', met: rateCost < 0.1 };
      extraTargets.webhookSignInCost = {
        value: rateCost,
        target: '< 0.10 (sign-ins/s, delivery off / on − 1)',
        met: rateCost < 0.1,
        detail: `sign-ins/s ${fmt(without.requestsPerSecond)} off, ${fmt(withDelivery.requestsPerSecond)} on; gateway CPU per sign-in +${fmt((cpuCost ?? NaN) * 100)} %`,
      };
      log(
        `  → webhook delivery on a sign-in: sign-ins/s ${fmt(without.requestsPerSecond)} off → ${fmt(withDelivery.requestsPerSecond)} on (${fmt(rateCost * 100)} %), gateway CPU per sign-in +${fmt((cpuCost ?? NaN) * 100)} %; target < 10 %`,
      );
    }
    if (wanted('rss')) {
      // Three back-to-back rounds of the hot mix; memory after each must level off.
      for (let round = 1; round <= Number(process.env.BENCH_RSS_ROUNDS ?? 3); round++) {
        await load({
          name: 'rss viewer',
          url: g.url,
          connections: CONNECTIONS,
          durationSeconds: seconds(4),
          body: QUERIES.viewerProfile,
          headersFor: bearer,
          verify: ok('"viewer"'),
        });
        await load({
          name: 'rss refresh',
          url: g.url,
          connections: CONNECTIONS,
          durationSeconds: seconds(4),
          step: refreshStep,
          verify: ok('"refreshSession"'),
        });
        await load({
          name: 'rss login',
          url: g.url,
          connections: CONNECTIONS,
          amount: loginAmount(rawRate(CONFIGURED_COST), seconds(4)),
          timeoutSeconds: 120,
          step: loginStep(users12),
          verify: ok('"challengeId"'),
        });
        await drain();
        sink.clear();
        await new Promise((r) => setTimeout(r, 500));
        const heap = async () => {
          const metrics = await (await fetch(`${g.url}/metrics`, metricsAuth)).text();
          const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(metrics)?.[1] ?? NaN) / 2 ** 20;
          return { used: gauge('nodejs_heap_size_used_bytes'), total: gauge('nodejs_heap_size_total_bytes') };
        };
        const before = { rssMiB: g.rssMiB(), ...(await heap()) };
        // Where garbage collection happens to be says nothing about a leak: read again after a full one.
        await g.collectGarbage();
        await new Promise((r) => setTimeout(r, 500));
        const after = { rssMiB: g.rssMiB(), ...(await heap()) };
        rss.push({
          after: `round ${round}`,
          rssMiB: before.rssMiB,
          heapUsedMiB: before.used,
          heapTotalMiB: before.total,
          rssAfterGcMiB: after.rssMiB,
          heapUsedAfterGcMiB: after.used,
        });
        log(
          `  after round ${round}: RSS ${fmt(before.rssMiB)} MiB, V8 heap ${fmt(before.used)} used of ${fmt(before.total)} MiB; after a full collection RSS ${fmt(after.rssMiB)} MiB, heap ${fmt(after.used)} used`,
        );
      }
    }
  } finally {
    for (const server of servers) await server.stop();
    await sink.stop();
    await cleanUp(databaseUrl, schema, redisUrl, prefix).catch((error) => log(`clean-up failed: ${String(error)}`));
  }

  const report = summarise(results, baselines, rss, cpuShares, extraTargets, {
    loadBefore,
    loadAfter: os.loadavg(),
    elapsedSeconds: (Date.now() - startedMs) / 1000,
  });
  process.stdout.write(report.text);
  if (audit.export || audit.signIn) process.stdout.write(`audit chain: ${JSON.stringify(audit)}\n`);
  if (webhooks.lag || webhooks.signIn) process.stdout.write(`webhooks: ${JSON.stringify(webhooks)}\n`);
  Object.assign(report.json, { audit, webhooks });
  const file = path.resolve(__dirname, '..', '..', 'bench', 'results.json');
  writeFileSync(file, JSON.stringify(report.json, null, 2) + '\n');
  log(`wrote ${path.relative(process.cwd(), file)}`);
  // Numbers never fail the run; wrong answers do (a scenario that stopped working is a broken bench).
  const broken = results.filter((r) => r.ok === 0 || r.failed > 0);
  if (broken.length) {
    log(`FAIL: wrong answers, errors or timeouts in: ${broken.map((r) => `${r.name} (${r.failed} failed, ${r.ok} ok)`).join('; ')}`);
    process.exitCode = 1;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

/** One figure from several rounds of a scenario. */
/** An organization owned by the session's user, and `count` of its API keys (scope org:read): the secrets. */
async function createApiKeys(url: string, accessToken: string, count: number): Promise<string[]> {
  const call = async (query: string, variables: object) => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ query, variables }),
    });
    const json = (await response.json()) as { data?: any; errors?: unknown[] };
    if (json.errors) throw new Error(`bench setup: ${JSON.stringify(json.errors)}`);
    return json.data;
  };
  const org = (await call('mutation ($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }', { input: { name: 'Bench keys' } }))
    .createOrganization.id as string;
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const data = await call('mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }', {
      input: { organizationId: org, name: `bench ${i}`, scopes: ['org:read'] },
    });
    keys.push(data.createApiKey.secret);
  }
  return keys;
}

function combine(rounds: LoadResult[]): LoadResult {
  const ok = rounds.reduce((a, r) => a + r.ok, 0);
  const durationSeconds = rounds.reduce((a, r) => a + r.durationSeconds, 0);
  const cpu = rounds.every((r) => r.cpuMsPerRequest !== null) ? rounds.reduce((a, r) => a + r.cpuMsPerRequest! * r.ok, 0) / ok : null;
  return {
    name: rounds[0]!.name,
    requestsPerSecond: ok / durationSeconds,
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    ok,
    failed: rounds.reduce((a, r) => a + r.failed, 0),
    durationSeconds,
    rssMiB: rounds.at(-1)!.rssMiB,
    cpuMsPerRequest: cpu,
  };
}

async function cleanUp(databaseUrl: string, schema: string, redisUrl: string, prefix: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = nextCursor;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

const fmt = (n: number | null | undefined, digits = 1) => (n === null || n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits));

function summarise(
  results: LoadResult[],
  baselines: HashBaseline[],
  rss: RssSample[],
  cpuShares: CpuShare[],
  extraTargets: Targets,
  env: { loadBefore: number[]; loadAfter: number[]; elapsedSeconds: number },
) {
  const find = (prefix: string) => results.find((r) => r.name.startsWith(prefix));
  const hello = find('baseline: bare Apollo');
  const viewer = find('viewer { id }');
  const idle = find(`viewer at ${STORM_VIEWER_RATE} req/s, idle`);
  const storm = find(`viewer at ${STORM_VIEWER_RATE} req/s during`);
  const targets: Targets = { ...extraTargets };
  if (hello && viewer) {
    const ratio = viewer.requestsPerSecond / hello.requestsPerSecond;
    targets.viewerThroughput = {
      value: ratio,
      target: '≥ 0.70 × bare { hello }',
      met: ratio >= 0.7,
      detail: `${fmt(viewer.requestsPerSecond, 0)} / ${fmt(hello.requestsPerSecond, 0)} req/s`,
    };
    const p99 = viewer.p99Ms / hello.p99Ms;
    targets.viewerP99 = { value: p99, target: '≤ 1.25 × bare p99', met: p99 <= 1.25, detail: `${viewer.p99Ms} / ${hello.p99Ms} ms` };
  }
  const exchange = find('API key exchange');
  if (hello && exchange) {
    const ratio = exchange.requestsPerSecond / hello.requestsPerSecond;
    targets.apiKeyExchangeThroughput = {
      value: ratio,
      target: '≥ 0.50 × bare { hello }',
      met: ratio >= 0.5,
      detail: `${fmt(exchange.requestsPerSecond, 0)} / ${fmt(hello.requestsPerSecond, 0)} req/s`,
    };
  }
  const profile = find('viewer { id email name organization');
  if (hello && profile) {
    const ratio = profile.requestsPerSecond / hello.requestsPerSecond;
    targets.viewerProfileThroughput = {
      value: ratio,
      target: '≥ 0.70 × bare { hello }',
      met: ratio >= 0.7,
      detail: `${fmt(profile.requestsPerSecond, 0)} / ${fmt(hello.requestsPerSecond, 0)} req/s`,
    };
    const p99 = profile.p99Ms / hello.p99Ms;
    targets.viewerProfileP99 = { value: p99, target: '≤ 1.5 × bare p99', met: p99 <= 1.5, detail: `${profile.p99Ms} / ${hello.p99Ms} ms` };
  }
  const activeOrg = find('viewer { id activeOrganization');
  if (hello && activeOrg) {
    const ratio = activeOrg.requestsPerSecond / hello.requestsPerSecond;
    targets.viewerActiveOrgThroughput = {
      value: ratio,
      target: '≥ 0.60 × bare { hello }',
      met: ratio >= 0.6,
      detail: `${fmt(activeOrg.requestsPerSecond, 0)} / ${fmt(hello.requestsPerSecond, 0)} req/s; p99 ${activeOrg.p99Ms} / ${hello.p99Ms} ms`,
    };
  }
  const membersSmall = find(`members(first: 50), ${SMALL_ORGANIZATION} members`);
  for (const [key, name] of [
    ['membersLargeP99', `members(first: 50), ${LARGE_ORGANIZATION} members`],
    ['membersHalfwayP99', `members(first: 50) after a cursor halfway, ${LARGE_ORGANIZATION} members`],
  ] as const) {
    const large = find(name);
    if (!membersSmall || !large) continue;
    const ratio = large.p99Ms / membersSmall.p99Ms;
    targets[key] = {
      value: ratio,
      target: `p99 ≤ 2 × with ${SMALL_ORGANIZATION} members`,
      met: ratio <= 2,
      detail: `${large.p99Ms} / ${membersSmall.p99Ms} ms; ${fmt(large.requestsPerSecond, 0)} / ${fmt(membersSmall.requestsPerSecond, 0)} req/s`,
    };
  }
  const adminSmall = find(`adminUsers(filter: { query }), ${ADMIN_USERS_SMALL} users`);
  const adminLarge = find(`adminUsers(filter: { query }), ${ADMIN_USERS_LARGE} users`);
  if (adminSmall && adminLarge) {
    const ratio = adminLarge.p99Ms / adminSmall.p99Ms;
    targets.adminUsersLargeP99 = {
      value: ratio,
      target: `p99 ≤ 2 × with ${ADMIN_USERS_SMALL} users`,
      met: ratio <= 2,
      detail: `${adminLarge.p99Ms} / ${adminSmall.p99Ms} ms; ${fmt(adminLarge.requestsPerSecond, 0)} / ${fmt(adminSmall.requestsPerSecond, 0)} req/s`,
    };
  }
  for (const [key, scenario, floorName] of [
    ['refreshVsFloor', 'refreshSession', 'floor: raw pg refresh'],
    ['verifyOtpVsFloor', 'verifyOtp', 'floor: raw pg verifyOtp'],
  ] as const) {
    const measured = find(scenario);
    const floor = find(floorName);
    if (!measured || !floor) continue;
    const ratio = measured.requestsPerSecond / floor.requestsPerSecond;
    targets[key] = {
      value: ratio,
      target: '≥ 0.6 × its raw pg floor',
      met: ratio >= 0.6,
      detail: `${fmt(measured.requestsPerSecond, 0)} / ${fmt(floor.requestsPerSecond, 0)} per s`,
    };
  }
  for (const b of baselines) {
    const login = find(`login (bcrypt cost ${b.cost})`);
    if (!login) continue;
    const ratio = login.requestsPerSecond / b.hashesPerSecond;
    targets[`loginCost${b.cost}`] = {
      value: ratio,
      target: '≥ 0.85 × raw bcryptjs',
      met: ratio >= 0.85,
      detail: `${fmt(login.requestsPerSecond, 2)} logins/s / ${fmt(b.hashesPerSecond, 2)} hashes/s`,
    };
    if (b.cost === 10) {
      targets.loginCost10VsBetterAuth = {
        value: login.requestsPerSecond,
        target: '> 19 logins/s (better-auth: 18.7)',
        met: login.requestsPerSecond > 19,
        detail: `${fmt(login.requestsPerSecond, 2)} logins/s`,
      };
    }
  }
  if (idle && storm) {
    const ratio = storm.p99Ms / idle.p99Ms;
    targets.viewerP99UnderLoginStorm = {
      value: ratio,
      target: '≤ 3 × idle p99',
      met: ratio <= 3 && storm.failed === 0,
      detail: `${storm.p99Ms} / ${idle.p99Ms} ms, ${storm.failed} failed`,
    };
  }
  if (rss.length === 3) {
    // Growth is what a leak looks like; memory handed back after a busy round 1 is not. Read after a full
    // collection (the reading as the round left it moves with where garbage collection happens to be).
    const drift = rss[2]!.rssAfterGcMiB / rss[0]!.rssAfterGcMiB - 1;
    const uncollected = rss[2]!.rssMiB / rss[0]!.rssMiB - 1;
    targets.rssDrift = {
      value: drift,
      target: 'round 3 at most 10 % above round 1, after a full collection',
      met: drift <= 0.1,
      detail: `${rss.map((r) => `${fmt(r.rssAfterGcMiB)}`).join(' → ')} MiB; before the collection ${rss.map((r) => `${fmt(r.rssMiB)}`).join(' → ')} MiB (${fmt(uncollected * 100, 0)} %)`,
    };
  }

  const cpu = os.cpus();
  const machine = {
    cpus: cpu.length,
    availableParallelism: os.availableParallelism(),
    cpuModel: cpu[0]?.model ?? 'unknown',
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverageBefore: env.loadBefore.map((n) => Number(n.toFixed(2))),
    loadAverageAfter: env.loadAfter.map((n) => Number(n.toFixed(2))),
  };
  const lines: string[] = [];
  lines.push('');
  lines.push(
    `Warden bench${smoke ? ' (smoke: numbers mean nothing)' : ''}: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, node ${machine.node}`,
  );
  lines.push(
    `load average before ${machine.loadAverageBefore.join(' ')}, after ${machine.loadAverageAfter.join(' ')}; ${CONNECTIONS} connections over loopback; ${fmt(env.elapsedSeconds, 0)} s`,
  );
  lines.push('');
  const header = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'failed', 'RSS MiB', 'CPU ms/req'];
  const rows = results.map((r) => [
    r.name,
    fmt(r.requestsPerSecond, r.requestsPerSecond < 100 ? 2 : 0),
    String(r.p50Ms),
    String(r.p99Ms),
    String(r.failed),
    fmt(r.rssMiB),
    fmt(r.cpuMsPerRequest, r.cpuMsPerRequest !== null && r.cpuMsPerRequest < 10 ? 3 : 0),
  ]);
  for (const b of baselines)
    rows.push([
      `baseline: raw bcryptjs cost ${b.cost}, ${b.threads} threads`,
      fmt(b.hashesPerSecond, 2),
      '',
      '',
      '',
      '',
      fmt((b.threads * 1000) / b.hashesPerSecond, 0),
    ]);
  for (const r of rss) rows.push([`RSS after mixed ${r.after} (after a full collection)`, '', '', '', '', `${fmt(r.rssMiB)} (${fmt(r.rssAfterGcMiB)})`, '']);
  lines.push(...markdownTable(header, rows));
  lines.push('');
  const shares = combineShares(cpuShares);
  if (shares.some((c) => c.machineBusyMs !== null)) {
    lines.push(`Where the CPU went, ms per right answer (${machine.cpus} cores; "bench" is autocannon, or a floor's raw pg client):`);
    const cpuHeader = ['scenario', 'gateway', 'bench', 'PostgreSQL', 'Redis', 'machine', 'idle cores', 'steal cores'];
    const ms = (n: number | null) => fmt(n, 3);
    lines.push(
      ...markdownTable(
        cpuHeader,
        shares.map((c) => [
          c.name,
          ms(c.serverMs),
          ms(c.benchMs),
          ms(c.postgresMs),
          ms(c.redisMs),
          ms(c.machineBusyMs),
          fmt(c.idleCores, 2),
          fmt(c.stealCores, 2),
        ]),
      ),
    );
    lines.push(...coreBounds(shares, results));
    lines.push('');
  }
  lines.push('Targets (ratios from this run):');
  for (const [name, t] of Object.entries(targets)) {
    lines.push(`  ${t.met ? 'met    ' : 'MISSED '} ${name.padEnd(26)} ${fmt(t.value, name === 'rssDrift' ? 3 : 2).padStart(7)}  (${t.target}; ${t.detail})`);
  }
  lines.push('');
  return {
    text: lines.join('\n') + '\n',
    json: {
      date: new Date().toISOString(),
      smoke,
      machine,
      connections: CONNECTIONS,
      configuredBcryptCost: CONFIGURED_COST,
      results,
      baselines,
      rss,
      cpu: shares,
      targets,
      plans,
    },
  };
}

function markdownTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ') + ' |';
  return [line(header), '|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|', ...rows.map(line)];
}

/** One line per scenario name: the rounds of a scenario, weighted by their answers. */
function combineShares(shares: CpuShare[]): CpuShare[] {
  const byName = new Map<string, CpuShare[]>();
  for (const share of shares) byName.set(share.name, [...(byName.get(share.name) ?? []), share]);
  return [...byName.entries()].map(([name, rounds]) => {
    const answers = rounds.reduce((a, r) => a + r.answers, 0);
    const mean = (pick: (r: CpuShare) => number | null) =>
      answers > 0 && rounds.every((r) => pick(r) !== null) ? rounds.reduce((a, r) => a + pick(r)! * r.answers, 0) / answers : null;
    return {
      name,
      answers,
      serverMs: mean((r) => r.serverMs),
      benchMs: mean((r) => r.benchMs) ?? 0,
      postgresMs: mean((r) => r.postgresMs),
      redisMs: mean((r) => r.redisMs),
      machineBusyMs: mean((r) => r.machineBusyMs),
      idleCores: mean((r) => r.idleCores),
      stealCores: mean((r) => r.stealCores),
    };
  });
}

/**
 * When the cores are the limit (little idle), throughput is cores ÷ machine CPU per answer, for the gateway's
 * scenario and for its floor alike: the ratio of the two machine figures is how far the ratio to the floor
 * can go on this machine, and floor ÷ 0.6 is what the whole path (gateway, PostgreSQL, Redis, autocannon)
 * may spend per answer to reach the target. The gateway's own CPU per answer bounds it too: one event loop
 * runs at most 1000 ÷ that many answers a second, however many cores are idle.
 */
function coreBounds(shares: CpuShare[], results: LoadResult[]): string[] {
  const pairs = [
    ['refreshSession', 'floor: raw pg refresh transaction'],
    ['verifyOtp', 'floor: raw pg verifyOtp transaction'],
  ] as const;
  const lines: string[] = [];
  for (const [scenario, floorName] of pairs) {
    const s = shares.find((c) => c.name === scenario);
    const f = shares.find((c) => c.name === floorName);
    const floorRate = results.find((r) => r.name === floorName)?.requestsPerSecond;
    if (!s?.machineBusyMs || !f?.machineBusyMs || !floorRate) continue;
    lines.push(
      `  ${scenario}: the machine spent ${fmt(s.machineBusyMs, 2)} ms an answer, the floor ${fmt(f.machineBusyMs, 2)} ms a transaction: ` +
        `with the cores the limit, ${fmt(f.machineBusyMs / s.machineBusyMs, 2)} × the floor; 0.6 × needs at most ${fmt(f.machineBusyMs / 0.6, 2)} ms an answer ` +
        `(the gateway alone spent ${fmt(s.serverMs, 2)}, PostgreSQL ${fmt(s.postgresMs, 2)}). ` +
        (s.serverMs
          ? `The gateway's one event loop allows at most ${fmt(1000 / s.serverMs, 0)} answers/s, ${fmt(1000 / s.serverMs / floorRate, 2)} × the floor.`
          : ''),
    );
  }
  return lines;
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
