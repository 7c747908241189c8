import type {
  DeclaringModule,
  ErrorCodeDeclaration,
  LimitDeclaration,
  MailDeclaration,
  RateLimitRule,
  RouteDeclaration,
  SettingDeclaration,
  SettingValues,
} from './declaration-types';
import { usersDeclarations } from './users/users.declarations';
import { passwordDeclarations } from './password/password.declarations';
import { sessionsDeclarations } from './sessions/sessions.declarations';
import { otpDeclarations } from './otp/otp.declarations';
import { magicLinkDeclarations } from './magic-link/magic-link.declarations';
import { passwordResetDeclarations } from './password-reset/password-reset.declarations';
import { auditDeclarations } from './audit/audit.declarations';
import { rateLimitsDeclarations } from './rate-limits/rate-limits.declarations';
import { passkeysDeclarations } from './passkeys/passkeys.declarations';
import { mfaDeclarations } from './mfa/mfa.declarations';
import { oauthDeclarations } from './oauth/oauth.declarations';
import { accountDeclarations } from './account/account.declarations';
import { organizationsDeclarations } from './organizations/organizations.declarations';
import { captchaDeclarations } from './captcha/captcha.declarations';
import { apiKeysDeclarations } from './api-keys/api-keys.declarations';
import { breachedPasswordsDeclarations } from './breached-passwords/breached-passwords.declarations';
import { adminDeclarations } from './admin/admin.declarations';
import { eventsDeclarations } from './events/events.declarations';
import { webhooksDeclarations } from './webhooks/webhooks.declarations';

/**
 * Every capability's declarations (its <cap>.declarations.ts), by module name, in the order of
 * src/modules/index.ts. Each descriptor there spreads the same object, and src/modules/modules.test.ts
 * checks both agree. This file imports data only (no service, no resolver), so the config, the errors and
 * the services can all depend on what is derived here without a cycle: the closed unions below are the
 * type checker's view of the declarations, so an undeclared name still fails to compile.
 */
export const moduleDeclarations = {
  users: usersDeclarations,
  password: passwordDeclarations,
  sessions: sessionsDeclarations,
  admin: adminDeclarations,
  otp: otpDeclarations,
  'magic-link': magicLinkDeclarations,
  'password-reset': passwordResetDeclarations,
  audit: auditDeclarations,
  'rate-limits': rateLimitsDeclarations,
  passkeys: passkeysDeclarations,
  mfa: mfaDeclarations,
  oauth: oauthDeclarations,
  account: accountDeclarations,
  organizations: organizationsDeclarations,
  captcha: captchaDeclarations,
  'breached-passwords': breachedPasswordsDeclarations,
  events: eventsDeclarations,
  'api-keys': apiKeysDeclarations,
  webhooks: webhooksDeclarations,
} as const;

type Declared = (typeof moduleDeclarations)[keyof typeof moduleDeclarations];
/** Field F of every declaration that has it (a union over the modules). */
type FieldOf<F extends string> = Declared extends infer D ? (D extends { readonly [K in F]: infer V } ? V : never) : never;
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** `auditEvents` of every module, merged: `AuditEvents.otpSent` is 'otp.sent'. */
export type DeclaredAuditEvents = UnionToIntersection<FieldOf<'auditEvents'>>;
export type AuditEventName = DeclaredAuditEvents[keyof DeclaredAuditEvents];
/** `events` of every module, merged: `EventTypes.userCreated` is 'user.created'. */
export type DeclaredEventTypes = UnionToIntersection<FieldOf<'events'>>;
export type EventTypeName = DeclaredEventTypes[keyof DeclaredEventTypes];
export type FieldLimitName = keyof UnionToIntersection<FieldOf<'rateLimits'>>;
export type OtpPurposeName = FieldOf<'codePurposes'> extends readonly (infer N)[] ? N : never;
export type ModuleErrorCode = keyof UnionToIntersection<FieldOf<'errorCodes'>>;
export type ModuleLimitName = keyof UnionToIntersection<FieldOf<'limits'>>;
/** `settings` of every module, merged (their declarations). */
export type DeclaredSettings = UnionToIntersection<FieldOf<'settings'>>;
export type ModuleSettingName = keyof DeclaredSettings;
/** `config.settings`: every module's setting by key, typed by what its `parse` returns. */
export type Settings = SettingValues<DeclaredSettings>;
/** `mail` of every module, merged: the mail of each mailed code purpose. */
export type DeclaredMail = UnionToIntersection<FieldOf<'mail'>>;

