import type { SignInGate, SignInGateSql } from './sessions.service';
import type { AuthMethod } from './assurance';

/**
 * Every module's sign-in gate as one (the hooks' signInGates, read at each sign-in, in module-list order):
 * - check: every gate is consulted in order; the first refusal wins (the gates after it are not asked, so a
 *   refusal's side effects, e.g. the MFA challenge it opens, happen once). No gate: every sign-in is allowed.
 * - sqlAllows: "always" only when every gate says always; a predicate that ANDs the gates' predicates (its key
 *   joins theirs, in order) when each answers; null (no one-statement sign-in) as soon as one gate cannot answer.
 */
export function chainSignInGates(gates: () => readonly SignInGate[]): SignInGate {
  return {
    async check(em, request) {
      for (const gate of gates()) {
        const decision = await gate.check(em, request);
        if (!decision.allow) return decision;
      }
      return { allow: true };
    },
    sqlAllows(amr: readonly AuthMethod[]): SignInGateSql | null {
      const parts: { key: string; predicate: (userId: string) => string }[] = [];
      for (const gate of gates()) {
        const answer = gate.sqlAllows?.(amr) ?? null;
        if (!answer) return null;
        if (!('always' in answer)) parts.push(answer);
      }
      if (parts.length === 0) return { always: true };
      if (parts.length === 1) return parts[0]!;
      return { key: parts.map((p) => p.key).join('_'), predicate: (userId) => parts.map((p) => `(${p.predicate(userId)})`).join(' AND ') };
    },
  };
}
