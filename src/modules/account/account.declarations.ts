import type { ModuleDeclarations } from '../declaration-types';

const H = 3600;
const D = 24 * 3600;

/** What the account capability adds to the shared tables (see src/modules/declaration-types.ts). */
export const accountDeclarations = {
  // Emitted through kernel.events; aggregate: the user.
  events: {
    userDeleted: 'user.deleted',
    userErased: 'user.erased',
    userRecovered: 'user.recovered',
  },
  auditEvents: {
    profileUpdated: 'user.profile_updated',
    passwordChanged: 'password.changed',
    passwordSet: 'password.set',
    emailChangeRequested: 'email_change.requested',
    emailChanged: 'email.changed',
    emailChangeUndone: 'email_change.undone',
    phoneChangeRequested: 'phone_change.requested',
    phoneChanged: 'phone.changed',
    accountDeleted: 'account.deleted',
    accountRecoveryRequested: 'account_recovery.requested',
    accountRecovered: 'account.recovered',
    accountExported: 'account.exported',
  },
  rateLimits: {
    'account.update': 'default',
    'account.password': 'default',
    'account.request-change': 'default',
    'account.undo-email-change': 'default',
    'account.recovery': 'default',
    'account.verify-recovery': 'default',
  },
  limits: {
    emailChangeUndoTtlSeconds: {
      env: 'EMAIL_CHANGE_UNDO_TTL_SECONDS',
      default: 3 * 24 * 3600,
      min: H,
      max: 30 * D,
      doc: 'how long the undo link mailed to the old address works.',
    },
    accountDeletionGraceDays: {
      env: 'ACCOUNT_DELETION_GRACE_DAYS',
      default: 30,
      min: 1,
      max: 365,
      doc: 'days a deleted account can be recovered before it is erased.',
    },
  },
  codePurposes: ['EMAIL_CHANGE', 'PHONE_CHANGE', 'ACCOUNT_RECOVERY'],
  mail: {
    EMAIL_CHANGE: { title: 'Confirm your new email address' },
    PHONE_CHANGE: { title: 'Confirm your new phone number' },
    ACCOUNT_RECOVERY: { title: 'Recover your account' },
  },
  inputBounds: { newEmail: 320, currentPassword: 1024 },
} as const satisfies ModuleDeclarations;
