import { EventOutbox } from '../../src/modules/events/outbox';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { signUpAndVerify, uniqueEmail } from '../support/flows';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { FinishPasskeyRegistrationDocument, StartPasskeyAuthenticationDocument, StartPasskeyRegistrationDocument } from '../graphql/generated/graphql';
import { PasskeysService } from '../../src/modules/passkeys/passkeys.service';
import { SessionsService, type SignInGate, type SignInRequest } from '../../src/modules/sessions/sessions.service';
import { assuranceLevel } from '../../src/modules/sessions/assurance';
import { AuditService } from '../../src/modules/audit/audit.service';
import { UsersService } from '../../src/modules/users/users.service';
import { SignInMethods } from '../../src/modules/users/sign-in-methods';
import { WardenError } from '../../src/errors/warden-error';
import type { AccessTokens } from '../../src/modules/sessions/access-tokens';
import type { RevocationList } from '../../src/modules/sessions/revocation-list';
import type { Notices } from '../../src/kernel/notices';

/**
 * A passkey sign-in meets the second-factor gate (SignInGate, the MFA module's signInGates hook) through the one
 * session-creating function: the gate here behaves like the MFA gate for an account with a factor enrolled
 * (anything below aal2 answers MFA_REQUIRED). A user-verifying passkey passes it; without user verification the
 * gate applies. The real SessionsService runs against this app's PostgreSQL and key-value store.
 */
jest.setTimeout(60_000);

const ORIGIN = 'http://app.test';
const meta = { requestId: 'gate-test', ip: '127.0.0.1', userAgent: 'jest' };

describe('passkeys and the second-factor gate', () => {
  let t: TestApp;
  let passkeys: PasskeysService;
  const gateSaw: SignInRequest[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    const dataSource = t.app.dataSource;
    const audit = new AuditService(dataSource);
    const gate: SignInGate = {
      check: async (_em, request) => {
        gateSaw.push(request);
        return assuranceLevel(request.amr) === 'aal2'
          ? { allow: true }
          : { allow: false, error: new WardenError('MFA_REQUIRED', { extensions: { challengeId: 'mfa-challenge' } }) };
      },
    };
    const accessTokens = {
      issue: async () => ({ token: 'access-token', expiresAt: new Date(Date.now() + 60_000) }),
    } as unknown as AccessTokens;
    const sessions = new SessionsService({
      dataSource,
      accessTokens,
      revocations: {} as RevocationList,
      events: new EventOutbox({ now: () => new Date(), nowMs: Date.now }),
      audit,
      hmacKey: Buffer.from(t.env.WARDEN_SECRET!, 'utf8'),
      limits: t.app.config.limits,
      now: () => new Date(),
      signInGate: gate,
    });
    passkeys = new PasskeysService({
      dataSource,
      kv: t.app.kv,
      users: new UsersService(dataSource),
      sessions,
      audit,
      notices: {} as Notices,
      signInMethods: new SignInMethods(() => []),
      requireAal2ToAddFactor: async () => undefined,
      rpId: t.app.config.webauthn.rpId,
      origins: t.app.config.webauthn.origins,
      productName: 'Warden',
      maxStringLength: 200,
      now: () => new Date(),
    });
  });
  afterAll(() => t?.close());

  async function registered() {
    const client = t.client();
    await signUpAndVerify(t, client, uniqueEmail('gate'));
    const authenticator = new SoftAuthenticator(ORIGIN);
    const { startPasskeyRegistration: start } = await client.request(StartPasskeyRegistrationDocument);
    await client.request(FinishPasskeyRegistrationDocument, {
      input: { challengeId: start.challengeId, response: authenticator.register(start.options).response },
    });
    return authenticator;
  }

  async function signInWith(authenticator: SoftAuthenticator, userVerified: boolean) {
    const { startPasskeyAuthentication: start } = await t.client().request(StartPasskeyAuthenticationDocument, { input: {} });
    return passkeys.finishAuthentication({ challengeId: start.challengeId, response: authenticator.assert(start.options, { userVerified }) }, meta);
  }

  test('user verification: aal2, the gate lets it through and a session starts', async () => {
    const issued = await signInWith(await registered(), true);
    expect('refused' in issued).toBe(false);
    expect(gateSaw.at(-1)!.amr).toEqual(['hwk', 'pin']);
    expect(gateSaw.at(-1)!.method).toBe('passkey');
  });

  test('user verification missing: one factor, the gate answers MFA_REQUIRED (returned, so the counter update commits)', async () => {
    const authenticator = await registered();
    const issued = await signInWith(authenticator, false);
    expect('refused' in issued && issued.refused.code).toBe('MFA_REQUIRED');
    expect(gateSaw.at(-1)!.amr).toEqual(['hwk', 'user']);
    // The assertion was spent: the stored counter moved, so the same signature cannot be replayed.
    const rows = (await t.app.dataSource.query(`SELECT counter FROM ${t.table('passkeys')} WHERE credential_id = $1`, [
      authenticator.credentials[0]!.id.toString('base64url'),
    ])) as { counter: string }[];
    expect(Number(rows[0]!.counter)).toBe(1);
  });
});
