import type { EntityManager } from 'typeorm';
import { MagicLinkTokenEntity } from './magic-link-token.entity';

/** Spends every outstanding sign-in link of the user (a change that must void the ways in already sent). */
export async function spendOutstandingLinks(em: EntityManager, userId: string, now: Date): Promise<void> {
  await em
    .createQueryBuilder()
    .update(MagicLinkTokenEntity)
    .set({ consumedAt: now })
    .where('user_id = :userId', { userId })
    .andWhere('consumed_at IS NULL')
    .execute();
}
