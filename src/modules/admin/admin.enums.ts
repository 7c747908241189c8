import { registerEnumType } from 'type-graphql';

export enum UserStatus {
  ACTIVE = 'ACTIVE',
  BANNED = 'BANNED',
  PENDING_DELETION = 'PENDING_DELETION',
}
registerEnumType(UserStatus, { name: 'UserStatus' });
