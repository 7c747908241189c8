import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { SignJWT, decodeJwt, decodeProtectedHeader, createLocalJWKSet, jwtVerify } from 'jose';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { signUpAndVerify, TestClock } from '../support/flows';
import { ViewerBasicDocument } from '../graphql/generated/graphql';

const clock = new TestClock();
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('access tokens: signed JWTs verifiable from the JWKS; anything else is UNAUTHENTICATED', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await startTestApp({ overrides: { now: clock.now } });
    token = (await signUpAndVerify(t, t.client())).accessToken;
  });
  afterAll(() => t.close());

  const viewerWith = (bearer: string) => {
    const client = t.client();
    client.accessToken = bearer;
    return client;
  };

  test('the token verifies against /.well-known/jwks.json with the kid in its header, issuer PUBLIC_URL, 15 minutes', async () => {
    const jwks = (await (await fetch(`${t.url}/.well-known/jwks.json`)).json()) as { keys: Record<string, string>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(jwks.keys[0].d).toBeUndefined();
    const header = decodeProtectedHeader(token);
    expect(header).toMatchObject({ alg: 'EdDSA', kid: jwks.keys[0].kid });
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: 'http://warden.test', currentDate: clock.now() });
    expect(payload.exp! - payload.iat!).toBe(15 * 60);
    expect(typeof payload.sid).toBe('string');
  });

  test('a tampered payload is refused', async () => {
    const [h, , s] = token.split('.');
    const claims = decodeJwt(token);
    const forged = `${h}.${b64({ ...claims, sub: '00000000-0000-4000-8000-000000000000' })}.${s}`;
    expect((await t.client().error(viewerWith(forged).query(ViewerBasicDocument))).code).toBe('UNAUTHENTICATED');
  });

  test('alg: none is refused', async () => {
    const claims = decodeJwt(token);
    const unsigned = `${b64({ alg: 'none', typ: 'at+jwt', kid: decodeProtectedHeader(token).kid })}.${b64(claims)}.`;
    expect((await t.client().error(viewerWith(unsigned).query(ViewerBasicDocument))).code).toBe('UNAUTHENTICATED');
  });

  test('a token signed by another key with the same kid is refused', async () => {
    const other = generateKeyPairSync('ed25519').privateKey;
    const claims = decodeJwt(token);
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: decodeProtectedHeader(token).kid, typ: 'at+jwt' }).sign(other);
    expect((await t.client().error(viewerWith(forged).query(ViewerBasicDocument))).code).toBe('UNAUTHENTICATED');
  });

  test('an HS256 token made with the public key as secret is refused', async () => {
    const jwks = (await (await fetch(`${t.url}/.well-known/jwks.json`)).json()) as { keys: Record<string, string>[] };
    const claims = decodeJwt(token);
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: jwks.keys[0].kid, typ: 'at+jwt' })
      .sign(Buffer.from(JSON.stringify(jwks.keys[0])));
    expect((await t.client().error(viewerWith(forged).query(ViewerBasicDocument))).code).toBe('UNAUTHENTICATED');
  });

  test('an expired token is refused', async () => {
    clock.advance(15 * 60 + 5);
    try {
      expect((await t.client().error(viewerWith(token).query(ViewerBasicDocument))).code).toBe('UNAUTHENTICATED');
    } finally {
      clock.advance(-(15 * 60 + 5));
    }
  });

  test('garbage and a malformed Authorization header are refused; the valid token still works', async () => {
    expect((await t.client().error(viewerWith('not.a.jwt').query(ViewerBasicDocument))).code).toBe('UNAUTHENTICATED');
    const basic = t.client({ authorization: 'Basic dXNlcjpwYXNz' });
    expect((await basic.error(basic.query(ViewerBasicDocument))).code).toBe('UNAUTHENTICATED');
    expect((await viewerWith(token).query(ViewerBasicDocument)).viewer).not.toBeNull();
  });

  test('an ES256 key works too, and several keys are all published for rotation', async () => {
    const es = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const old = createPrivateKey(t.env.JWT_PRIVATE_KEY!).export({ type: 'pkcs8', format: 'pem' }).toString();
    const rotated = await startTestApp({ env: { JWT_PRIVATE_KEY: es + '\n' + old } });
    try {
      const jwks = (await (await fetch(`${rotated.url}/.well-known/jwks.json`)).json()) as { keys: { alg: string }[] };
      expect(jwks.keys.map((k: { alg: string }) => k.alg)).toEqual(['ES256', 'EdDSA']);
      const fresh = await signUpAndVerify(rotated, rotated.client());
      expect(decodeProtectedHeader(fresh.accessToken).alg).toBe('ES256');
    } finally {
      await rotated.close();
    }
  });
});
