import type { EntityManager } from 'typeorm';
import { PasswordResetTokenEntity } from './password-reset-token.entity';

/** Spends every outstanding reset link and code of the user. */
export async function spendOutstandingResets(em: EntityManager, userId: string, now: Date): Promise<void> {
  await em
    .createQueryBuilder()
    .update(PasswordResetTokenEntity)
    .set({ consumedAt: now })
    .where('user_id = :userId', { userId })
    .andWhere('consumed_at IS NULL')
    .execute();
}
