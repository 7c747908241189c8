import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, SignJWT, jwtVerify, type JWK, type JWTPayload } from 'jose';

export interface SigningKey {
  kid: string;
  alg: 'EdDSA' | 'ES256';
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: JWK;
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
  return { kid, alg, privateKey, publicKey, publicJwk: { ...jwk, kid, alg, use: 'sig' } };
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

  async sign(claims: JWTPayload, options: { issuer: string; audience: string; subject: string; expiresAt: Date; issuedAt: Date }): Promise<string> {
    const key = this.current;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
      .setIssuer(options.issuer)
      .setAudience(options.audience)
      .setSubject(options.subject)
      .setIssuedAt(Math.floor(options.issuedAt.getTime() / 1000))
      .setExpirationTime(Math.floor(options.expiresAt.getTime() / 1000))
      .sign(key.privateKey);
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
