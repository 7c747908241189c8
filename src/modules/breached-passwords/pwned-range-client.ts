import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** The first 5 and the other 35 upper-case hex characters of SHA-1(UTF-8 password). */
export function sha1Split(password: string): { prefix: string; suffix: string } {
  const hex = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
  return { prefix: hex.slice(0, 5), suffix: hex.slice(5) };
}

/**
 * The suffixes of one range answer (`SUFFIX:COUNT` lines) whose count is above 0. With `Add-Padding: true` the
 * API adds random suffixes with a count of 0 so that every answer has a similar size: those are not breaches.
 */
export function parseRange(body: string): Set<string> {
  const breached = new Set<string>();
  for (const line of body.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const suffix = line.slice(0, colon).trim().toUpperCase();
    const count = Number.parseInt(line.slice(colon + 1).trim(), 10);
    if (/^[0-9A-F]{35}$/.test(suffix) && Number.isFinite(count) && count > 0) breached.add(suffix);
  }
  return breached;
}

export interface PwnedRangeClientOptions {
  /** HIBP_API_URL: the origin the range API is served from (no trailing slash needed). */
  apiUrl: string;
  /** HIBP_TIMEOUT_MS: the whole request, connect to last byte. */
  timeoutMs: number;
  /** Prefixes kept in memory (each a public answer of ~800 suffixes). */
  maxEntries?: number;
  /** How long a cached range is trusted (the contract allows up to 24 h). */
  ttlMs?: number;
  fetch?: typeof fetch;
}

/**
 * The k-anonymity range API of Pwned Passwords: only the 5-hex prefix leaves the machine. Answers are cached by
 * prefix: what is kept is the API's public answer, the same whoever asked, never a password, a suffix asked for
 * or who asked. Throws on a timeout, a network error or a non-2xx answer (the caller's failure mode decides).
 */
export class PwnedRangeClient {
  private readonly cache: LRUCache<string, Set<string>>;
  private readonly fetchImpl: typeof fetch;
  private readonly base: string;

  constructor(private readonly options: PwnedRangeClientOptions) {
    this.cache = new LRUCache({ max: options.maxEntries ?? 2000, ttl: options.ttlMs ?? 6 * 3600_000 });
    this.fetchImpl = options.fetch ?? fetch;
    this.base = options.apiUrl.replace(/\/+$/, '');
  }

  /** True when the password's SHA-1 suffix is listed with a count above 0. `fromCache` says whether a request was made. */
  async isBreached(password: string): Promise<{ breached: boolean; fromCache: boolean }> {
    const { prefix, suffix } = sha1Split(password);
    const cached = this.cache.get(prefix);
    if (cached) return { breached: cached.has(suffix), fromCache: true };
    const range = await this.fetchRange(prefix);
    this.cache.set(prefix, range);
    return { breached: range.has(suffix), fromCache: false };
  }

  private async fetchRange(prefix: string): Promise<Set<string>> {
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    const response = await this.fetchImpl(`${this.base}/range/${prefix}`, {
      method: 'GET',
      headers: { 'Add-Padding': 'true', Accept: 'text/plain' },
      signal,
      redirect: 'error',
    });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new Error(`range API answered ${response.status}`);
    }
    // The body read is under the same signal: a server that sends headers and then stalls still times out.
    return parseRange(await response.text());
  }
}
