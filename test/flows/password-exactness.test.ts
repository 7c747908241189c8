import { startTestApp, type TestApp } from '../support/start-test-app';
import { logIn, signUpAndVerify, uniqueEmail } from '../support/flows';
import { LoginDocument, SignupDocument } from '../graphql/generated/graphql';
import { countRows } from '../support/attack';

jest.setTimeout(60_000);

describe('passwords are verified exactly', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  test('two different lone surrogates cannot both open one account: both are refused, before any account exists', async () => {
    const client = t.client();
    const email = uniqueEmail('surrogate');
    for (const password of ['long enough \ud800 pass', 'long enough \udbff pass']) {
      const error = await client.error(client.request(SignupDocument, { input: { email, password } }));
      expect(error).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'input.password' } });
    }
    expect(await countRows(t, `SELECT count(*) AS n FROM {users} WHERE email = $1`, [email])).toBe(0);

    // An account whose password is well-formed: lone surrogates (once U+FFFD) and NUL never reach the hash.
    const owner = uniqueEmail('exact');
    const password = 'long enough \ufffd pass';
    await signUpAndVerify(t, client, owner, password);
    for (const guess of ['long enough \ud800 pass', 'long enough \udc00 pass', 'long enough \u0000 pass']) {
      const error = await client.error(client.request(LoginDocument, { input: { email: owner, password: guess } }));
      expect(error).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'input.password' } });
    }
    await expect(logIn(t, client, owner, password)).resolves.toMatchObject({ user: { email: owner } });
  });

  test('nothing is case-folded or truncated, and a surrogate pair counts as itself', async () => {
    const client = t.client();
    const owner = uniqueEmail('pair');
    const password = 'Emoji \ud83d\ude00 Password';
    await signUpAndVerify(t, client, owner, password);
    for (const guess of ['emoji \ud83d\ude00 password', 'Emoji \ud83d\ude01 Password', 'Emoji \ud83d\ude00 Passwor', `${password}x`]) {
      const error = await client.error(client.request(LoginDocument, { input: { email: owner, password: guess } }));
      expect(error.code).toBe('INVALID_CREDENTIALS');
    }
    await expect(logIn(t, client, owner, password)).resolves.toMatchObject({ user: { email: owner } });
  });
});
