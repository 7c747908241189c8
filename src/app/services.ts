import type { Logger } from 'pino';
import type { Config } from '../config/config';
import { Mailer } from '../mail/mailer';
import { SendTiming } from '../mail/send-timing';
import { PasswordHasher } from '../crypto/password-hasher';
import { Metrics } from '../metrics/metrics';
import { registerRuntimeGauges } from '../metrics/runtime-gauges';
import { AuditService } from '../modules/audit/audit.service';
import { UsersService } from '../modules/users/users.service';
import { ProfileCache } from '../modules/users/profile-cache';
import { AccessTokens } from '../modules/sessions/access-tokens';
import { RevocationList } from '../modules/sessions/revocation-list';
import { SessionsService } from '../modules/sessions/sessions.service';
import { OtpService } from '../modules/otp/otp.service';
import { PasswordService } from '../modules/password/password.service';
import { MagicLinkService } from '../modules/magic-link/magic-link.service';
import { PasswordResetService } from '../modules/password-reset/password-reset.service';
import { RateLimiter } from '../modules/rate-limits/rate-limiter';
import { FieldLimiter } from '../modules/rate-limits/field-limits';
import { IdentifierLimits } from '../modules/rate-limits/identifier-limits';
import { SmsPolicy } from '../modules/rate-limits/sms-policy';
import { VerifiedPhones } from '../modules/rate-limits/verified-phones';
import { LoginLockout } from '../modules/rate-limits/login-lockout';
import { ViewerResolver } from '../modules/users/viewer.resolver';
import { PasswordResolver } from '../modules/password/password.resolver';
import { OtpResolver } from '../modules/otp/otp.resolver';
import { SessionsResolver } from '../modules/sessions/sessions.resolver';
import { MagicLinkResolver } from '../modules/magic-link/magic-link.resolver';
import { PasswordResetResolver } from '../modules/password-reset/password-reset.resolver';
import { EntityPrivacyResolver } from '../modules/federation/entity-privacy.resolver';
import { PasskeysService, exportPasskeys } from '../modules/passkeys/passkeys.service';
import { PasskeysResolver } from '../modules/passkeys/passkeys.resolver';
import { MfaService, exportMfaFactors } from '../modules/mfa/mfa.service';
import { MfaResolver, MfaUserFieldsResolver } from '../modules/mfa/mfa.resolver';
import { SignInMethods, coreSignInMethodSources } from '../modules/users/sign-in-methods';
import { OAuthService, exportIdentities, identitySignInMethodSource } from '../modules/oauth/oauth.service';
import { ProviderClients } from '../modules/oauth/provider-clients';
import { IdentityFieldsResolver, OAuthResolver } from '../modules/oauth/oauth.resolver';
import { AccountService } from '../modules/account/account.service';
import { AccountResolver } from '../modules/account/account.resolver';
import { AccountUserResolver } from '../modules/account/account-user.resolver';
import { OrganizationsService, PermissionCatalog, exportMemberships } from '../modules/organizations';
import { OrganizationFieldsResolver, OrganizationsResolver, OrganizationsUserResolver } from '../modules/organizations/organizations.resolver';
import type { AddCleanup, Infrastructure } from './infrastructure';

/** The domain services, built once per app from the infrastructure. */
export interface Services {
  metrics: Metrics;
  hasher: PasswordHasher;
  fieldLimiter: FieldLimiter;
  audit: AuditService;
  users: UsersService;
  sessions: SessionsService;
  otp: OtpService;
  passwords: PasswordService;
  magicLinks: MagicLinkService;
  resets: PasswordResetService;
  /** Everything the container hands out by class: services, adapters and the resolver instances. */
  instances: object[];
}

