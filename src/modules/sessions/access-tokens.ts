import { randomUUID } from 'node:crypto';
import type { SigningKeys } from '../../crypto/signing-keys';
import { WardenError } from '../../errors/warden-error';

export interface AccessTokenClaims {
  userId: string;
  sessionId: string;
  expiresAt: Date;
}

/** Short-lived signed JWTs (jose; EdDSA or ES256 with kid; issuer PUBLIC_URL). */
export class AccessTokens {
  constructor(
    private readonly keys: SigningKeys,
    private readonly options: { issuer: string; ttlSeconds: number; now: () => Date },
  ) {}

  async issue(userId: string, sessionId: string): Promise<{ token: string; expiresAt: Date }> {
    const issuedAt = this.options.now();
    const expiresAt = new Date(Math.floor(issuedAt.getTime() / 1000) * 1000 + this.options.ttlSeconds * 1000);
    const token = await this.keys.sign(
      { sid: sessionId, jti: randomUUID() },
      { issuer: this.options.issuer, subject: userId, issuedAt, expiresAt },
    );
    return { token, expiresAt };
  }

  /** UNAUTHENTICATED for anything but a valid, unexpired token of ours. */
  async verify(token: string): Promise<AccessTokenClaims> {
    try {
      const payload = await this.keys.verify(token, { issuer: this.options.issuer, now: this.options.now() });
      if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || typeof payload.exp !== 'number') {
        throw new Error('missing claims');
      }
      return { userId: payload.sub, sessionId: payload.sid, expiresAt: new Date(payload.exp * 1000) };
    } catch (cause) {
      throw new WardenError('UNAUTHENTICATED', { cause });
    }
  }
}
