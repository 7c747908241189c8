/** ORG_INVITATION_PATH: a path starting with / (unset: /invitations/accept). */
export function parseInvitationPath(raw: string | undefined): string {
  if (raw === undefined || raw === '') return '/invitations/accept';
  if (!raw.startsWith('/') || raw.startsWith('//') || /[\s?#]/.test(raw)) throw new Error('must be a path starting with / (no query, no fragment)');
  return raw;
}
