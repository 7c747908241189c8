// The framework-free core of @warden/client: the access token in memory only, refresh through the
// warden_refresh cookie (refreshSession with no argument, credentials: 'include'), one refresh in flight at a
// time, and the contract's rule that a refresh answer overtaken by a sign-in or sign-out is dropped.

/** The part of fetch the client uses (the browser's fetch, Node's, or a wrapper that carries cookies in tests). */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; credentials?: 'include' | 'same-origin' | 'omit' },
) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

/** A GraphQL error as it arrives on the wire. */
export interface WardenGraphQLError {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: Record<string, unknown>;
}

/** What setSession takes: an AuthPayload (verifyOtp, verifyMagicLink, completeOAuth, refreshSession…). */
export interface WardenSessionPayload {
  accessToken: string;
  accessTokenExpiresAt?: string | Date | null;
  user?: unknown;
}

interface ChallengeEventBase {
  /** The operation that was answered with the error, when known. */
  operationName?: string;
  /** The error's extensions as the server sent them. */
  extensions: Record<string, unknown>;
  error: WardenGraphQLError;
}

/** The first factor passed and a second one is needed: finish with verifyOtp or verifyRecoveryCode on challengeId. */
export interface MfaRequiredEvent extends ChallengeEventBase {
  type: 'MFA_REQUIRED';
  challengeId: string;
}
/** A "recent authentication" mutation on a session authenticated too long ago: requestReauthentication, then retry. */
export interface ReauthenticationRequiredEvent extends ChallengeEventBase {
  type: 'REAUTHENTICATION_REQUIRED';
  maxAgeSeconds: number | null;
}
/** Solve the CAPTCHA and send the operation again with captchaToken. */
export interface CaptchaRequiredEvent extends ChallengeEventBase {
  type: 'CAPTCHA_REQUIRED';
  provider: string | null;
  reason: 'THRESHOLD' | 'INVALID' | string | null;
  siteKey: string | null;
  /** altcha: the challenge object. */
  challenge: unknown;
}
export interface SignedInEvent {
  type: 'SIGNED_IN';
  /** setSession (a sign-in, or a token the app set) or refresh. */
  source: 'setSession' | 'refresh';
  accessTokenExpiresAt: Date | null;
  user: unknown;
}
export interface SignedOutEvent {
  type: 'SIGNED_OUT';
  /** signOut(); clearSession(); or a refresh that the server refused (INVALID_TOKEN or UNAUTHENTICATED: no cookie, revoked, expired). */
  reason: 'signOut' | 'cleared' | 'refreshFailed';
}
export type WardenChallengeEvent = MfaRequiredEvent | ReauthenticationRequiredEvent | CaptchaRequiredEvent;
export type WardenEvent = WardenChallengeEvent | SignedInEvent | SignedOutEvent;
export type WardenListener = (event: WardenEvent) => void;

export interface WardenAuthOptions {
  /** Warden's GraphQL endpoint, e.g. https://auth.example.com/graphql (the cookie's Path is /graphql). */
  url: string;
  /** Default: the global fetch. */
  fetch?: FetchLike;
  /** Default 'include': the cookie goes to Warden on another origin too (list the app in CORS_ORIGINS). */
  credentials?: 'include' | 'same-origin';
  /** Extra headers for the client's own requests (refreshSession, logout). */
  headers?: Record<string, string>;
  /** Refresh this many seconds before the access token expires; 0 turns the timer off. Default 60. */
  refreshEarlySeconds?: number;
  /** The AuthPayload selection of refreshSession. Default: accessToken accessTokenExpiresAt user { id }. */
  refreshSelection?: string;
  /**
   * After a refresh that failed without a refusal (network error, 5xx, RATE_LIMITED…), the first retry waits this
   * long; each next one twice as long, up to refreshRetryMaxMs. Default 1000.
   */
  refreshRetryBaseMs?: number;
  /** The longest wait between refresh retries. Default 60000. */
  refreshRetryMaxMs?: number;
}

/** The server refused the refresh (no cookie, revoked, expired): these codes sign the client out. */
const REFRESH_REFUSED_CODES = new Set(['INVALID_TOKEN', 'UNAUTHENTICATED']);

