import type { EntityManager } from 'typeorm';
import { SessionEntity } from './session.entity';
import type { SessionRevocation } from './revocation';
import type { SessionsServiceDeps } from './session-types';
import type { TokenPairs } from './token-pairs';
import { AuditEvents } from '../audit/audit-events';
import type { RequestMeta } from '../request-meta';
import { afterCommit } from '../../db/after-commit';
import { outsideTransaction } from '../../db/transaction';
import { escapeHtml, layout, type RenderedMail } from '../../mail/templates/templates';

/** The reason of a session ended by MAX_SESSIONS_PER_USER (contract: `session.revoked` with `reason: session_cap`). */
export const SESSION_CAP_REASON = 'session_cap';

/** The notice of a session ended by the cap: the owner pushed out by a flood of sign-ins learns of it. */
export function sessionCapMail(product: string, ended: number): RenderedMail {
  const title = 'A session was signed out';
  const paragraphs = [
    `A new sign-in to your ${product} account went past the number of sessions an account may hold, so the least recently used ${ended === 1 ? 'session was' : `${ended} sessions were`} signed out.`,
    'If this sign-in was not you, change your password now and sign out every other session.',
  ];
  return {
    subject: `${product}: a session was signed out`,
    text: [title, ...paragraphs].join('\n\n'),
    html: layout(product, title, paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('')),
  };
}

/**
 * MAX_SESSIONS_PER_USER, after a sign-in wrote `newSessionId`, in `em`'s transaction: the user's live sessions beyond
 * the cap (least recently used first out; impersonation sessions neither count nor end here) are locked and ended
 * (revocation list, `session.revoked` event and audit row, reason session_cap), and the user is mailed after commit.
 * One statement picks them; nothing more runs when the user is under the cap. 0: no cap.
 */
export async function enforceSessionCap(
  deps: SessionsServiceDeps,
  pairs: TokenPairs,
  revocation: SessionRevocation,
  em: EntityManager,
  userId: string,
  newSessionId: string,
  meta: RequestMeta,
): Promise<string[]> {
  const cap = deps.limits.maxSessionsPerUser;
  if (!cap) return [];
  const now = deps.now();
  const idleCutoff = new Date(now.getTime() - deps.limits.refreshIdleTtlSeconds * 1000);
  const rows: { id: string }[] = await em.query(
    `SELECT id FROM ${pairs.raw.table(SessionEntity)}
     WHERE user_id = $1 AND impersonator_id IS NULL AND revoked_at IS NULL AND expires_at > $2 AND last_used_at > $3
     ORDER BY (id = $5) DESC, last_used_at DESC, created_at DESC, id OFFSET $4 FOR UPDATE`,
    [userId, now, idleCutoff, cap, newSessionId],
  );
  const ids = rows.map((r) => r.id).filter((id) => id !== newSessionId);
  if (ids.length === 0) return [];
  await revocation.revokeInTransaction(em, userId, ids, SESSION_CAP_REASON);
  await deps.audit.record(em, { event: AuditEvents.sessionRevoked, userId, meta, data: { sessionIds: ids, reason: SESSION_CAP_REASON } });
  const notices = deps.notices;
  if (notices) {
    const mail = sessionCapMail(deps.productName ?? 'Warden', ids.length);
    // Once committed, outside the transaction's context (as the new-device notice: account.service.ts); Notices logs
    // and audits a failed send itself, and the session stays ended either way.
    afterCommit(em, () => outsideTransaction(() => void notices.send(userId, { flow: 'session_cap_notice', mail }, meta)));
  }
  return ids;
}
