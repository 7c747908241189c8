import type { TestApp } from './start-test-app';
import type { WardenClient } from './graphql-client';
import { codeFrom } from './smtp-inbox';
import { LoginDocument, SignupDocument, VerifyOtpDocument, type AuthPayloadFieldsFragment } from '../graphql/generated/graphql';

export const PASSWORD = 'correct horse battery staple';

let n = 0;
/** A fresh address per call, so tests in one file never share an account. */
export function uniqueEmail(label = 'user'): string {
  return `${label}.${Date.now().toString(36)}.${n++}@example.com`;
}

/** signup → SIGNUP code from the real inbox → verifyOtp. Leaves the client signed in (bearer token set). */
export async function signUpAndVerify(t: TestApp, client: WardenClient, email = uniqueEmail(), password = PASSWORD): Promise<AuthPayloadFieldsFragment> {
  const before = t.inbox.mailsTo(email).length;
  const { signup } = await client.request(SignupDocument, { input: { email, password } });
  const mail = await t.inbox.waitForMail(email, before + 1);
  const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId: signup.challengeId, code: codeFrom(mail) } });
  client.accessToken = verifyOtp.accessToken;
  return verifyOtp;
}

/** login → LOGIN code from the real inbox → verifyOtp. */
export async function logIn(t: TestApp, client: WardenClient, email: string, password = PASSWORD): Promise<AuthPayloadFieldsFragment> {
  const before = t.inbox.mailsTo(email).length;
  const { login } = await client.request(LoginDocument, { input: { email, password } });
  const mail = await t.inbox.waitForMail(email, before + 1);
  const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId: login.challengeId, code: codeFrom(mail) } });
  client.accessToken = verifyOtp.accessToken;
  return verifyOtp;
}

/** A clock the app reads through AppOverrides.now; tests move it forward. */
export class TestClock {
  offsetMs = 0;
  readonly now = () => new Date(Date.now() + this.offsetMs);
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
}
