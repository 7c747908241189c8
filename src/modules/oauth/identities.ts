import type { EntityManager } from 'typeorm';
import { WardenError } from '../../errors/warden-error';
import { withTransaction } from '../../db/transaction';
import type { RequestMeta } from '../request-meta';
import { AuditEvents } from '../audit/audit-events';
import { lockUser, type UserEntity } from '../users';
import { hasPassword } from '../password';
import { IdentityEntity } from './identity.entity';
import type { OAuthContext } from './oauth-context';

/** Linked provider accounts: unlinkIdentity and the viewer's fields (identities, hasPassword). */
export class Identities {
  constructor(private readonly context: OAuthContext) {}

  private get deps() {
    return this.context.deps;
  }

  /** unlinkIdentity (recent authentication): refuses the last way to sign in (a verified email, a password, another identity… count). */
  async unlink(userId: string, identityId: string, meta: RequestMeta): Promise<UserEntity> {
    const { user, identity } = await withTransaction(this.deps.dataSource, async (em) => {
      const user = await lockUser(em, userId);
      if (!user) throw new WardenError('UNAUTHENTICATED');
      const identity = /^[0-9a-f-]{36}$/i.test(identityId) ? await em.findOne(IdentityEntity, { where: { id: identityId, userId } }) : null;
      if (!identity) throw WardenError.badInput('No such linked identity.', 'id');
      const remaining = await this.deps.signInMethods.remainingAfter(em, userId, { kind: 'identity' });
      if (remaining < 1) throw new WardenError('LAST_SIGN_IN_METHOD');
      await em.delete(IdentityEntity, { id: identity.id });
      await this.deps.audit.record(em, { event: AuditEvents.identityUnlinked, userId, meta, data: { provider: identity.provider, identityId: identity.id } });
      return { user, identity };
    });
    await this.context.notify(userId, 'unlinked', identity.provider, identity.email, meta);
    return user;
  }

  identitiesOf(userId: string): Promise<IdentityEntity[]> {
    return this.deps.dataSource.manager.find(IdentityEntity, { where: { userId }, order: { createdAt: 'ASC' } });
  }

  async hasPassword(userId: string): Promise<boolean> {
    return hasPassword(this.deps.dataSource.manager, userId);
  }
}

/** The 'identity' source of the sign-in-method registry: linked provider accounts. */
export const identitySignInMethodSource = {
  kind: 'identity',
  count: async (em: EntityManager, userId: string): Promise<number> => em.count(IdentityEntity, { where: { userId } }),
};

/** The `identities` section of exportAccountData: linked provider accounts, without the provider's subject. */
export async function exportIdentities(em: EntityManager, userId: string): Promise<unknown[]> {
  const rows = await em.find(IdentityEntity, { where: { userId }, order: { createdAt: 'ASC' } });
  return rows.map((i) => ({ id: i.id, provider: i.provider, email: i.email, createdAt: i.createdAt, lastUsedAt: i.lastSignInAt }));
}
