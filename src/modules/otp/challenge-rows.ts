import type { EntityManager } from 'typeorm';
import { tableOf } from '../../db/table-of';
import { OtpChallengeEntity, type OtpPurposeValue } from './otp-challenge.entity';

/** The challenge row as purpose handlers receive it (other modules name this type, never the entity file). */
export type OtpChallenge = OtpChallengeEntity;

/**
 * Spends the user's outstanding codes (consumed_at set): all of them, or only those sent to `destination` (an
 * address the account no longer has), only those of `purpose`, all but `exceptId` (a reset mail replaces the
 * older reset codes).
 */
export async function spendOutstandingCodes(
  em: EntityManager,
  userId: string,
  now: Date,
  only: { destination?: string; purpose?: OtpPurposeValue; exceptId?: string } = {},
): Promise<void> {
  const qb = em.createQueryBuilder().update(OtpChallengeEntity).set({ consumedAt: now }).where('user_id = :userId', { userId });
  if (only.destination !== undefined) qb.andWhere('destination = :destination', { destination: only.destination });
  if (only.purpose !== undefined) qb.andWhere('purpose = :purpose', { purpose: only.purpose });
  if (only.exceptId !== undefined) qb.andWhere('id <> :exceptId', { exceptId: only.exceptId });
  await qb.andWhere('consumed_at IS NULL').execute();
}

/** Spends the challenges opened for these sessions of the user (re-authentication), and the challenges `ids`. */
export async function spendSessionChallenges(
  em: EntityManager,
  userId: string,
  sessionIds: readonly string[],
  ids: readonly string[],
  now: Date,
): Promise<void> {
  await em.query(
    `UPDATE ${tableOf(em, OtpChallengeEntity)} SET consumed_at = $3
     WHERE consumed_at IS NULL AND ((user_id = $1 AND session_id = ANY($2::uuid[])) OR id = ANY($4::uuid[]))`,
    [userId, [...sessionIds], now, [...ids]],
  );
}

/** Ties a challenge to the session that asked for it (a revocation of that session spends it). */
export async function setChallengeSession(em: EntityManager, challengeId: string, sessionId: string): Promise<void> {
  await em.update(OtpChallengeEntity, { id: challengeId }, { sessionId });
}
