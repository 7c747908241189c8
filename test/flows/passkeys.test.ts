import { startTestApp, type TestApp } from '../support/start-test-app';
import type { WardenClient } from '../support/graphql-client';
import { signUpAndVerify, uniqueEmail, TestClock } from '../support/flows';
import { SoftAuthenticator, userHandleOf } from '../support/soft-authenticator';
import {
  FinishPasskeyAuthenticationDocument,
  FinishPasskeyRegistrationDocument,
  RemovePasskeyDocument,
  RenamePasskeyDocument,
  StartPasskeyAuthenticationDocument,
  StartPasskeyRegistrationDocument,
  ViewerPasskeysDocument,
} from '../graphql/generated/graphql';

/**
 * Passkeys end to end over HTTP, with real WebAuthn responses from a software authenticator (ES256, fmt none):
 * registration, sign-in by email and usernameless, and every refusal the issue lists.
 */
jest.setTimeout(120_000);

const ORIGIN = 'http://app.test';
const RP_ID = 'app.test';

function claims(accessToken: string): { amr: string[]; aal: string } {
  return JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString('utf8')) as { amr: string[]; aal: string };
}

describe('passkeys', () => {
  let t: TestApp;
  const clock = new TestClock();

  beforeAll(async () => {
    t = await startTestApp({ env: { REAUTH_MAX_AGE_SECONDS: '300' }, overrides: { now: clock.now } });
  });
  afterAll(() => t?.close());

  /** A signed-up user with one passkey on `authenticator`. */
  async function userWithPasskey(label: string, authenticator = new SoftAuthenticator(ORIGIN), name: string | null = 'Laptop') {
    const client = t.client();
    const email = uniqueEmail(label);
    const session = await signUpAndVerify(t, client, email);
    const { startPasskeyRegistration: start } = await client.request(StartPasskeyRegistrationDocument);
    const { response, credential } = authenticator.register(start.options);
    const { finishPasskeyRegistration: passkey } = await client.request(FinishPasskeyRegistrationDocument, {
      input: { challengeId: start.challengeId, response, name },
    });
    return { client, email, userId: session.user.id, passkey, credential, authenticator };
  }

  async function usernameless(client: WardenClient) {
    const { startPasskeyAuthentication } = await client.request(StartPasskeyAuthenticationDocument, { input: {} });
    return startPasskeyAuthentication;
  }

  async function invalid(client: WardenClient, challengeId: string, response: unknown): Promise<void> {
    const error = await client.error(client.request(FinishPasskeyAuthenticationDocument, { input: { challengeId, response } }));
    expect(error.code).toBe('INVALID_CREDENTIALS');
  }

  const passkeyRow = async (id: string) =>
    (
      (await t.app.dataSource.query(`SELECT counter, flagged_at, last_used_at FROM ${t.table('passkeys')} WHERE id = $1`, [id])) as {
        counter: string;
        flagged_at: Date | null;
        last_used_at: Date | null;
      }[]
    )[0];

  test('register (options as the contract fixes them) → listed on the viewer → a notice is mailed', async () => {
    const client = t.client();
    const email = uniqueEmail('register');
    const session = await signUpAndVerify(t, client, email);
    const { startPasskeyRegistration: start } = await client.request(StartPasskeyRegistrationDocument);
    expect(start.options).toMatchObject({
      rp: { id: RP_ID },
      user: { id: userHandleOf(session.user.id), name: email },
      attestation: 'none',
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'preferred' },
      excludeCredentials: [],
    });
    expect(new Date(start.expiresAt).getTime() - Date.now()).toBeGreaterThan(4 * 60_000);

    const authenticator = new SoftAuthenticator(ORIGIN);
    const before = t.inbox.mailsTo(email).length;
    const { response } = authenticator.register(start.options);
    const { finishPasskeyRegistration } = await client.request(FinishPasskeyRegistrationDocument, {
      input: { challengeId: start.challengeId, response, name: 'Work laptop' },
    });
    expect(finishPasskeyRegistration).toMatchObject({ name: 'Work laptop', backedUp: false, lastUsedAt: null });

    const { viewer } = await client.query(ViewerPasskeysDocument);
    expect(viewer!.passkeys.map((p) => p.id)).toEqual([finishPasskeyRegistration.id]);
    const mail = await t.inbox.waitForMail(email, before + 1);
    expect(mail.subject).toMatch(/passkey was added/i);

    // A second registration excludes the credential the user already has.
    const { startPasskeyRegistration: again } = await client.request(StartPasskeyRegistrationDocument);
    expect(again.options.excludeCredentials).toEqual([{ id: response.id, type: 'public-key', transports: ['internal', 'hybrid'] }]);
  });

  test('a long credential id (86 base64url characters) passes the input guard: JSON scalars are checked by their own rules', async () => {
    const client = t.client();
    await signUpAndVerify(t, client, uniqueEmail('longid'));
    const { startPasskeyRegistration: start } = await client.request(StartPasskeyRegistrationDocument);
    const { response } = new SoftAuthenticator(ORIGIN).register(start.options, { credentialIdLength: 64 });
    expect(response.id.length).toBe(86);
    await expect(client.request(FinishPasskeyRegistrationDocument, { input: { challengeId: start.challengeId, response } })).resolves.toBeTruthy();
  });

  test('a JSON response carrying a NUL or a control character is refused as BAD_USER_INPUT', async () => {
    const client = t.client();
    await signUpAndVerify(t, client, uniqueEmail('nul'));
    const { startPasskeyRegistration: start } = await client.request(StartPasskeyRegistrationDocument);
    const { response } = new SoftAuthenticator(ORIGIN).register(start.options);
    const error = await client.error(
      client.request(FinishPasskeyRegistrationDocument, { input: { challengeId: start.challengeId, response: { ...response, id: `${response.id}\u0000` } } }),
    );
    expect(error.code).toBe('BAD_USER_INPUT');
    const { viewer } = await client.query(ViewerPasskeysDocument);
    expect(viewer!.passkeys).toEqual([]);
  });

  test('usernameless sign-in with user verification: aal2 (hwk + pin), counter and last use stored', async () => {
    const { passkey, authenticator, userId } = await userWithPasskey('usernameless');
    const client = t.client();
    const start = await usernameless(client);
    expect(start.options).toMatchObject({ rpId: RP_ID, allowCredentials: [], userVerification: 'preferred' });
    const { finishPasskeyAuthentication } = await client.request(FinishPasskeyAuthenticationDocument, {
      input: { challengeId: start.challengeId, response: authenticator.assert(start.options) },
    });
    expect(finishPasskeyAuthentication.user.id).toBe(userId);
    expect(claims(finishPasskeyAuthentication.accessToken)).toMatchObject({ amr: ['hwk', 'pin'], aal: 'aal2' });
    const row = await passkeyRow(passkey.id);
    expect(Number(row!.counter)).toBe(1);
    expect(row!.last_used_at).not.toBeNull();
  });

  test('without user verification the passkey is one factor: aal1 (hwk + user), so a second-factor gate applies', async () => {
    const { authenticator } = await userWithPasskey('no-uv');
    const client = t.client();
    const start = await usernameless(client);
    const { finishPasskeyAuthentication } = await client.request(FinishPasskeyAuthenticationDocument, {
      input: { challengeId: start.challengeId, response: authenticator.assert(start.options, { userVerified: false }) },
    });
    expect(claims(finishPasskeyAuthentication.accessToken)).toMatchObject({ amr: ['hwk', 'user'], aal: 'aal1' });
  });

  test('sign-in by email offers no credential ids (discoverable passkeys only); only that account’s passkey finishes it', async () => {
    const { email, authenticator } = await userWithPasskey('by-email');
    const other = await userWithPasskey('by-email-other');
    const client = t.client();
    const { startPasskeyAuthentication: start } = await client.request(StartPasskeyAuthenticationDocument, { input: { email: email.toUpperCase() } });
    expect(start.options).toMatchObject({ rpId: RP_ID, allowCredentials: [], userVerification: 'preferred' });
    // Another account's passkey, picked in the browser's list, does not finish a ceremony started with this email.
    await invalid(client, start.challengeId, other.authenticator.assert(start.options));
    const { startPasskeyAuthentication: again } = await client.request(StartPasskeyAuthenticationDocument, { input: { email } });
    const { finishPasskeyAuthentication } = await client.request(FinishPasskeyAuthenticationDocument, {
      input: { challengeId: again.challengeId, response: authenticator.assert(again.options) },
    });
    expect(finishPasskeyAuthentication.user.email).toBe(email);
  });

  test('an unknown email gets the same options as a real account’s (no credential list to tell them apart), stable across requests', async () => {
    const { email } = await userWithPasskey('decoy-real');
    const client = t.client();
    const real = (await client.request(StartPasskeyAuthenticationDocument, { input: { email } })).startPasskeyAuthentication;
    const unknown = uniqueEmail('nobody');
    const decoy1 = (await client.request(StartPasskeyAuthenticationDocument, { input: { email: unknown } })).startPasskeyAuthentication;
    const decoy2 = (await client.request(StartPasskeyAuthenticationDocument, { input: { email: unknown } })).startPasskeyAuthentication;

    const shape = (o: any) => ({
      keys: Object.keys(o).sort(),
      rpId: o.rpId,
      userVerification: o.userVerification,
      timeout: o.timeout,
      challengeLength: o.challenge.length,
      credentialShape: o.allowCredentials.map((c: any) => ({ idLength: c.id.length, type: c.type, transports: c.transports.length > 0 })),
    });
    expect(shape(decoy1.options)).toEqual(shape(real.options));
    expect(real.options.allowCredentials).toEqual([]);
    // Asking twice does not tell an unknown email apart: the answer stays the same, only the challenge changes.
    expect(decoy2.options.allowCredentials).toEqual(decoy1.options.allowCredentials);
    expect(decoy2.options.challenge).not.toBe(decoy1.options.challenge);
    expect(decoy1.challengeId).not.toBe(decoy2.challengeId);
    // An unknown email's challenge signs no one in, even with a real passkey of another account.
    const other = await userWithPasskey('decoy-other');
    await invalid(client, decoy1.challengeId, other.authenticator.assert({ ...decoy1.options, rpId: RP_ID }));
  });

  test('a replayed assertion is refused, on its own challenge and on a fresh one', async () => {
    const { authenticator } = await userWithPasskey('replay');
    const client = t.client();
    const start = await usernameless(client);
    const assertion = authenticator.assert(start.options);
    await client.request(FinishPasskeyAuthenticationDocument, { input: { challengeId: start.challengeId, response: assertion } });
    await invalid(client, start.challengeId, assertion);
    const fresh = await usernameless(client);
    await invalid(client, fresh.challengeId, assertion);
  });

  test('a registration challenge does not finish an authentication', async () => {
    const { client, authenticator } = await userWithPasskey('ceremony');
    const { startPasskeyRegistration: reg } = await client.request(StartPasskeyRegistrationDocument);
    // A valid assertion over the registration challenge, sent to finishPasskeyAuthentication with its challengeId.
    const assertion = authenticator.assert({ rpId: RP_ID, challenge: reg.options.challenge });
    await invalid(t.client(), reg.challengeId, assertion);
    // And a registration response (webauthn.create) is not an assertion.
    const start = await usernameless(t.client());
    const { response } = new SoftAuthenticator(ORIGIN).register({ ...reg.options, challenge: start.options.challenge });
    await invalid(t.client(), start.challengeId, response);
  });

  test('a userHandle that is not the credential’s owner is refused', async () => {
    const a = await userWithPasskey('owner-a');
    const b = await userWithPasskey('owner-b');
    const client = t.client();
    const start = await usernameless(client);
    await invalid(client, start.challengeId, a.authenticator.assert(start.options, { userHandle: userHandleOf(b.userId) }));
    // Usernameless needs the handle at all.
    const again = await usernameless(client);
    await invalid(client, again.challengeId, a.authenticator.assert(again.options, { userHandle: null }));
  });

  test('a counter that goes backwards is refused and flags the passkey (cloned authenticator): it no longer signs in', async () => {
    const { authenticator, passkey } = await userWithPasskey('clone');
    const client = t.client();
    for (let i = 0; i < 3; i++) {
      const start = await usernameless(client);
      await client.request(FinishPasskeyAuthenticationDocument, { input: { challengeId: start.challengeId, response: authenticator.assert(start.options) } });
    }
    expect(Number((await passkeyRow(passkey.id))!.counter)).toBe(3);
    const cloned = await usernameless(client);
    await invalid(client, cloned.challengeId, authenticator.assert(cloned.options, { signCount: 2 }));
    expect((await passkeyRow(passkey.id))!.flagged_at).not.toBeNull();
    // The genuine authenticator, counter moving on, is refused too until the owner removes the passkey.
    const next = await usernameless(client);
    await invalid(client, next.challengeId, authenticator.assert(next.options, { signCount: 10 }));
  });

  test('a credential id already registered (to anyone) is refused; nothing is written', async () => {
    const a = await userWithPasskey('dup-a');
    const b = t.client();
    await signUpAndVerify(t, b, uniqueEmail('dup-b'));
    const { startPasskeyRegistration: start } = await b.request(StartPasskeyRegistrationDocument);
    const { response } = a.authenticator.register(start.options, { reuse: a.credential });
    const error = await b.error(b.request(FinishPasskeyRegistrationDocument, { input: { challengeId: start.challengeId, response } }));
    expect(error.code).toBe('INVALID_CREDENTIALS');
    const { viewer } = await b.query(ViewerPasskeysDocument);
    expect(viewer!.passkeys).toEqual([]);
  });

  test('an origin outside WEBAUTHN_ORIGINS is refused, at registration and at sign-in', async () => {
    const { authenticator } = await userWithPasskey('origin');
    const client = t.client();
    const start = await usernameless(client);
    await invalid(client, start.challengeId, authenticator.assert(start.options, { origin: 'https://app.test.evil.example' }));

    const c = t.client();
    await signUpAndVerify(t, c, uniqueEmail('origin-reg'));
    const { startPasskeyRegistration: reg } = await c.request(StartPasskeyRegistrationDocument);
    const { response } = new SoftAuthenticator('http://evil.test').register(reg.options);
    const error = await c.error(c.request(FinishPasskeyRegistrationDocument, { input: { challengeId: reg.challengeId, response } }));
    expect(error.code).toBe('INVALID_CREDENTIALS');
  });

  test('a registration challenge is single use and belongs to the user who started it', async () => {
    const a = t.client();
    await signUpAndVerify(t, a, uniqueEmail('reg-owner'));
    const { startPasskeyRegistration: start } = await a.request(StartPasskeyRegistrationDocument);
    const b = t.client();
    await signUpAndVerify(t, b, uniqueEmail('reg-thief'));
    const { response } = new SoftAuthenticator(ORIGIN).register(start.options);
    expect((await b.error(b.request(FinishPasskeyRegistrationDocument, { input: { challengeId: start.challengeId, response } }))).code).toBe(
      'INVALID_CREDENTIALS',
    );
    // The attempt used it up.
    expect((await a.error(a.request(FinishPasskeyRegistrationDocument, { input: { challengeId: start.challengeId, response } }))).code).toBe(
      'INVALID_CREDENTIALS',
    );
  });

  test('a challenge lives 5 minutes (the key-value entry carries that TTL)', async () => {
    const client = t.client();
    const start = await usernameless(client);
    const leftMs = new Date(start.expiresAt).getTime() - clock.now().getTime();
    expect(leftMs).toBeGreaterThan(290_000);
    expect(leftMs).toBeLessThanOrEqual(300_000);
    expect(start.options.timeout).toBe(300_000);
  });

  test('rename: only the owner can, other users get BAD_USER_INPUT', async () => {
    const { client, passkey } = await userWithPasskey('rename');
    const { renamePasskey } = await client.request(RenamePasskeyDocument, { id: passkey.id, name: 'Phone' });
    expect(renamePasskey).toEqual({ id: passkey.id, name: 'Phone' });
    const other = await userWithPasskey('rename-other');
    const error = await other.client.error(other.client.request(RenamePasskeyDocument, { id: passkey.id, name: 'Mine' }));
    expect(error.code).toBe('BAD_USER_INPUT');
    const { viewer } = await client.query(ViewerPasskeysDocument);
    expect(viewer!.passkeys[0]!.name).toBe('Phone');
  });

  test('remove: recent authentication, a notice, and never the last way in', async () => {
    const authenticator = new SoftAuthenticator(ORIGIN);
    const { client, passkey, email, userId } = await userWithPasskey('remove', authenticator);
    const { startPasskeyRegistration: start } = await client.request(StartPasskeyRegistrationDocument);
    const second = authenticator.register(start.options);
    const { finishPasskeyRegistration: passkey2 } = await client.request(FinishPasskeyRegistrationDocument, {
      input: { challengeId: start.challengeId, response: second.response },
    });

    // Leave the passkeys as the only ways in: no password, no verified email.
    await t.app.dataSource.query(`DELETE FROM ${t.table('password_credentials')} WHERE user_id = $1`, [userId]);
    await t.app.dataSource.query(`UPDATE ${t.table('users')} SET email_verified = false WHERE id = $1`, [userId]);

    const before = t.inbox.mailsTo(email).length;
    await expect(client.request(RemovePasskeyDocument, { id: passkey.id })).resolves.toEqual({ removePasskey: true });
    expect((await t.inbox.waitForMail(email, before + 1)).subject).toMatch(/passkey was removed/i);
    expect((await client.error(client.request(RemovePasskeyDocument, { id: passkey2.id }))).code).toBe('LAST_SIGN_IN_METHOD');
    const { viewer } = await client.query(ViewerPasskeysDocument);
    expect(viewer!.passkeys.map((p) => p.id)).toEqual([passkey2.id]);

    // Later than REAUTH_MAX_AGE_SECONDS after signing in: removal and registration ask for re-authentication.
    clock.advance(400);
    try {
      expect((await client.error(client.request(RemovePasskeyDocument, { id: passkey2.id }))).code).toBe('REAUTHENTICATION_REQUIRED');
      expect((await client.error(client.request(StartPasskeyRegistrationDocument))).code).toBe('REAUTHENTICATION_REQUIRED');
    } finally {
      clock.advance(-400);
    }
  });
});

describe('passkey rate limits, per field', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_IP_PER_MINUTE: '3' } });
  });
  afterAll(() => t?.close());

  test('each passkey mutation has its own per-IP budget', async () => {
    const client = t.client();
    for (let i = 0; i < 3; i++) await client.request(StartPasskeyAuthenticationDocument, { input: {} });
    const limited = await client.error(client.request(StartPasskeyAuthenticationDocument, { input: {} }));
    expect(limited.code).toBe('RATE_LIMITED');
    expect(limited.extensions.retryAfter).toBeGreaterThan(0);
    // finishPasskeyAuthentication counts separately: its first three tries reach the service (INVALID_CREDENTIALS).
    for (let i = 0; i < 3; i++) {
      const error = await client.error(
        client.request(FinishPasskeyAuthenticationDocument, { input: { challengeId: '00000000-0000-4000-8000-000000000000', response: {} } }),
      );
      expect(error.code).toBe('INVALID_CREDENTIALS');
    }
    expect(
      (
        await client.error(
          client.request(FinishPasskeyAuthenticationDocument, { input: { challengeId: '00000000-0000-4000-8000-000000000000', response: {} } }),
        )
      ).code,
    ).toBe('RATE_LIMITED');
  });
});
