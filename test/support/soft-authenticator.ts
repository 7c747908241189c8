import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/**
 * A small software WebAuthn authenticator for node tests: ES256 keys from node:crypto, a CBOR attestationObject
 * with fmt "none", authenticatorData with real flags and a signature counter, and ECDSA assertions over
 * authenticatorData ‖ SHA-256(clientDataJSON), exactly what a browser hands @simplewebauthn/browser's caller.
 * Every field can be bent (origin, user handle, counter, UV, ceremony type) to build the attacks the tests need.
 */

// --- A minimal CBOR encoder (RFC 8949): unsigned/negative integers, byte and text strings, maps. ---
function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

type Cbor = number | string | Buffer | Map<Cbor, Cbor>;

export function cbor(value: Cbor): Buffer {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
  const parts: Buffer[] = [head(5, value.size)];
  for (const [k, v] of value) parts.push(cbor(k), cbor(v));
  return Buffer.concat(parts);
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();
const b64u = (data: Buffer) => data.toString('base64url');

export const FLAGS = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40 } as const;

export interface SoftCredential {
  id: Buffer;
  privateKey: KeyObject;
  /** The COSE_Key (EC2, P-256, ES256). */
  cosePublicKey: Buffer;
  /** The user handle the relying party gave at registration (options.user.id, base64url). */
  userHandle: string;
  rpId: string;
  signCount: number;
}

export interface CeremonyTweaks {
  /** Default: the authenticator's origin. */
  origin?: string;
  /** User verification flag (default true). */
  userVerified?: boolean;
  /** clientDataJSON.type; default webauthn.create / webauthn.get. */
  type?: string;
  /** Replaces the challenge the response signs. */
  challenge?: string;
  /** Assertion: the user handle sent (null: none). */
  userHandle?: string | null;
  /** Assertion: the counter to report instead of the next one (e.g. a cloned authenticator's). */
  signCount?: number;
  /** Backup eligible + backed up (a synced passkey). */
  backedUp?: boolean;
}

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];

  constructor(readonly origin: string) {}

  private authData(rpId: string, flags: number, signCount: number, attested?: { id: Buffer; cose: Buffer }): Buffer {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(signCount >>> 0, 0);
    const parts: Buffer[] = [sha256(rpId), Buffer.from([flags]), counter];
    if (attested) {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(attested.id.length, 0);
      parts.push(Buffer.alloc(16), len, attested.id, attested.cose);
    }
    return Buffer.concat(parts);
  }

  private clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }), 'utf8');
  }

  private flags(t: CeremonyTweaks, extra: number): number {
    return FLAGS.UP | (t.userVerified === false ? 0 : FLAGS.UV) | (t.backedUp ? FLAGS.BE | FLAGS.BS : 0) | extra;
  }

  /** navigator.credentials.create: a new resident ES256 credential; options as startPasskeyRegistration returns them. */
  register(options: any, tweaks: CeremonyTweaks & { credentialIdLength?: number; reuse?: SoftCredential } = {}): { response: any; credential: SoftCredential } {
    let credential = tweaks.reuse;
    if (!credential) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = publicKey.export({ format: 'jwk' });
      const cose = cbor(
        new Map<Cbor, Cbor>([
          [1, 2],
          [3, -7],
          [-1, 1],
          [-2, Buffer.from(jwk.x!, 'base64url')],
          [-3, Buffer.from(jwk.y!, 'base64url')],
        ]),
      );
      credential = {
        id: randomBytes(tweaks.credentialIdLength ?? 32),
        privateKey,
        cosePublicKey: cose,
        userHandle: options.user.id,
        rpId: options.rp.id,
        signCount: 0,
      };
      this.credentials.push(credential);
    }
    const authData = this.authData(credential.rpId, this.flags(tweaks, FLAGS.AT), credential.signCount, { id: credential.id, cose: credential.cosePublicKey });
    const attestationObject = cbor(
      new Map<Cbor, Cbor>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    const clientDataJSON = this.clientData(tweaks.type ?? 'webauthn.create', tweaks.challenge ?? options.challenge, tweaks.origin ?? this.origin);
    return {
      credential,
      response: {
        id: b64u(credential.id),
        rawId: b64u(credential.id),
        type: 'public-key',
        response: { clientDataJSON: b64u(clientDataJSON), attestationObject: b64u(attestationObject), transports: ['internal', 'hybrid'] },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      },
    };
  }

  /** navigator.credentials.get: an assertion by `credential` (default: the first this authenticator holds for the rp). */
  assert(options: any, tweaks: CeremonyTweaks & { credential?: SoftCredential } = {}): any {
    const credential = tweaks.credential ?? this.credentials.find((c) => c.rpId === options.rpId);
    if (!credential) throw new Error(`no credential for ${options.rpId}`);
    const signCount = tweaks.signCount ?? credential.signCount + 1;
    credential.signCount = Math.max(credential.signCount, signCount);
    const authData = this.authData(credential.rpId, this.flags(tweaks, 0), signCount);
    const clientDataJSON = this.clientData(tweaks.type ?? 'webauthn.get', tweaks.challenge ?? options.challenge, tweaks.origin ?? this.origin);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), credential.privateKey);
    const userHandle = tweaks.userHandle === undefined ? credential.userHandle : tweaks.userHandle;
    return {
      id: b64u(credential.id),
      rawId: b64u(credential.id),
      type: 'public-key',
      response: {
        clientDataJSON: b64u(clientDataJSON),
        authenticatorData: b64u(authData),
        signature: b64u(signature),
        ...(userHandle === null ? {} : { userHandle }),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}

/** The user handle Warden gives a user (the UUID's UTF-8 text, base64url). */
export function userHandleOf(userId: string): string {
  return Buffer.from(userId, 'utf8').toString('base64url');
}
