import type { DataSource, EntityManager } from 'typeorm';
import { tableOf } from '../../db/table-of';
import { WardenError } from '../../errors/warden-error';
import type { SignInGate, SignInGateSql } from '../sessions/session-types';
import { UserBanEntity } from './user-ban.entity';

/** FORBIDDEN ACCOUNT_BANNED with extensions.until (null: no end), as every sign-in path answers a banned user. */
export function bannedError(until: Date | null): WardenError {
  return new WardenError('FORBIDDEN', {
    message: 'This account is suspended.',
    extensions: { reason: 'ACCOUNT_BANNED', until: until ? until.toISOString() : null },
  });
}

/** The user's ban in force at `now`, or null (an expired one is not in force). */
export async function banInForce(em: EntityManager, userId: string, now: Date): Promise<UserBanEntity | null> {
  const ban = await em.findOne(UserBanEntity, { where: { userId } });
  return ban && (ban.bannedUntil === null || ban.bannedUntil.getTime() > now.getTime()) ? ban : null;
}

/**
 * The ban as a sign-in gate (the signInGates hook): asked where every session is created, after the first factor
 * passed, so every path (password, codes, links, reset, passkeys, providers) answers ACCOUNT_BANNED. The admin
 * module comes right after sessions in the module list, so this gate is asked before the second-factor gate: a
 * banned user is told so after the first factor, not asked for a second one.
 * In SQL (the one-statement sign-in): allowed only when the user has no ban row at all; any row (even one that
 * ended) takes the general path, which decides with the application's clock.
 */
export class BanGate implements SignInGate {
  private table: string | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly now: () => Date,
  ) {}

  async check(em: EntityManager, request: Parameters<SignInGate['check']>[1]): ReturnType<SignInGate['check']> {
    const ban = await banInForce(em, request.user.id, this.now());
    return ban ? { allow: false, error: bannedError(ban.bannedUntil) } : { allow: true };
  }

  sqlAllows(): SignInGateSql {
    const table = (this.table ??= tableOf(this.dataSource, UserBanEntity));
    return { key: 'noban', predicate: (userId) => `NOT EXISTS (SELECT 1 FROM ${table} WHERE user_id = ${userId})` };
  }
}
