import type { Logger } from 'pino';
import { WardenError } from '../../errors/warden-error';
import { assertNoOpenTransaction } from '../../db/transaction';
import type { HibpFailureMode } from './hibp-settings';
import type { PwnedRangeClient } from './pwned-range-client';

export type HibpOutcome = 'clean' | 'breached' | 'error';

export interface BreachedPasswordsDeps {
  /** null: HIBP_ENABLED=false, nothing is asked. */
  client: PwnedRangeClient | null;
  failureMode: HibpFailureMode;
  logger: Logger;
  /** Counts each check by outcome (warden_hibp_checks_total). */
  count: (outcome: HibpOutcome) => void;
}

/** Why a range request failed, in words that carry nothing of the password (no prefix, no URL). */
function failureKind(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timeout';
  if (error instanceof Error && error.message.startsWith('range API answered')) return error.message;
  return 'network error';
}

/**
 * Pwned Passwords, the k-anonymity way: a new password whose SHA-1 suffix is in its range is refused as
 * WEAK_PASSWORD `reason: BREACHED`. Called by the password module after its own policy (length, common list),
 * always before a transaction opens. On a failure HIBP_FAILURE_MODE decides: open accepts (a warning, counted),
 * closed answers SERVICE_UNAVAILABLE `dependency: hibp`.
 */
export class BreachedPasswordsService {
  constructor(private readonly deps: BreachedPasswordsDeps) {}

  get enabled(): boolean {
    return this.deps.client !== null;
  }

  async check(password: string, field = 'password'): Promise<void> {
    const client = this.deps.client;
    if (!client) return;
    assertNoOpenTransaction('the Pwned Passwords check');
    let breached: boolean;
    try {
      breached = (await client.isBreached(password)).breached;
    } catch (error) {
      this.deps.count('error');
      const failure = failureKind(error);
      if (this.deps.failureMode === 'closed') {
        this.deps.logger.warn({ dependency: 'hibp', failure, failureMode: 'closed' }, 'Pwned Passwords check failed: password refused for now');
        throw new WardenError('SERVICE_UNAVAILABLE', { extensions: { dependency: 'hibp' } });
      }
      this.deps.logger.warn({ dependency: 'hibp', failure, failureMode: 'open' }, 'Pwned Passwords check failed: password accepted unchecked');
      return;
    }
    this.deps.count(breached ? 'breached' : 'clean');
    if (breached) {
      throw new WardenError('WEAK_PASSWORD', {
        message: 'This password has appeared in a data breach. Choose another.',
        extensions: { field, reason: 'BREACHED' },
      });
    }
  }
}
