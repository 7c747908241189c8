import type { AuditService } from '../audit/audit.service';
import type { SendTiming } from '../../mail/send-timing';
import type { RequestMeta } from '../request-meta';

/** The account a request names, when it exists: its real work runs, and a failed delivery is audited. */
export interface KnownAccount {
  userId: string;
  /** delivery.failed `flow`: otp, magic_link, password_reset… */
  flow: string;
  channel: 'EMAIL' | 'SMS';
  meta: RequestMeta;
}

/**
 * The enumeration-safe skeleton, written once for every flow that mails only known accounts (requestOtp by
 * email, requestMagicLink, requestPasswordReset): a known account runs `real`, timed under `kind`; an unknown
 * one runs `decoy` (its own smaller work), answered no sooner than a real request would and failing alike
 * while SMTP refuses (SendTiming). A failed real delivery is audited (delivery.failed) before it is rethrown.
 */
export async function realOrDecoy<T>(
  deps: { timing: SendTiming; audit: AuditService },
  kind: string,
  known: KnownAccount | null,
  real: () => Promise<T>,
  decoy: () => Promise<T>,
): Promise<T> {
  if (!known) return deps.timing.pad(kind, decoy);
  try {
    return await deps.timing.measure(kind, real);
  } catch (error) {
    await deps.audit.recordDeliveryFailure(error, known);
    throw error;
  }
}
