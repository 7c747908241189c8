import type { EntityManager } from 'typeorm';
import { PasswordCredentialEntity } from './password-credential.entity';
import type { UserEntity } from '../users/users.service';
import type { SessionsService } from '../sessions/sessions.service';
import type { RequestMeta } from '../request-meta';

/**
 * The pre-registration rule, for the first proof of an email address other than its own signup code (a LOGIN code,
 * a magic link, account recovery, a provider's verified email). Whoever signed up with the address never proved
 * it: the password they set and every session go, before the caller marks the address verified and signs in.
 * In the caller's transaction, under its lock on the user row. Returns whether the account was claimed.
 */
export async function dropUnverifiedPassword(
  em: EntityManager,
  sessions: Pick<SessionsService, 'revokeAllInTransaction'>,
  user: Pick<UserEntity, 'id' | 'email' | 'emailVerified'>,
  reason: string,
  meta: RequestMeta,
): Promise<boolean> {
  if (user.emailVerified || !user.email) return false;
  await em.delete(PasswordCredentialEntity, { userId: user.id });
  await sessions.revokeAllInTransaction(em, user.id, reason, meta);
  return true;
}
