import { startTestApp, type TestApp } from '../support/start-test-app';
import { PASSWORD, TestClock, uniqueEmail } from '../support/flows';
import { raiseToAal2, userWithAuthenticator } from '../support/admins';
import { ChangePasswordDocument, RemoveMfaFactorDocument, RequestEmailChangeDocument, ViewerMfaDocument } from '../graphql/generated/graphql';

const clock = new TestClock();

/**
 * changePassword asks for the current password, not the second factor: it must not count as re-authentication
 * (review finding). Before, it stamped the session's authentication time, so an old stolen aal2 session plus the
 * password could remove the authenticator and start an email change without ever giving a TOTP code.
 */
describe('changePassword is not re-authentication', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ overrides: { now: clock.now }, env: { REAUTH_MAX_AGE_SECONDS: '300' } });
  });
  afterAll(() => t?.close());

  test('an old aal2 session with the password: after changePassword, removeMfaFactor and requestEmailChange still need re-authentication', async () => {
    const victim = await userWithAuthenticator(t, clock, uniqueEmail('old-session'));
    await raiseToAal2(clock, victim);
    clock.advance(400); // older than REAUTH_MAX_AGE_SECONDS
    const stolen = victim.client;
    const factorId = (await stolen.query(ViewerMfaDocument)).viewer!.mfaFactors[0]!.id;
    expect(await stolen.error(stolen.request(RemoveMfaFactorDocument, { id: factorId }))).toMatchObject({ code: 'REAUTHENTICATION_REQUIRED' });

    const { changePassword } = await stolen.request(ChangePasswordDocument, {
      input: { currentPassword: PASSWORD, newPassword: 'another horse battery staple 42' },
    });
    // The session goes on with new tokens (its amr, aal and authentication time unchanged).
    expect(changePassword.accessToken).toEqual(expect.any(String));
    stolen.accessToken = changePassword.accessToken;
    expect(await stolen.error(stolen.request(RemoveMfaFactorDocument, { id: factorId }))).toMatchObject({ code: 'REAUTHENTICATION_REQUIRED' });
    expect(await stolen.error(stolen.request(RequestEmailChangeDocument, { input: { newEmail: uniqueEmail('taker') } }))).toMatchObject({
      code: 'REAUTHENTICATION_REQUIRED',
    });
    expect((await stolen.query(ViewerMfaDocument)).viewer!.mfaFactors).toHaveLength(1);
  });
});
