/**
 * The webhooks bench rows (issue #27): events written into the outbox at a steady rate and delivered by the gateway to
 * a receiver in this process, with the outbox-to-delivery lag (arrival − the event's occurredAt) per event; and
 * the outbox's cost on a sign-in (verifyOtp, which writes `session.created`) with a global endpoint receiving
 * every event vs the endpoint disabled (no delivery queued), in alternating rounds.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { ulid } from '../src/modules/events/ulid';
import { gql } from './seed';

export interface LagReceiver {
  url: string;
  /** Deliveries received, by webhook-id (a second one counts as a duplicate). */
  received: Map<string, { lagMs: number }>;
  duplicates: number;
  close(): Promise<void>;
}

/** Answers 204 at once and records each delivery's lag: arrival − its body's `timestamp` (the event's occurredAt). */
export async function startLagReceiver(): Promise<LagReceiver> {
  const received = new Map<string, { lagMs: number }>();
  const state = { duplicates: 0 };
  const server: HttpServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const arrivedMs = Date.now();
      res.writeHead(204).end();
      try {
        const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; timestamp: string };
        if (received.has(event.id)) state.duplicates++;
        else received.set(event.id, { lagMs: arrivedMs - Date.parse(event.timestamp) });
      } catch {
        // not an event: ignored
      }
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    get duplicates() {
      return state.duplicates;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A fresh access token for the admin `email` (ADMIN_EMAILS), on an aal2 session that authenticated just now: global
 * endpoints are admins' on aal2, and createWebhookEndpoint needs recent authentication; in a full run this scenario
 * comes long after the seeded sign-in (REAUTH_MAX_AGE_SECONDS, ACCESS_TOKEN_TTL_SECONDS).
 */
export async function freshAdminToken(databaseUrl: string, schema: string, gatewayUrl: string, email: string, refreshToken: string): Promise<string> {
  const db = new Client({ connectionString: databaseUrl, options: `-c search_path=${schema},public` });
  await db.connect();
  try {
    await db.query(`UPDATE sessions SET aal = 'aal2', last_authenticated_at = now() WHERE user_id = (SELECT id FROM users WHERE email = $1)`, [email]);
  } finally {
    await db.end();
  }
  const data = await gql<{ refreshSession: { accessToken: string } }>(
    gatewayUrl,
    'mutation ($t: String) { refreshSession(refreshToken: $t) { accessToken } }',
    { t: refreshToken },
  );
  return data.refreshSession.accessToken;
}

/** A global endpoint (the bearer must be an admin on an aal2 session, recently authenticated). */
export async function createGlobalEndpoint(gatewayUrl: string, accessToken: string, url: string): Promise<string> {
  const data = await gql<{ createWebhookEndpoint: { endpoint: { id: string } } }>(
    gatewayUrl,
    'mutation ($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } secret } }',
    { input: { url } },
    accessToken,
  );
  return data.createWebhookEndpoint.endpoint.id;
}

export async function setEndpointEnabled(gatewayUrl: string, accessToken: string, id: string, enabled: boolean): Promise<void> {
  await gql(
    gatewayUrl,
    'mutation ($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { id enabled } }',
    { input: { id, enabled } },
    accessToken,
  );
}

export interface LagFigures {
  events: number;
  ratePerSecond: number;
  seconds: number;
  delivered: number;
  duplicates: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** From the last event written to the last delivered. */
  drainSeconds: number;
  /** Median lag of the first and of the last fifth of the events written: equal when delivery keeps up. */
  firstFifthP50Ms: number;
  lastFifthP50Ms: number;
}

/**
 * Writes `ratePerSecond` events a second for `seconds` straight into the outbox (as a module's transaction would:
 * unstamped rows, occurredAt now, on 50 aggregates), waits until the receiver has every one, and summarises the lag.
 */
export async function measureLag(
  databaseUrl: string,
  schema: string,
  receiver: LagReceiver,
  ratePerSecond: number,
  seconds: number,
  log: (line: string) => void,
): Promise<LagFigures> {
  const db = new Client({ connectionString: databaseUrl, options: `-c search_path=${schema},public` });
  await db.connect();
  const ids: string[] = [];
  const aggregates = Array.from({ length: 50 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
  const tickMs = 50;
  try {
    const started = Date.now();
    let written = 0;
    while (Date.now() - started < seconds * 1000) {
      const due = Math.floor(((Date.now() - started) / 1000) * ratePerSecond) - written;
      const batch: string[] = [];
      for (let i = 0; i < due; i++) batch.push(`evt_${ulid(Date.now())}`);
      if (batch.length) {
        const now = new Date();
        await db.query(
          `INSERT INTO events (id, type, aggregate_type, aggregate_id, organization_id, data, occurred_at, available_at)
           SELECT id, 'user.updated', 'user', a.aggregate_id, NULL,
                  jsonb_build_object('user', jsonb_build_object('id', a.aggregate_id), 'changed', jsonb_build_array('name')), $3::timestamptz, $3::timestamptz
             FROM unnest($1::text[]) WITH ORDINALITY AS t(id, ord)
             CROSS JOIN LATERAL (SELECT ($2::text[])[1 + (t.ord::int % 50)] AS aggregate_id) a`,
          [batch, aggregates, now],
        );
        ids.push(...batch);
        written += batch.length;
      }
      await new Promise((r) => setTimeout(r, tickMs));
    }
    const lastWritten = Date.now();
    log(`  wrote ${ids.length} events in ${((lastWritten - started) / 1000).toFixed(1)} s; waiting for their deliveries`);
    const deadline = Date.now() + 120_000;
    while (ids.some((id) => !receiver.received.has(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const lags = ids
      .map((id) => receiver.received.get(id)?.lagMs)
      .filter((v): v is number => v !== undefined)
      .sort((a, b) => a - b);
    const pick = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? NaN;
    const medianOf = (part: string[]) => {
      const values = part.map((id) => receiver.received.get(id)?.lagMs ?? NaN).sort((a, b) => a - b);
      return values[Math.floor(values.length / 2)] ?? NaN;
    };
    const fifth = Math.max(1, Math.floor(ids.length / 5));
    return {
      events: ids.length,
      ratePerSecond: ids.length / ((lastWritten - started) / 1000),
      seconds: (lastWritten - started) / 1000,
      delivered: lags.length,
      duplicates: receiver.duplicates,
      p50Ms: pick(0.5),
      p99Ms: pick(0.99),
      maxMs: lags.at(-1) ?? NaN,
      drainSeconds: (Date.now() - lastWritten) / 1000,
      firstFifthP50Ms: medianOf(ids.slice(0, fifth)),
      lastFifthP50Ms: medianOf(ids.slice(-fifth)),
    };
  } finally {
    await db.end();
  }
}

/** Until no delivery is PENDING (between the sign-in rounds, so a round does not inherit the last one's sends). */
export async function waitDeliveriesSettled(databaseUrl: string, schema: string): Promise<void> {
  const db = new Client({ connectionString: databaseUrl, options: `-c search_path=${schema},public` });
  await db.connect();
  try {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const { rows } = await db.query(
        `SELECT (SELECT count(*) FROM events WHERE position IS NULL)::int + (SELECT count(*) FROM webhook_deliveries WHERE status = 'PENDING')::int AS n`,
      );
      if (rows[0].n === 0) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await db.end();
  }
}
