import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { SigningKeys } from './signing-keys';

const options = {
  issuer: 'https://auth.example.test',
  audience: 'warden',
  subject: '0b7d1f3e-5c1a-4f7e-9a51-3d2c1b0a9f8e',
  issuedAt: new Date('2026-11-30T04:00:00.400Z'),
  expiresAt: new Date('2026-11-30T04:15:00.000Z'),
};
const claims = {
  sid: '5f0c2a8e-1d3b-4e6f-8a9b-0c1d2e3f4a5b',
  jti: 'f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9',
  auth_time: 1796011200,
  amr: ['otp', 'email'],
  aal: 'aal1',
};

describe.each([
  ['EdDSA', 'ed25519' as const],
  ['ES256', 'ec' as const],
])('SigningKeys.sign (%s)', (alg, type) => {
  const pem = (type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519')).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;

  it('writes the header and payload bytes jose writes, and jose verifies the token', async () => {
    const keys = await SigningKeys.load([pem]);
    const key = keys.current;
    expect(key.alg).toBe(alg);
    const token = await keys.sign(claims, options);
    const byJose = await new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
      .setIssuer(options.issuer)
      .setAudience(options.audience)
      .setSubject(options.subject)
      .setIssuedAt(Math.floor(options.issuedAt.getTime() / 1000))
      .setExpirationTime(Math.floor(options.expiresAt.getTime() / 1000))
      .sign(key.privateKey);
    expect(token.split('.').slice(0, 2)).toEqual(byJose.split('.').slice(0, 2));
    // Ed25519 signatures are deterministic: the whole token is jose's. ECDSA's are not.
    if (alg === 'EdDSA') expect(token).toBe(byJose);
    expect(decodeProtectedHeader(token)).toEqual({ alg, kid: key.kid, typ: 'at+jwt' });
    const { payload } = await jwtVerify(token, key.publicKey, {
      issuer: options.issuer,
      audience: options.audience,
      algorithms: [alg],
      typ: 'at+jwt',
      currentDate: new Date('2026-11-30T04:05:00Z'),
    });
    expect(payload).toEqual({ ...claims, iss: options.issuer, aud: options.audience, sub: options.subject, iat: 1796011200, exp: 1796012100 });
    await expect(keys.verify(token, { issuer: options.issuer, audience: options.audience, now: new Date('2026-11-30T04:05:00Z') })).resolves.toEqual(payload);
  });

  it('a token whose payload was changed after signing does not verify', async () => {
    const keys = await SigningKeys.load([pem]);
    const [header, , signature] = (await keys.sign(claims, options)).split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...claims, sub: 'someone-else', iss: options.issuer, aud: options.audience, iat: 1, exp: 1796012100 }),
    ).toString('base64url');
    await expect(
      keys.verify(`${header}.${forged}.${signature}`, { issuer: options.issuer, audience: options.audience, now: new Date('2026-11-30T04:05:00Z') }),
    ).rejects.toThrow();
  });
});
