import { declaredAuditEvents, type AuditEventName } from '../declarations';

/**
 * Audit event names (noun.past_verb), by key: `AuditEvents.otpSent` is 'otp.sent'. Each name is declared
 * once, in the `auditEvents` of the capability that records it (src/modules/<cap>/<cap>.declarations.ts);
 * this is their merge, and AuditEventName the closed union of their values.
 */
export const AuditEvents = declaredAuditEvents;

export type { AuditEventName };
