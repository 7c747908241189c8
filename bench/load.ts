import autocannon from 'autocannon';

export interface LoadResult {
  name: string;
  /** Completed requests whose answer was right (2xx and the expected data), per second. */
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  /** Wrong answers (GraphQL errors, non-2xx), socket errors and timeouts. */
  failed: number;
  durationSeconds: number;
  /** Resident memory of the server right after the scenario, MiB. */
  rssMiB: number | null;
  /** Server CPU time (all threads) per right answer, ms: throughput on a quiet machine with no load generator beside it. */
  cpuMsPerRequest: number | null;
}

export interface Step {
  /** Builds the JSON body; ctx lives as long as the connection. */
  body(ctx: Record<string, unknown>): string | null;
  /** Reads the answer (e.g. keeps the rotated refresh token). */
  onResponse?(status: number, body: string, ctx: Record<string, unknown>): void;
}

export interface LoadOptions {
  name: string;
  url: string;
  connections: number;
  durationSeconds?: number;
  amount?: number;
  overallRate?: number;
  timeoutSeconds?: number;
  /** The path posted to (default /graphql) and its content type (default application/json). */
  path?: string;
  contentType?: string;
  /** Fixed body (no per-request setup). */
  body?: string;
  step?: Step;
  /** Headers per connection (e.g. a bearer token each). */
  headersFor?(connection: number): Record<string, string>;
  /** True when a response body is a right answer. */
  verify(body: string): boolean;
  /** Ends the run early when this settles. */
  stopWhen?: Promise<unknown>;
}

/**
 * autocannon's context resets when a connection's request list wraps; a list of one step repeated keeps it
 * per connection. autocannon walks the list once per connection at start-up, so keep it short: no scenario
 * makes 2,000 requests on one connection (if one did, its context would simply start over).
 */
const STEPS_PER_CONNECTION = 2000;

/** Drives one scenario over loopback with autocannon and summarises it. */
export async function load(options: LoadOptions): Promise<Omit<LoadResult, 'rssMiB' | 'cpuMsPerRequest'>> {
  let connection = 0;
  const requests = options.step
    ? new Array(STEPS_PER_CONNECTION).fill({
        setupRequest(request: Record<string, unknown>, ctx: Record<string, unknown>) {
          const body = options.step!.body(ctx);
          if (body === null) return null;
          request.body = body;
          return request;
        },
        onResponse: options.step.onResponse
          ? (status: number, body: string, ctx: Record<string, unknown>) => options.step!.onResponse!(status, body, ctx)
          : undefined,
      })
    : undefined;
  const instance = autocannon({
    url: `${options.url}${options.path ?? '/graphql'}`,
    method: 'POST',
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.durationSeconds ?? 5 }),
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    timeout: options.timeoutSeconds ?? 10,
    headers: { 'content-type': options.contentType ?? 'application/json' },
    body: options.body,
    requests,
    setupClient: options.headersFor
      ? (client: autocannon.Client) => {
          client.setHeaders({ 'content-type': options.contentType ?? 'application/json', ...options.headersFor!(connection++) });
        }
      : undefined,
    verifyBody: options.verify,
  } as autocannon.Options);
  // autocannon notices the end of an `amount` run on its next one-second tick: time the run from the
  // first request to the last response instead, or short runs would look up to a second slower.
  const startedMs = Date.now();
  let lastResponseMs = startedMs;
  (instance as unknown as NodeJS.EventEmitter).on('response', () => {
    lastResponseMs = Date.now();
  });
  void options.stopWhen?.finally(() => (instance as unknown as { stop(): void }).stop());
  const result = await (instance as unknown as Promise<autocannon.Result>);
  const durationSeconds = Math.max(0.001, (lastResponseMs - startedMs) / 1000);
  const mismatches = (result as unknown as { mismatches: number }).mismatches ?? 0;
  const total = result.requests.total;
  const failed = mismatches + result.non2xx + result.errors + result.timeouts;
  const ok = Math.max(0, total - mismatches - result.non2xx);
  return {
    name: options.name,
    requestsPerSecond: ok / durationSeconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    ok,
    failed,
    durationSeconds,
  };
}
