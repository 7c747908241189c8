import type { ModuleDeclarations } from '../declaration-types';
import { parseAdminEmails } from './admin-emails';

/** What the administration capability adds to the shared tables (see src/modules/declaration-types.ts). */
export const adminDeclarations = {
  settings: {
    adminEmails: {
      env: 'ADMIN_EMAILS',
      default: null,
      doc: 'comma-separated emails; a user whose verified email is listed is a platform admin (checked on every request). Production logs a warning when empty.',
      parse: (raw: string | undefined) => parseAdminEmails(raw),
    },
  },
} as const satisfies ModuleDeclarations;
