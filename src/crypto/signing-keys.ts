import { createPrivateKey, createPublicKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, jwtVerify, type JWK, type JWTPayload } from 'jose';

export interface SigningKey {
  kid: string;
  alg: 'EdDSA' | 'ES256';
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: JWK;
  /** The JWS protected header, base64url-encoded once: `{"alg","kid","typ":"at+jwt"}`. */
  encodedHeader: string;
}

function algFor(key: KeyObject): 'EdDSA' | 'ES256' {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new TypeError(`JWT_PRIVATE_KEY: unsupported key type ${key.asymmetricKeyType} (use Ed25519 or P-256)`);
}

async function toSigningKey(material: string): Promise<SigningKey> {
  const text = material.trim();
  const privateKey = text.startsWith('{') ? createPrivateKey({ key: JSON.parse(text), format: 'jwk' }) : createPrivateKey({ key: text, format: 'pem' });
  const alg = algFor(privateKey);
  const publicKey = createPublicKey(privateKey);
  const jwk = await exportJWK(publicKey);
  const kid = text.startsWith('{') && JSON.parse(text).kid ? String(JSON.parse(text).kid) : await calculateJwkThumbprint(jwk);
  const encodedHeader = Buffer.from(JSON.stringify({ alg, kid, typ: 'at+jwt' })).toString('base64url');
  return { kid, alg, privateKey, publicKey, publicJwk: { ...jwk, kid, alg, use: 'sig' }, encodedHeader };
}

/** The signing keys: the first signs, all verify and are published in the JWKS (rotation). Imported once. */
export class SigningKeys {
  private constructor(private readonly keys: SigningKey[]) {}

  static async load(materials: readonly string[]): Promise<SigningKeys> {
    if (materials.length === 0) throw new TypeError('at least one signing key is required');
    return new SigningKeys(await Promise.all(materials.map(toSigningKey)));
  }

  get current(): SigningKey {
    return this.keys[0]!;
  }

  get algorithms(): string[] {
    return [...new Set(this.keys.map((k) => k.alg))];
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }

  /**
   * A compact JWS (RFC 7515) of the claims, with iss, aud, sub, iat and exp, exactly as jose's SignJWT would
   * write it (the same header and payload bytes; signing-keys.test.ts compares them), signed with node:crypto
   * directly: jose 6 signs through WebCrypto, whose asynchronous job cost twice the CPU of the signature itself
   * on every sign-in and refresh (docs/performance.md). Verification stays with jose (verify below).
   */
  async sign(claims: JWTPayload, options: { issuer: string; audience: string; subject: string; expiresAt: Date; issuedAt: Date }): Promise<string> {
    const key = this.current;
    const payload = {
      ...claims,
      iss: options.issuer,
      aud: options.audience,
      sub: options.subject,
      iat: Math.floor(options.issuedAt.getTime() / 1000),
      exp: Math.floor(options.expiresAt.getTime() / 1000),
    };
    const input = `${key.encodedHeader}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    const signature =
      key.alg === 'EdDSA'
        ? cryptoSign(null, Buffer.from(input), key.privateKey)
        : cryptoSign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${signature.toString('base64url')}`;
  }

  /** Throws on any invalid token (bad signature, unknown kid, alg none, expired, wrong issuer or audience). */
  async verify(token: string, options: { issuer: string; audience: string; now: Date }): Promise<JWTPayload> {
    const { payload } = await jwtVerify(
      token,
      (header) => {
        const key = this.keys.find((k) => k.kid === header.kid);
        if (!key || key.alg !== header.alg) throw new Error('unknown signing key');
        return key.publicKey;
      },
      { issuer: options.issuer, audience: options.audience, algorithms: this.algorithms, currentDate: options.now, typ: 'at+jwt' },
    );
    return payload;
  }
}