export function createServices(
  config: Readonly<Config>,
  infra: Infrastructure,
  clock: { now: () => Date; nowMs: () => number },
  logger: Logger,
  addCleanup: AddCleanup,
  overrides: { passwordHasher?: PasswordHasher } = {},
): Services {
  const { dataSource, kv, pubsub, mailTransport, sms, hmacKey, previousHmacKey, signingKeys } = infra;
  const { now, nowMs } = clock;

  const hasher =
    overrides.passwordHasher ??
    new PasswordHasher({
      cost: config.limits.bcryptCost,
      maxQueue: config.limits.passwordHashMaxQueue,
      threads: config.limits.passwordHashThreads,
      niceness: config.limits.passwordHashNiceness,
    });
  addCleanup(() => hasher.close());
  void hasher.warmUp().catch((err) => logger.error({ err }, 'password hasher warm-up failed'));

  const mailer = new Mailer(mailTransport, { productName: config.productName, appUrl: config.appUrl, now });
  const timing = new SendTiming();

  const metrics = new Metrics();
  const rateLimiter = new RateLimiter(kv, hmacKey);
  const fieldLimiter = new FieldLimiter(rateLimiter, config.limits);
  const identifierLimits = new IdentifierLimits(rateLimiter, config.limits);
  const smsPolicy = new SmsPolicy(rateLimiter, config.limits, config.smsAllowedCountries, new VerifiedPhones(kv, hmacKey));
  const lockout = new LoginLockout(kv, hmacKey, config.limits, () => now().getTime());
  const audit = new AuditService(dataSource, metrics);
  const accessTokens = new AccessTokens(signingKeys, {
    issuer: config.publicUrl,
    audience: config.accessTokenAudience,
    ttlSeconds: config.limits.accessTokenTtlSeconds,
    now,
    nowMs,
    cacheMaxEntries: config.limits.verifiedTokenCacheMaxEntries,
  });
  const revocations = new RevocationList(kv, pubsub, config.limits.accessTokenTtlSeconds);
  revocations.start();
  addCleanup(() => revocations.close());
  // Profiles (viewer's email, name, organization) in memory, invalidated through the revocation channel.
  const profiles = new ProfileCache(revocations, {
    maxEntries: config.limits.profileCacheMaxEntries,
    ttlSeconds: config.limits.profileCacheTtlSeconds,
    onPublishError: (err) => logger.error({ err }, 'profile change not published: other instances keep it until PROFILE_CACHE_TTL_SECONDS'),
  });
  const users = new UsersService(dataSource, profiles);
  registerRuntimeGauges(metrics.registry, {
    passwordHashesInFlight: () => hasher.inFlight,
    revocationsLocal: () => (revocations.isLocal ? 1 : 0),
  });
  const sessions = new SessionsService({
    dataSource,
    accessTokens,
    revocations,
    audit,
    hmacKey,
    previousHmacKey,
    limits: config.limits,
    reauthMaxAgeSeconds: config.reauthMaxAgeSeconds,
    now,
  });
  const otp = new OtpService({
    dataSource,
    kv,
    users,
    sessions,
    audit,
    mailer,
    sms,
    timing,
    identifierLimits,
    smsPolicy,
    hmacKey,
    previousHmacKey,
    limits: config.limits,
    productName: config.productName,
    now,
  });
  const passwords = new PasswordService({ dataSource, users, otp, sessions, audit, hasher, mailer, lockout, identifierLimits, limits: config.limits });
  const magicLinks = new MagicLinkService({
    dataSource,
    users,
    sessions,
    audit,
    mailer,
    timing,
    identifierLimits,
    hmacKey,
    previousHmacKey,
    limits: config.limits,
    appUrl: config.appUrl,
    magicLinkPath: config.magicLinkPath,
    redirectAllowlist: config.redirectAllowlist,
    now,
  });
  const resets = new PasswordResetService({
    dataSource,
    users,
    otp,
    passwords,
    sessions,
    audit,
    mailer,
    timing,
    lockout,
    hmacKey,
    previousHmacKey,
    limits: config.limits,
    appUrl: config.appUrl,
    passwordResetPath: config.passwordResetPath,
    now,
  });

  const mfa = new MfaService({
    dataSource,
    kv,
    challenges: otp.challenges,
    sessions,
    users,
    audit,
    mailer,
    hmacKey,
    previousHmacKey,
    limits: config.limits,
    productName: config.productName,
    reauthMaxAgeSeconds: config.reauthMaxAgeSeconds,
    now,
  });

  // Ways into an account (LAST_SIGN_IN_METHOD): the core's, then each capability's own source.
  const signInMethods = new SignInMethods();
  for (const source of coreSignInMethodSources()) signInMethods.register(source);
  signInMethods.register(identitySignInMethodSource);
  const oauth = new OAuthService({
    dataSource,
    kv,
    clients: new ProviderClients(config.oauthProviders, { publicUrl: config.publicUrl, isProduction: config.isProduction }),
    users,
    sessions,
    audit,
    mailer,
    productName: config.productName,
    signInMethods,
    fieldLimiter,
    hmacKey,
    limits: config.limits,
    publicUrl: config.publicUrl,
    redirectAllowlist: config.redirectAllowlist,
    secureCookies: config.nodeEnv !== 'development',
    trustProxy: config.trustProxy,
    now,
  });

  const account = new AccountService({
    dataSource,
    kv,
    users,
    sessions,
    challenges: otp.challenges,
    passwords,
    hasher,
    audit,
    mailer,
    sms,
    lockout,
    hmacKey,
    previousHmacKey,
    limits: config.limits,
    appUrl: config.appUrl,
    productName: config.productName,
    now,
    onBackgroundError: (err) => logger.warn({ err }, 'account notice failed'),
  });
  // exportAccountData: each capability's own section (never secrets).
  account.registerExportSection('identities', exportIdentities);
  account.registerExportSection('mfaFactors', exportMfaFactors);
  account.registerExportSection('passkeys', exportPasskeys);
  account.registerExportSection('memberships', exportMemberships);

  const organizations = new OrganizationsService({
    dataSource,
    users,
    audit,
    catalog: new PermissionCatalog(config.orgExtraPermissions),
    maxStringLength: config.limits.maxStringLength,
  });

  const passkeys = new PasskeysService({
    dataSource,
    kv,
    users,
    sessions,
    audit,
    mailer,
    signInMethods,
    requireAal2ToAddFactor: (viewer) => mfa.requireAal2ToAddFactor(viewer),
    rpId: config.webauthn.rpId,
    origins: config.webauthn.origins,
    productName: config.productName,
    maxStringLength: config.limits.maxStringLength,
    now,
  });
  signInMethods.register(passkeys.signInMethodSource());

  const instances: object[] = [
    signingKeys,
    metrics,
    audit,
    users,
    accessTokens,
    revocations,
    sessions,
    otp,
    passwords,
    magicLinks,
    resets,
    new ViewerResolver(users),
    new PasswordResolver(passwords),
    new OtpResolver(otp),
    new SessionsResolver(sessions),
    new MagicLinkResolver(magicLinks),
    new PasswordResetResolver(resets),
    new EntityPrivacyResolver(),
    mfa,
    new MfaResolver(mfa),
    new MfaUserFieldsResolver(mfa),
    signInMethods,
    oauth,
    new OAuthResolver(oauth),
    new IdentityFieldsResolver(oauth),
    account,
    new AccountResolver(account),
    new AccountUserResolver(account),
    passkeys,
    new PasskeysResolver(passkeys),
    organizations,
    new OrganizationsResolver(organizations),
    new OrganizationFieldsResolver(organizations),
    new OrganizationsUserResolver(organizations),
  ];

  return { metrics, hasher, fieldLimiter, audit, users, sessions, otp, passwords, magicLinks, resets, instances };
}
