import type { FieldLimitName } from '../declarations';
import type { RequestMeta } from '../request-meta';

/** One executed field, as a FieldGuard sees it. */
export interface GuardedField {
  /** The @RateLimit name. */
  limit: FieldLimitName;
  /** The GraphQL type and field (Mutation.signup). */
  parentType: string;
  fieldName: string;
  args: Readonly<Record<string, unknown>>;
  meta: RequestMeta;
}

/** What a guard counts for one field: its counters go to the store with the per-IP count, in one round trip. */
export interface FieldGuardPlan {
  entries: readonly { key: string; ttlSeconds: number }[];
  /** Given the counters' values (in the order of entries), after the per-IP limit passed; throws to refuse the field. */
  decide(results: readonly { value: number; ttlSeconds: number }[]): Promise<void>;
}

/** A module's check on executed fields (ModuleHooks.fieldGuards), e.g. the adaptive CAPTCHA. null: not this field. */
export interface FieldGuard {
  plan(field: GuardedField): FieldGuardPlan | null;
}
