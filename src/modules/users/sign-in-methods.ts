import type { EntityManager } from 'typeorm';
import { tableOf } from '../../db/table-of';

/**
 * The ways into an account, counted across capabilities, so that removing one (a password, a linked provider
 * identity, a passkey) can refuse to remove the last (LAST_SIGN_IN_METHOD). Each capability gives one source
 * per kind from its build (the signInMethods hook); nothing here knows about passwords, identities or passkeys.
 */
export interface SignInMethodSource {
  /** e.g. 'password', 'email', 'phone', 'identity', 'passkey'. */
  readonly kind: string;
  /** How many ways in of this kind the user has (0 when none). Runs inside the caller's transaction. */
  count(em: EntityManager, userId: string): Promise<number>;
}

export class SignInMethods {
  /** `sources`: every module's signInMethods hooks (one per kind), read at each count. */
  constructor(private readonly sources: () => readonly SignInMethodSource[]) {}

  /** Every kind with its count, for the caller to subtract the one it is about to remove. */
  async countByKind(em: EntityManager, userId: string): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const source of this.sources()) counts[source.kind] = await source.count(em, userId);
    return counts;
  }

  /** The total number of ways in, minus `removing` of the given kind: what would be left after the removal. */
  async remainingAfter(em: EntityManager, userId: string, removing: { kind: string; count?: number }): Promise<number> {
    const counts = await this.countByKind(em, userId);
    const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
    return total - Math.min(removing.count ?? 1, counts[removing.kind] ?? 0);
  }
}

/**
 * The sources the core owns: a password, and a verified email or phone (passwordless codes and magic links reach
 * them, so each is a way in). Provider identities and passkeys give theirs from their own modules' builds.
 */
export function coreSignInMethodSources(): SignInMethodSource[] {
  return [
    {
      kind: 'password',
      count: async (em, userId) =>
        Number((await em.query(`SELECT count(*)::int AS n FROM ${tableOf(em, 'password_credentials')} WHERE user_id = $1`, [userId]))[0]?.n ?? 0),
    },
    {
      kind: 'email',
      count: async (em, userId) =>
        Number(
          (await em.query(`SELECT count(*)::int AS n FROM ${tableOf(em, 'users')} WHERE id = $1 AND email IS NOT NULL AND email_verified`, [userId]))[0]?.n ??
            0,
        ),
    },
    {
      kind: 'phone',
      count: async (em, userId) =>
        Number(
          (await em.query(`SELECT count(*)::int AS n FROM ${tableOf(em, 'users')} WHERE id = $1 AND phone IS NOT NULL AND phone_verified`, [userId]))[0]?.n ??
            0,
        ),
    },
  ];
}
