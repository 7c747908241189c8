import type { ModuleDeclarations } from '../declaration-types';

const H = 3600;

/** What the oauth capability adds to the shared tables (see src/modules/declaration-types.ts). */
export const oauthDeclarations = {
  auditEvents: {
    oauthCompleted: 'oauth.completed',
    oauthFailed: 'oauth.failed',
    identityLinked: 'identity.linked',
    identityUnlinked: 'identity.unlinked',
  },
  rateLimits: { 'oauth.start': 'default', 'oauth.complete': 'default', 'oauth.link': 'default', 'oauth.unlink': 'default', 'oauth.callback': 'default' },
  limits: {
    oauthFlowTtlSeconds: {
      env: 'OAUTH_FLOW_TTL_SECONDS',
      default: 10 * 60,
      min: 60,
      max: H,
      doc: 'how long a provider sign-in started with startOAuth may take to come back.',
    },
  },
  httpRoutes: [
    { method: 'GET', path: '/oauth/start', doc: "where `startOAuth`'s URL leads: sets the browser cookie and redirects to the provider (docs/oauth.md)" },
    {
      method: 'GET',
      path: '/oauth/callback/:provider',
      doc: 'the provider redirects back here; redirects to `redirectTo` with a one-time code for `completeOAuth`, or answers a small error page',
    },
  ],
  errorCodes: {
    OAUTH_FAILED: { message: 'Signing in with the provider failed.', logLevel: 'warn' },
    IDENTITY_ALREADY_LINKED: { message: 'This provider account is already linked to another user.', logLevel: 'info' },
  },
} as const satisfies ModuleDeclarations;
