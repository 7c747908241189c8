import type { EntityManager } from 'typeorm';
import { PasswordCredentialEntity } from './password-credential.entity';

/** The user's password hash, or null when the account has no password. */
export async function passwordHashOf(em: EntityManager, userId: string): Promise<string | null> {
  const credential = await em.findOne(PasswordCredentialEntity, { where: { userId }, select: { userId: true, passwordHash: true } });
  return credential?.passwordHash ?? null;
}

export function hasPassword(em: EntityManager, userId: string): Promise<boolean> {
  return em.exists(PasswordCredentialEntity, { where: { userId } });
}

/** A first password (setPassword); a concurrent one meets the primary key (a unique violation). */
export async function insertPassword(em: EntityManager, userId: string, passwordHash: string): Promise<void> {
  await em.insert(PasswordCredentialEntity, { userId, passwordHash });
}

/** The `password` section of exportAccountData: whether one is set and when, never the hash. */
export async function exportPassword(em: EntityManager, userId: string): Promise<unknown> {
  const credential = await em.findOne(PasswordCredentialEntity, { where: { userId }, select: { userId: true, createdAt: true, updatedAt: true } });
  return { set: credential !== null, setAt: credential?.createdAt ?? null, changedAt: credential?.updatedAt ?? null };
}
