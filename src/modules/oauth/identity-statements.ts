import type { EntityManager } from 'typeorm';
import { tableOf } from '../../db/table-of';
import { IdentityEntity } from './identity.entity';

/**
 * The identities table's part of another module's statement: an SQL condition, true when the user whose id is the
 * SQL expression `userId` has a linked provider account (users.retention: such an account proved a way in).
 */
export function identityExistsSql(em: EntityManager, userId: string): string {
  return `EXISTS (SELECT 1 FROM ${tableOf(em, IdentityEntity)} i WHERE i.user_id = ${userId})`;
}
