import type { TestApp } from './start-test-app';
import type { WardenClient } from './graphql-client';
import type { TestClock } from './flows';
import { signUpAndVerify, uniqueEmail } from './flows';
import { codeAt } from './totp-ref';
import { ConfirmTotpEnrollmentDocument, RequestReauthenticationDocument, StartTotpEnrollmentDocument, VerifyOtpDocument } from '../graphql/generated/graphql';

export interface TwoFactorUser {
  email: string;
  userId: string;
  client: WardenClient;
  /** The authenticator app's secret (base32). */
  secret: string;
}

export const jwtClaims = (jwt: string | null) => JSON.parse(Buffer.from(jwt!.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

/**
 * A signed-up user with an authenticator app, signed in on `client` (aal1: emailed code). The clock moves 30 s
 * after each code so that none is refused as replayed.
 */
export async function userWithAuthenticator(t: TestApp, clock: TestClock, email = uniqueEmail('admin'), client = t.client()): Promise<TwoFactorUser> {
  const payload = await signUpAndVerify(t, client, email);
  const { startTotpEnrollment: e } = await client.request(StartTotpEnrollmentDocument);
  clock.advance(30);
  await client.request(ConfirmTotpEnrollmentDocument, { input: { factorId: e.factorId, code: codeAt(e.secret, clock.now()) } });
  clock.advance(30);
  return { email, userId: payload.user.id, client, secret: e.secret };
}

/** requestReauthentication + verifyOtp with the authenticator: the client's session becomes aal2, authenticated now. */
export async function raiseToAal2(clock: TestClock, user: TwoFactorUser): Promise<string> {
  clock.advance(30);
  const { requestReauthentication } = await user.client.request(RequestReauthenticationDocument);
  const { verifyOtp } = await user.client.request(VerifyOtpDocument, {
    input: { challengeId: requestReauthentication.challengeId, code: codeAt(user.secret, clock.now()) },
  });
  user.client.accessToken = verifyOtp.accessToken;
  return verifyOtp.accessToken;
}
