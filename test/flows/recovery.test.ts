import bcrypt from 'bcryptjs';
import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { codeFrom, linkFrom } from '../support/smtp-inbox';
import { PASSWORD, logIn, signUpAndVerify, uniqueEmail } from '../support/flows';
import { PasswordHasher } from '../../src/crypto/password-hasher';
import {
  LoginDocument,
  RequestMagicLinkDocument,
  RequestPasswordResetDocument,
  ResetPasswordDocument,
  VerifyMagicLinkDocument,
  VerifyOtpDocument,
} from '../graphql/generated/graphql';

/** The real hasher, counting the hashes it is asked for. */
class CountingHasher extends PasswordHasher {
  hashes = 0;
  override hash(password: string): Promise<string> {
    this.hashes += 1;
    return super.hash(password);
  }
}

const NEW_PASSWORD = 'a brand new passphrase 42';

describe('recovery: a reset voids every way in; one live link; no hash for a bad reset; rehash at login', () => {
  let t: TestApp;
  const hasher = new CountingHasher({ cost: 5, maxQueue: 64, threads: 1 });
  beforeAll(async () => {
    t = await startTestApp({ env: { BCRYPT_COST: '5', RATE_LIMIT_SENDS_PER_HOUR: '1000' }, overrides: { passwordHasher: hasher } });
  });
  afterAll(() => t.close());

  const tokenOf = (mail: Parameters<typeof linkFrom>[0]) => linkFrom(mail).searchParams.get('token')!;

  test('a password reset voids a pending magic link and a pending LOGIN code', async () => {
    const email = uniqueEmail('voids');
    await signUpAndVerify(t, t.client(), email);
    const client = t.client();
    const { login } = await client.request(LoginDocument, { input: { email, password: PASSWORD } });
    const loginCode = codeFrom(await t.inbox.waitForMail(email, 2));
    await client.request(RequestMagicLinkDocument, { input: { email } });
    const magicToken = tokenOf(await t.inbox.waitForMail(email, 3));
    const { requestPasswordReset } = await client.request(RequestPasswordResetDocument, { input: { email } });
    const resetCode = codeFrom(await t.inbox.waitForMail(email, 4));

    await client.request(ResetPasswordDocument, { input: { challengeId: requestPasswordReset.challengeId, code: resetCode, newPassword: NEW_PASSWORD } });

    expect((await client.error(client.request(VerifyOtpDocument, { input: { challengeId: login.challengeId, code: loginCode } }))).code).toBe('OTP_EXPIRED');
    expect((await client.error(client.request(VerifyMagicLinkDocument, { token: magicToken }))).code).toBe('INVALID_TOKEN');
    const live = await t.app.dataSource.query(
      `SELECT c.id FROM ${t.table('otp_challenges')} c JOIN ${t.table('users')} u ON u.id = c.user_id WHERE u.email = $1 AND c.consumed_at IS NULL`,
      [email],
    );
    expect(live).toHaveLength(0);
  });

  test('ten concurrent requestMagicLink calls leave exactly one live link, and only that one signs in', async () => {
    const email = uniqueEmail('tenlinks');
    await signUpAndVerify(t, t.client(), email);
    await Promise.all(Array.from({ length: 10 }, () => t.client().request(RequestMagicLinkDocument, { input: { email } })));
    const mails = [];
    for (let n = 2; n <= 11; n += 1) mails.push(await t.inbox.waitForMail(email, n));
    const live = await t.app.dataSource.query(
      `SELECT m.id FROM ${t.table('magic_link_tokens')} m JOIN ${t.table('users')} u ON u.id = m.user_id WHERE u.email = $1 AND m.consumed_at IS NULL`,
      [email],
    );
    expect(live).toHaveLength(1);
    const results = await Promise.allSettled(mails.map((m) => t.client().request(VerifyMagicLinkDocument, { token: tokenOf(m) })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  test('concurrent requestPasswordReset calls leave exactly one live reset link', async () => {
    const email = uniqueEmail('fiveresets');
    await signUpAndVerify(t, t.client(), email);
    await Promise.all(Array.from({ length: 5 }, () => t.client().request(RequestPasswordResetDocument, { input: { email } })));
    const live = await t.app.dataSource.query(
      `SELECT r.id FROM ${t.table('password_reset_tokens')} r JOIN ${t.table('users')} u ON u.id = r.user_id WHERE u.email = $1 AND r.consumed_at IS NULL`,
      [email],
    );
    expect(live).toHaveLength(1);
  });

  test('resetPassword with a bad token or a wrong code costs no password hash; a good one costs one', async () => {
    const email = uniqueEmail('nohash');
    await signUpAndVerify(t, t.client(), email);
    const client = t.client();
    const { requestPasswordReset } = await client.request(RequestPasswordResetDocument, { input: { email } });
    const code = codeFrom(await t.inbox.waitForMail(email, 2));
    const wrong = code === '000000' ? '111111' : '000000';
    const before = hasher.hashes;

    const bad = [
      client.request(ResetPasswordDocument, { input: { token: 'garbage', newPassword: NEW_PASSWORD } }),
      client.request(ResetPasswordDocument, { input: { token: `${randomUUID()}.${'A'.repeat(43)}`, newPassword: NEW_PASSWORD } }),
      client.request(ResetPasswordDocument, { input: { challengeId: requestPasswordReset.challengeId, code: wrong, newPassword: NEW_PASSWORD } }),
    ];
    const codes = [];
    for (const call of bad) codes.push((await client.error(call)).code);
    expect(codes).toEqual(['INVALID_TOKEN', 'INVALID_TOKEN', 'INVALID_OTP']);
    expect(hasher.hashes).toBe(before);

    await client.request(ResetPasswordDocument, { input: { challengeId: requestPasswordReset.challengeId, code, newPassword: NEW_PASSWORD } });
    expect(hasher.hashes).toBe(before + 1);

    // The link from the same mail is now used: refused, still without a hash.
    const usedLink = tokenOf(await t.inbox.waitForMail(email, 2));
    expect((await client.error(client.request(ResetPasswordDocument, { input: { token: usedLink, newPassword: NEW_PASSWORD } }))).code).toBe('INVALID_TOKEN');
    expect(hasher.hashes).toBe(before + 1);
  });

  test('a password hashed at an older bcrypt cost is re-hashed at BCRYPT_COST on the next successful login', async () => {
    const email = uniqueEmail('rehash');
    const { user } = await signUpAndVerify(t, t.client(), email);
    const storedHash = async (): Promise<string> =>
      (await t.app.dataSource.query(`SELECT password_hash FROM ${t.table('password_credentials')} WHERE user_id = $1`, [user.id]))[0].password_hash;
    const old = bcrypt.hashSync(PasswordHasher.prehash(PASSWORD), 4);
    await t.app.dataSource.query(`UPDATE ${t.table('password_credentials')} SET password_hash = $2 WHERE user_id = $1`, [user.id, old]);
    expect(bcrypt.getRounds(await storedHash())).toBe(4);

    // A wrong password changes nothing.
    expect((await t.client().error(t.client().request(LoginDocument, { input: { email, password: 'not the password' } }))).code).toBe('INVALID_CREDENTIALS');
    expect(await storedHash()).toBe(old);

    await logIn(t, t.client(), email, PASSWORD);
    const now = await storedHash();
    expect(now).not.toBe(old);
    expect(bcrypt.getRounds(now)).toBe(5);
    await logIn(t, t.client(), email, PASSWORD); // the new hash checks out
  });
});
