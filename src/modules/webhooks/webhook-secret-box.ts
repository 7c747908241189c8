import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { keyId } from '../../crypto/secret-token';

/**
 * Endpoint secrets at rest (contract: "encrypted at rest (AES-256-GCM, key derived from WARDEN_SECRET)"): a key from
 * WARDEN_SECRET through HKDF-SHA256 (its own info string), the endpoint id as additional data (a value copied to
 * another row does not open). Sealed values are "v1.<kid>.<base64 iv|tag|ciphertext>"; with WARDEN_SECRET_PREVIOUS
 * set, values sealed under it still open.
 */
export class WebhookSecretBox {
  private readonly keys: { kid: string; key: Buffer }[];

  constructor(wardenSecret: Buffer, previousSecret: Buffer | null = null) {
    this.keys = [wardenSecret, ...(previousSecret ? [previousSecret] : [])].map((secret) => ({
      kid: keyId(secret),
      key: Buffer.from(hkdfSync('sha256', secret, Buffer.from('warden'), Buffer.from('webhook endpoint secret v1'), 32)),
    }));
  }

  seal(endpointId: string, secret: string): string {
    const { kid, key } = this.keys[0]!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(endpointId, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return `v1.${kid}.${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64')}`;
  }

  /** The secret, or null when no configured key opens it (WARDEN_SECRET rotated without WARDEN_SECRET_PREVIOUS, tampered). */
  open(endpointId: string, sealed: string): string | null {
    const parts = sealed.split('.');
    if (parts.length !== 3 || parts[0] !== 'v1') return null;
    const data = Buffer.from(parts[2]!, 'base64');
    if (data.length < 29) return null;
    for (const candidate of this.keys.filter((k) => k.kid === parts[1])) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', candidate.key, data.subarray(0, 12));
        decipher.setAAD(Buffer.from(endpointId, 'utf8'));
        decipher.setAuthTag(data.subarray(12, 28));
        return Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('utf8');
      } catch {
        // GCM authentication failed: another key, another endpoint, or tampered
      }
    }
    return null;
  }
}
