import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import * as OTPAuth from 'otpauth';
import QRCode from 'qrcode';
import { keyId } from '../../crypto/secret-token';

/** RFC 6238 as authenticator apps do it: SHA1, 6 digits, 30-second steps. */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;

/** A new shared secret: 20 random bytes (160 bits, RFC 4226's recommendation), as base32 for the user. */
export function newTotpSecret(): string {
  return new OTPAuth.Secret({ size: 20 }).base32;
}

function totp(secretBase32: string, issuer = 'Warden', label = 'account'): OTPAuth.TOTP {
  return new OTPAuth.TOTP({
    issuer,
    label,
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    secret: OTPAuth.Secret.fromBase32(secretBase32),
  });
}

/** otpauth://totp/Issuer:label?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30 */
export function totpUri(secretBase32: string, issuer: string, label: string): string {
  return totp(secretBase32, issuer, label).toString();
}

export function qrCodeSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

/**
 * The time step a 6-digit code matches at `nowMs`, or null: the current step or the one before it (a code typed
 * as its step ended), never a later one, so a code works for at most two steps (RFC 6238 §5.2, ASVS 6.5.5). The
 * caller refuses a step at or before the factor's last accepted one (replay).
 */
export function matchTotpStep(secretBase32: string, code: string, nowMs: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totp(secretBase32).validate({ token: code, timestamp: nowMs, window: 1 });
  if (delta === null || delta > 0) return null;
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS) + delta;
}

/** What TotpSecretBox.tryOpen found: the secret, and whether it should be sealed again under the current key. */
export interface OpenedTotpSecret {
  secret: string;
  /** Sealed under WARDEN_SECRET_PREVIOUS, or in the old "v1.<data>" form without a key id. */
  stale: boolean;
}

/**
 * TOTP secrets at rest: AES-256-GCM under a key derived with HKDF-SHA256 from WARDEN_SECRET, the factor id as
 * additional data (a ciphertext copied to another row does not decrypt). Sealed values are "v1.<kid>.<data>",
 * kid naming the secret (keyId, not the key); values sealed before key ids ("v1.<data>") still open. With
 * WARDEN_SECRET_PREVIOUS, values sealed under it open too, and the caller seals them again (stale).
 */
export class TotpSecretBox {
  private readonly keys: { kid: string; key: Buffer }[];

  constructor(wardenSecret: Buffer, previousSecret: Buffer | null = null) {
    this.keys = [wardenSecret, ...(previousSecret ? [previousSecret] : [])].map((secret) => ({
      kid: keyId(secret),
      key: Buffer.from(hkdfSync('sha256', secret, Buffer.from('warden'), Buffer.from('mfa totp secret v1'), 32)),
    }));
  }

  seal(factorId: string, secretBase32: string): string {
    const { kid, key } = this.keys[0]!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(factorId, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(secretBase32, 'utf8'), cipher.final()]);
    return `v1.${kid}.${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64')}`;
  }

  /** Throws when the value does not open (unknown key, other factor, tampered): see tryOpen. */
  open(factorId: string, sealed: string): string {
    const opened = this.tryOpen(factorId, sealed);
    if (!opened) throw new Error('TOTP secret does not open under WARDEN_SECRET or WARDEN_SECRET_PREVIOUS');
    return opened.secret;
  }

  /** The secret, or null when no configured key opens it (a secret rotated without WARDEN_SECRET_PREVIOUS). */
  tryOpen(factorId: string, sealed: string): OpenedTotpSecret | null {
    const parts = sealed.split('.');
    if (parts[0] !== 'v1' || parts.length < 2 || parts.length > 3) return null;
    const data = Buffer.from(parts.at(-1)!, 'base64');
    if (data.length < 29) return null;
    // With a key id, only that key is tried; an old value without one tries the current key, then the previous.
    const candidates = parts.length === 3 ? this.keys.filter((k) => k.kid === parts[1]) : this.keys;
    for (const candidate of candidates) {
      const secret = decrypt(candidate.key, factorId, data);
      if (secret !== null) return { secret, stale: parts.length === 2 || candidate !== this.keys[0] };
    }
    return null;
  }
}

function decrypt(key: Buffer, factorId: string, data: Buffer): string | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
    decipher.setAAD(Buffer.from(factorId, 'utf8'));
    decipher.setAuthTag(data.subarray(12, 28));
    return Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return null; // GCM authentication failed: another key, another factor, or tampered
  }
}

const RECOVERY_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // 32 symbols, no 0/O, 1/I

/** A recovery code: 12 symbols of 5 bits (60 bits) from the CSPRNG, shown as XXXX-XXXX-XXXX. */
export function newRecoveryCode(): string {
  const bytes = randomBytes(12);
  const symbols = [...bytes].map((b) => RECOVERY_ALPHABET[b & 31]);
  return `${symbols.slice(0, 4).join('')}-${symbols.slice(4, 8).join('')}-${symbols.slice(8).join('')}`;
}

/** What the user typed, as it was hashed: upper case, without spaces or dashes; null when it cannot be a code. */
export function normalizeRecoveryCode(input: string): string | null {
  const s = input.replace(/[\s-]/g, '').toUpperCase();
  if (s.length !== 12) return null;
  for (const c of s) if (!RECOVERY_ALPHABET.includes(c)) return null;
  return s;
}