export type ModuleName = keyof typeof moduleDeclarations;

/**
 * The same declarations as a list of modules (name and declarations), the shape the config, the generated docs
 * and the error codes take: their default. A composition with more modules (examples/hello-module's test) passes
 * its own list, e.g. `[...wardenModules, helloModule]`.
 */
export const moduleDeclarationList: readonly DeclaringModule[] = Object.freeze(
  (Object.keys(moduleDeclarations) as ModuleName[]).map((name): DeclaringModule => ({ name, ...moduleDeclarations[name] })),
);

export interface DeclaredEntry<T> {
  module: string;
  key: string;
  value: T;
}

function entries<T>(
  modules: readonly DeclaringModule[],
  pick: (d: DeclaringModule) => Readonly<Record<string, T>> | readonly T[] | undefined,
): DeclaredEntry<T>[] {
  return modules.flatMap((m) => {
    const field = pick(m);
    if (!field) return [];
    if (Array.isArray(field)) return (field as readonly T[]).map((value) => ({ module: m.name, key: String(value), value }));
    return Object.entries(field as Record<string, T>).map(([key, value]) => ({ module: m.name, key, value }));
  });
}

/** Every declared entry of each kind in `modules`, with the module that declared it. */
export function declaredEntriesOf(modules: readonly DeclaringModule[]) {
  return {
    auditEvents: entries<string>(modules, (d) => d.auditEvents),
    rateLimits: entries<RateLimitRule>(modules, (d) => d.rateLimits),
    limits: entries<LimitDeclaration>(modules, (d) => d.limits),
    settings: entries<SettingDeclaration>(modules, (d) => d.settings),
    codePurposes: entries<string>(modules, (d) => d.codePurposes),
    errorCodes: entries<ErrorCodeDeclaration>(modules, (d) => d.errorCodes),
    inputBounds: entries<number>(modules, (d) => d.inputBounds),
    mail: entries<MailDeclaration>(modules, (d) => d.mail),
    httpRoutes: entries<RouteDeclaration>(modules, (d) => d.httpRoutes).map((e) => ({ ...e, key: `${e.value.method} ${e.value.path}` })),
    events: entries<string>(modules, (d) => d.events),
  };
}

/** Every declared entry of each kind, with the module that declared it (modules.test.ts checks none is declared twice). */
export const declaredEntries = declaredEntriesOf(moduleDeclarationList);

const table = <T>(list: DeclaredEntry<T>[]) => Object.freeze(Object.fromEntries(list.map((e) => [e.key, e.value])));

export const declaredAuditEvents = table(declaredEntries.auditEvents) as DeclaredAuditEvents;
export const declaredEventTypes = table(declaredEntries.events) as DeclaredEventTypes;
export const declaredFieldLimitNames = Object.freeze(declaredEntries.rateLimits.map((e) => e.key)) as readonly FieldLimitName[];
/** The per-IP rule each rate limit counts against (src/modules/rate-limits/field-limits.ts). */
export const declaredRateLimitRules = table(declaredEntries.rateLimits) as Readonly<Record<FieldLimitName, RateLimitRule>>;
export const declaredOtpPurposes = Object.freeze(declaredEntries.codePurposes.map((e) => e.value)) as readonly OtpPurposeName[];
export const declaredErrorCodes = table(declaredEntries.errorCodes) as Readonly<Record<ModuleErrorCode, ErrorCodeDeclaration>>;
export const declaredLimits = table(declaredEntries.limits) as Readonly<Record<ModuleLimitName, LimitDeclaration>>;
export const declaredMail = table(declaredEntries.mail) as DeclaredMail;
export const declaredInputBounds = table(declaredEntries.inputBounds) as Readonly<Record<string, number>>;
