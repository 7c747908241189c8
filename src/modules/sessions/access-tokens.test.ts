import { generateKeyPairSync } from 'node:crypto';
import { AccessTokens } from './access-tokens';
import { SigningKeys } from '../../crypto/signing-keys';
import type { AuthMethod } from './assurance';
import { assuranceLevel } from './assurance';

const assurance = { amr: ['pwd', 'otp'] as AuthMethod[], aal: 'aal1' as const, authTime: new Date(Date.UTC(2030, 0, 1)) };
const pem = () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('AccessTokens: verified tokens are remembered until they expire', () => {
  let nowMs = Date.UTC(2030, 0, 1);
  const now = () => new Date(nowMs);

  test('a token verifies once; later checks are answered from memory until exp, then refused', async () => {
    const keys = await SigningKeys.load([pem()]);
    const tokens = new AccessTokens(keys, { issuer: 'http://warden.test', audience: 'http://warden.test', ttlSeconds: 60, now, cacheMaxEntries: 100 });
    const other = new AccessTokens(keys, { issuer: 'http://warden.test', audience: 'http://warden.test', ttlSeconds: 60, now, cacheMaxEntries: 100 });
    const { token } = await tokens.issue('user-1', 'session-1', assurance);
    // Another instance has never seen it: it verifies, then remembers.
    expect(other.remembered(token)).toBeNull();
    await expect(other.verify(token)).resolves.toMatchObject({ userId: 'user-1', sessionId: 'session-1' });
    expect(other.remembered(token)).toMatchObject({ userId: 'user-1', sessionId: 'session-1' });
    // The issuing instance remembers what it signed.
    expect(tokens.remembered(token)).toMatchObject({ sessionId: 'session-1' });

    nowMs += 61_000;
    expect(other.remembered(token)).toBeNull();
    await expect(other.verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    nowMs -= 61_000;
  });

  test('platform scope (warden:admin) is signed into scope beside the organization permissions, and read back apart from them', async () => {
    const keys = await SigningKeys.load([pem()]);
    const options = { issuer: 'http://warden.test', audience: 'http://warden.test', ttlSeconds: 60, now, cacheMaxEntries: 0 };
    const tokens = new AccessTokens(keys, options);
    const org = { id: 'org-1', role: 'member', scope: ['org:read', 'members:read'] };
    const { token } = await tokens.issue('user-1', 'session-1', assurance, org, ['warden:admin']);
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(payload.scope).toBe('members:read org:read warden:admin');
    const claims = await new AccessTokens(keys, options).verify(token);
    expect(claims.organization).toEqual({ id: 'org-1', role: 'member', scope: 'members:read org:read' });
    expect(claims.platformScope).toEqual(['warden:admin']);
    // Without an organization: scope holds the platform names alone, and no org claims.
    const alone = await tokens.issue('user-1', 'session-1', assurance, null, ['warden:admin']);
    const read = await new AccessTokens(keys, options).verify(alone.token);
    expect(read.organization).toBeUndefined();
    expect(read.platformScope).toEqual(['warden:admin']);
    // Neither: no scope claim at all.
    const none = await tokens.issue('user-1', 'session-1', assurance);
    expect(JSON.parse(Buffer.from(none.token.split('.')[1]!, 'base64url').toString()).scope).toBeUndefined();
  });

  test('only the exact bytes hit the cache: a tampered copy of a remembered token is verified, and refused', async () => {
    const keys = await SigningKeys.load([pem()]);
    const tokens = new AccessTokens(keys, { issuer: 'http://warden.test', audience: 'http://warden.test', ttlSeconds: 60, now, cacheMaxEntries: 100 });
    const { token } = await tokens.issue('user-1', 'session-1', assurance);
    await tokens.verify(token);
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: 'user-2' })).toString('base64url')}.${s}`;
    expect(tokens.remembered(forged)).toBeNull();
    await expect(tokens.verify(forged)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  test('the cache is bounded, and can be turned off', async () => {
    const keys = await SigningKeys.load([pem()]);
    const small = new AccessTokens(keys, { issuer: 'i', audience: 'i', ttlSeconds: 60, now, cacheMaxEntries: 2 });
    const issued = [];
    for (let i = 0; i < 3; i++) issued.push((await small.issue(`u${i}`, `s${i}`, assurance)).token);
    expect(small.remembered(issued[0]!)).toBeNull();
    expect(small.remembered(issued[2]!)).not.toBeNull();
    const off = new AccessTokens(keys, { issuer: 'i', audience: 'i', ttlSeconds: 60, now, cacheMaxEntries: 0 });
    const { token } = await off.issue('u', 's', assurance);
    expect(off.remembered(token)).toBeNull();
    await expect(off.verify(token)).resolves.toMatchObject({ userId: 'u' });
  });
});

describe('AccessTokens: audience and assurance claims', () => {
  const now = () => new Date(Date.UTC(2030, 0, 1));

  test('carry aud, auth_time, amr and aal; another audience is refused', async () => {
    const keys = await SigningKeys.load([pem()]);
    const tokens = new AccessTokens(keys, { issuer: 'http://warden.test', audience: 'api://one', ttlSeconds: 60, now, cacheMaxEntries: 0 });
    const { token } = await tokens.issue('user-1', 'session-1', assurance);
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(payload).toMatchObject({ iss: 'http://warden.test', aud: 'api://one', sub: 'user-1', sid: 'session-1', amr: ['pwd', 'otp'], aal: 'aal1' });
    expect(payload.auth_time).toBe(Math.floor(assurance.authTime.getTime() / 1000));
    await expect(tokens.verify(token)).resolves.toMatchObject({ assurance: { amr: ['pwd', 'otp'], aal: 'aal1' } });
    const elsewhere = new AccessTokens(keys, { issuer: 'http://warden.test', audience: 'api://two', ttlSeconds: 60, now, cacheMaxEntries: 0 });
    await expect(elsewhere.verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  test('aal: one factor is aal1, a password with an authenticator app or a verifying passkey is aal2', () => {
    expect(assuranceLevel(['pwd', 'otp', 'email'])).toBe('aal1');
    expect(assuranceLevel(['email'])).toBe('aal1');
    expect(assuranceLevel(['otp', 'sms'])).toBe('aal1');
    expect(assuranceLevel(['pwd', 'otp', 'totp'])).toBe('aal2');
    expect(assuranceLevel(['mfa'])).toBe('aal2');
    expect(assuranceLevel(['hwk', 'pin'])).toBe('aal2');
    expect(assuranceLevel(['hwk', 'user'])).toBe('aal1');
  });
});
