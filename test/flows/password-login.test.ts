import { startTestApp, type TestApp } from '../support/start-test-app';
import { codeFrom } from '../support/smtp-inbox';
import { PASSWORD, signUpAndVerify, uniqueEmail } from '../support/flows';
import { LoginDocument, SignupDocument, VerifyOtpDocument } from '../graphql/generated/graphql';

describe('password login with an emailed code as second step', () => {
  let t: TestApp;
  let email: string;
  beforeAll(async () => {
    t = await startTestApp();
    email = uniqueEmail('login');
    await signUpAndVerify(t, t.client(), email);
  });
  afterAll(() => t.close());

  test('the right password emails a LOGIN code that signs in', async () => {
    const client = t.client();
    const { login } = await client.request(LoginDocument, { input: { email: email.toUpperCase(), password: PASSWORD } });
    expect(login).toMatchObject({ channel: 'EMAIL', purpose: 'LOGIN' });
    const mail = await t.inbox.waitForMail(email, 2);
    expect(mail.subject).toMatch(/is your Warden code/);
    const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId: login.challengeId, code: codeFrom(mail) } });
    expect(verifyOtp.user.email).toBe(email);
  });

  test('a wrong password and an unknown email fail alike with INVALID_CREDENTIALS and send nothing', async () => {
    const client = t.client();
    const mailsBefore = t.inbox.mails.length;
    const wrong = await client.error(client.request(LoginDocument, { input: { email, password: 'not the password at all' } }));
    const unknown = await client.error(client.request(LoginDocument, { input: { email: uniqueEmail('nobody'), password: PASSWORD } }));
    expect(wrong.code).toBe('INVALID_CREDENTIALS');
    expect(unknown.code).toBe('INVALID_CREDENTIALS');
    expect(unknown.message).toBe(wrong.message);
    expect(Object.keys(unknown.extensions).sort()).toEqual(Object.keys(wrong.extensions).sort());
    await new Promise((r) => setTimeout(r, 200));
    expect(t.inbox.mails.length).toBe(mailsBefore);
  });

  test('two passwords that share their first 72 bytes are not interchangeable', async () => {
    const client = t.client();
    const shared = 'x'.repeat(72);
    const owner = uniqueEmail('long');
    await signUpAndVerify(t, client, owner, shared + 'first-suffix');
    const err = await client.error(client.request(LoginDocument, { input: { email: owner, password: shared + 'other-suffix' } }));
    expect(err.code).toBe('INVALID_CREDENTIALS');
    const ok = await client.request(LoginDocument, { input: { email: owner, password: shared + 'first-suffix' } });
    expect(ok.login.purpose).toBe('LOGIN');
  });

  test.each([
    ['short', 'Ab1!xyz', 'WEAK_PASSWORD'],
    ['common', 'password123', 'WEAK_PASSWORD'],
    ['over 128 characters', 'a-long-passphrase '.repeat(8), 'WEAK_PASSWORD'],
  ])('signup refuses a %s password with WEAK_PASSWORD and creates nothing', async (_label, password, code) => {
    const client = t.client();
    const address = uniqueEmail('weak');
    const err = await client.error(client.request(SignupDocument, { input: { email: address, password } }));
    expect(err.code).toBe(code);
    const rows = await t.app.dataSource.query(`SELECT count(*)::int AS n FROM ${t.table('users')} WHERE email = $1`, [address]);
    expect(rows[0].n).toBe(0);
    expect(t.inbox.mailsTo(address)).toHaveLength(0);
  });

  test('an unverified account can log in with its password and the LOGIN code verifies its email', async () => {
    const client = t.client();
    const address = uniqueEmail('unverified');
    await client.request(SignupDocument, { input: { email: address, password: PASSWORD } });
    await t.inbox.waitForMail(address, 1);
    const { login } = await client.request(LoginDocument, { input: { email: address, password: PASSWORD } });
    const mail = await t.inbox.waitForMail(address, 2);
    const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId: login.challengeId, code: codeFrom(mail) } });
    expect(verifyOtp.user.emailVerified).toBe(true);
  });

  test('passwords are stored only as bcrypt hashes', async () => {
    const rows = await t.app.dataSource.query(
      `SELECT c.password_hash FROM ${t.table('password_credentials')} c JOIN ${t.table('users')} u ON u.id = c.user_id WHERE u.email = $1`,
      [email],
    );
    expect(rows[0].password_hash).toMatch(/^\$2[aby]\$04\$/);
    expect(rows[0].password_hash).not.toContain(PASSWORD);
  });
});