/**
 * A refresh that failed without the server refusing it (network error, HTTP 5xx, an answer that is not JSON,
 * SERVICE_UNAVAILABLE, RATE_LIMITED…): the session is kept, the refresh is retried later, and refresh() rejects
 * with this error so the operation that waited for it gets it.
 */
export class WardenRefreshError extends Error {
  override readonly name = 'WardenRefreshError';
  constructor(
    message: string,
    /** The HTTP status, when an answer arrived. */
    readonly status: number | null,
    /** The GraphQL error code, when the answer had one. */
    readonly code: string | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What to do after an operation answered with errors. */
export type ErrorDecision =
  { action: 'retry'; reason: 'UNAUTHENTICATED' | 'CLAIMS_CHANGED' } | { action: 'event'; event: WardenChallengeEvent } | { action: 'none' };

const DEFAULT_SELECTION = 'accessToken accessTokenExpiresAt user { id }';

/** Reads the code of an error: CLAIMS_CHANGED is UNAUTHENTICATED with extensions.reason CLAIMS_CHANGED. */
export function wardenErrorCode(error: WardenGraphQLError): string | null {
  const ext = error.extensions ?? {};
  if (ext.code === 'CLAIMS_CHANGED' || (ext.code === 'UNAUTHENTICATED' && ext.reason === 'CLAIMS_CHANGED')) return 'CLAIMS_CHANGED';
  return typeof ext.code === 'string' ? ext.code : null;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Turns an error into one of the typed events, or null when it is not one of them. */
export function challengeEventFor(error: WardenGraphQLError, operationName?: string): WardenChallengeEvent | null {
  const extensions = error.extensions ?? {};
  const base = { operationName, extensions, error };
  switch (wardenErrorCode(error)) {
    case 'MFA_REQUIRED':
      return { type: 'MFA_REQUIRED', challengeId: String(extensions.challengeId ?? ''), ...base };
    case 'REAUTHENTICATION_REQUIRED':
      return { type: 'REAUTHENTICATION_REQUIRED', maxAgeSeconds: typeof extensions.maxAgeSeconds === 'number' ? extensions.maxAgeSeconds : null, ...base };
    case 'CAPTCHA_REQUIRED':
      return {
        type: 'CAPTCHA_REQUIRED',
        provider: str(extensions.provider),
        reason: str(extensions.reason),
        siteKey: str(extensions.siteKey),
        challenge: extensions.challenge ?? null,
        ...base,
      };
    default:
      return null;
  }
}

/**
 * Holds one browser's Warden session. Framework-free: createWardenLink (Apollo) and wardenExchange (urql)
 * are thin layers over it, and an app may call it directly.
 */
export class WardenAuth {
  private accessToken: string | null = null;
  private expiresAt: Date | null = null;
  /** Bumped by every sign-in, sign-out and token set: a refresh started under an older generation is dropped. */
  private generation = 0;
  private inFlight: Promise<string | null> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Refresh retries in a row after failures that were not refusals (reset by any success or session change). */
  private failedRefreshes = 0;
  private readonly listeners = new Set<WardenListener>();
  private readonly fetchImpl: FetchLike;

  constructor(private readonly options: WardenAuthOptions) {
    const f = options.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
    if (!f) throw new Error('@warden/client: no fetch available; pass options.fetch');
    // A browser's window.fetch must be called on the global object ("Illegal invocation" on the client).
    this.fetchImpl = options.fetch ?? f.bind(globalThis);
  }

  get url(): string {
    return this.options.url;
  }

  /** The access token in memory, or null. Never written to storage. */
  getAccessToken(): string | null {
    return this.accessToken;
  }

  getAccessTokenExpiresAt(): Date | null {
    return this.expiresAt;
  }

  /** Listens to SIGNED_IN, SIGNED_OUT, MFA_REQUIRED, REAUTHENTICATION_REQUIRED and CAPTCHA_REQUIRED. Returns the unsubscribe. */
  subscribe(listener: WardenListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: WardenEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // a listener's failure is its own; the others still hear the event
      }
    }
  }

  /** A sign-in (any AuthPayload) or a token the app sets. Wins over a refresh in flight. */
  setSession(payload: WardenSessionPayload): void {
    this.generation += 1;
    this.inFlight = null;
    this.failedRefreshes = 0;
    this.apply(payload);
    this.emit({ type: 'SIGNED_IN', source: 'setSession', accessTokenExpiresAt: this.expiresAt, user: payload.user ?? null });
  }

  /** Forgets the token locally (no request). Wins over a refresh in flight. */
  clearSession(reason: SignedOutEvent['reason'] = 'cleared'): void {
    this.generation += 1;
    this.inFlight = null;
    this.failedRefreshes = 0;
    this.accessToken = null;
    this.expiresAt = null;
    this.cancelTimer();
    this.emit({ type: 'SIGNED_OUT', reason });
  }

  /**
   * Signs out: forgets the token at once (so a refresh in flight is dropped), then sends logout (or logoutAll)
   * with the old token and the cookie, which ends the session and clears the cookie. Resolves whether the
   * server confirmed it.
   */
  async signOut(options: { everywhere?: boolean } = {}): Promise<boolean> {
    const token = this.accessToken;
    this.clearSession('signOut');
    const field = options.everywhere ? 'logoutAll' : 'logout';
    try {
      const body = await this.post('WardenSignOut', `mutation WardenSignOut { ${field} }`, token);
      return !body.errors?.length;
    } catch {
      return false;
    }
  }

  /**
   * Asks for a new access token with the cookie. Concurrent callers share the refresh in flight. Resolves the
   * token to use now: the refreshed one; or, when a sign-in, sign-out or token set overtook the refresh, the
   * current one (the late answer is dropped); or null when the server refused (INVALID_TOKEN or UNAUTHENTICATED:
   * then the client is signed out). Any other failure (network, 5xx, not JSON, RATE_LIMITED…) rejects with a
   * WardenRefreshError: the token is kept, nothing is emitted, and the refresh is retried with a bounded backoff.
   */
  refresh(): Promise<string | null> {
    if (this.inFlight) return this.inFlight;
    const startedIn = this.generation;
    const p = this.runRefresh(startedIn).finally(() => {
      if (this.inFlight === p) this.inFlight = null;
    });
    this.inFlight = p;
    return p;
  }

  /**
   * The token to retry an operation with after it failed with `failedWith`: when a newer token already exists
   * (another operation's refresh, a sign-in), that one without another request; else the shared refresh.
   */
  async tokenAfterFailure(failedWith: string | null): Promise<string | null> {
    if (this.accessToken && this.accessToken !== failedWith && !this.inFlight) return this.accessToken;
    return this.refresh();
  }

  /** Classifies an operation's errors: retry once after a refresh, surface a typed event, or pass through. */
  decide(errors: ReadonlyArray<WardenGraphQLError> | undefined, operationName?: string): ErrorDecision {
    for (const error of errors ?? []) {
      const code = wardenErrorCode(error);
      if (code === 'CLAIMS_CHANGED' || code === 'UNAUTHENTICATED') return { action: 'retry', reason: code };
    }
    for (const error of errors ?? []) {
      const event = challengeEventFor(error, operationName);
      if (event) return { action: 'event', event };
    }
    return { action: 'none' };
  }

  /** Keeps the token of any AuthPayload in a mutation's answer, and forgets it after logout or logoutAll. */
  observeMutationResult(data: unknown): void {
    if (!data || typeof data !== 'object') return;
    for (const [field, value] of Object.entries(data as Record<string, unknown>)) {
      if ((field === 'logout' && value === true) || (field === 'logoutAll' && typeof value === 'number')) {
        this.clearSession('signOut');
      } else if (field !== 'startImpersonation' && isAuthPayload(value) && value.accessToken !== this.accessToken) {
        this.setSession(value);
      }
    }
  }

  /** Stops the refresh timer (tests, or an app being torn down). */
  dispose(): void {
    this.cancelTimer();
    this.listeners.clear();
  }

  private async runRefresh(startedIn: number): Promise<string | null> {
    let outcome: { kind: 'ok'; payload: WardenSessionPayload } | { kind: 'refused' } | { kind: 'failed'; error: WardenRefreshError };
    try {
      const selection = this.options.refreshSelection ?? DEFAULT_SELECTION;
      const res = await this.send('WardenRefreshSession', `mutation WardenRefreshSession { refreshSession { ${selection} } }`, null);
      const body = await res.json().then(
        (json) => (json && typeof json === 'object' ? (json as { data?: unknown; errors?: WardenGraphQLError[] }) : null),
        () => null,
      );
      if (!body) outcome = { kind: 'failed', error: new WardenRefreshError(`refreshSession: HTTP ${res.status}, not a JSON object`, res.status, null) };
      else {
        const codes = (body.errors ?? []).map((e) => e?.extensions?.code).filter((c): c is string => typeof c === 'string');
        const answer = (body.data as { refreshSession?: unknown } | null | undefined)?.refreshSession;
        if (codes.some((c) => REFRESH_REFUSED_CODES.has(c))) outcome = { kind: 'refused' };
        else if (res.ok && isAuthPayload(answer)) outcome = { kind: 'ok', payload: answer };
        else
          outcome = {
            kind: 'failed',
            error: new WardenRefreshError(`refreshSession failed: HTTP ${res.status}${codes[0] ? `, ${codes[0]}` : ''}`, res.status, codes[0] ?? null),
          };
      }
    } catch (cause) {
      outcome = { kind: 'failed', error: new WardenRefreshError('refreshSession: the request failed', null, null, { cause }) };
    }
    // A sign-in, sign-out or token set happened while this refresh was in flight: it wins, the answer is dropped.
    if (this.generation !== startedIn) return this.accessToken;
    outcome = outcome!;
    if (outcome.kind === 'refused') {
      this.clearSession('refreshFailed');
      return null;
    }
    if (outcome.kind === 'failed') {
      this.scheduleRetry();
      throw outcome.error;
    }
    const payload = outcome.payload;
    this.failedRefreshes = 0;
    this.generation += 1;
    this.apply(payload);
    this.emit({ type: 'SIGNED_IN', source: 'refresh', accessTokenExpiresAt: this.expiresAt, user: payload.user ?? null });
    return this.accessToken;
  }

  private apply(payload: WardenSessionPayload): void {
    this.accessToken = payload.accessToken;
    this.expiresAt = payload.accessTokenExpiresAt ? new Date(payload.accessTokenExpiresAt) : null;
    this.schedule();
  }

  private schedule(): void {
    this.cancelTimer();
    const early = (this.options.refreshEarlySeconds ?? 60) * 1000;
    if (!early || !this.expiresAt || Number.isNaN(this.expiresAt.getTime())) return;
    const inMs = Math.max(this.expiresAt.getTime() - Date.now() - early, 5_000);
    const timer = setTimeout(() => {
      this.timer = null;
      this.refresh().catch(() => undefined); // a failure that is not a refusal schedules its own retry
    }, inMs);
    (timer as { unref?: () => void }).unref?.(); // never keeps a Node process alive
    this.timer = timer;
  }

  /** After a failure that was not a refusal: try again in base·2^n ms, never more than the maximum. */
  private scheduleRetry(): void {
    this.cancelTimer();
    const base = this.options.refreshRetryBaseMs ?? 1_000;
    const max = this.options.refreshRetryMaxMs ?? 60_000;
    const inMs = Math.min(base * 2 ** Math.min(this.failedRefreshes, 30), max);
    this.failedRefreshes += 1;
    const timer = setTimeout(() => {
      this.timer = null;
      this.refresh().catch(() => undefined); // a further failure schedules its own retry
    }, inMs);
    (timer as { unref?: () => void }).unref?.();
    this.timer = timer;
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async post(operationName: string, query: string, token: string | null): Promise<{ data?: unknown; errors?: WardenGraphQLError[] }> {
    const res = await this.send(operationName, query, token);
    return (await res.json()) as { data?: unknown; errors?: WardenGraphQLError[] };
  }

  private send(operationName: string, query: string, token: string | null): ReturnType<FetchLike> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...this.options.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    return this.fetchImpl(this.options.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ operationName, query }),
      credentials: this.options.credentials ?? 'include',
    });
  }
}

function isAuthPayload(value: unknown): value is WardenSessionPayload & { __typename?: string } {
  if (!value || typeof value !== 'object') return false;
  const v = value as { accessToken?: unknown; refreshToken?: unknown; __typename?: unknown };
  if (typeof v.accessToken !== 'string') return false;
  // ImpersonationPayload also carries an accessToken: only an AuthPayload is a sign-in of this browser.
  return v.__typename === undefined ? true : v.__typename === 'AuthPayload';
}

export function createWardenAuth(options: WardenAuthOptions): WardenAuth {
  return new WardenAuth(options);
}
