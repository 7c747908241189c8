import type { EntityManager } from 'typeorm';
import { WardenError } from '../../errors/warden-error';
import type { UsersService } from '../users/users.service';
import type { InvitationEntity, InvitationStatusName } from './invitation.entity';
import { OrganizationEntity } from './organization.entity';
import { invitationStatus } from './invitation-rows';

/** An invitation as the schema answers it. */
export interface InvitationView {
  id: string;
  organizationId: string;
  organizationName: string;
  email: string;
  role: string;
  status: InvitationStatusName;
  invitedByName: string | null;
  createdAt: Date;
  expiresAt: Date;
  resendAvailableAt: Date;
}

export const invalidToken = () => new WardenError('INVALID_TOKEN');

export { limitReached } from './organization-rows';

export function forbidden(reason: string, message: string): WardenError {
  return new WardenError('FORBIDDEN', { message, extensions: { reason } });
}

/** The row as the schema answers it (EXPIRED computed; resendAvailableAt = last send + the cooldown). */
export async function invitationView(
  em: EntityManager,
  users: UsersService,
  row: InvitationEntity,
  options: { now: Date; cooldownSeconds: number; organizationName?: string },
): Promise<InvitationView> {
  const name = options.organizationName ?? (await em.findOne(OrganizationEntity, { where: { id: row.organizationId } }))?.name ?? '';
  const inviter = row.invitedByUserId ? await users.findById(em, row.invitedByUserId) : null;
  return {
    id: row.id,
    organizationId: row.organizationId,
    organizationName: name,
    email: row.email,
    role: row.role,
    status: invitationStatus(row, options.now),
    invitedByName: inviter?.name ?? null,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    resendAvailableAt: new Date(row.lastSentAt.getTime() + options.cooldownSeconds * 1000),
  };
}
