import { randomUUID } from 'node:crypto';
import { IsNull, type DataSource, type EntityManager } from 'typeorm';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { PasskeyEntity } from './passkey.entity';
import { findUser, lockUser } from '../users';
import type { UsersService } from '../users/users.service';
import type { SignInMethodSource, SignInMethods } from '../users/sign-in-methods';
import { isUuid } from '../../crypto/secret-token';
import { normalizeEmail, optionalText, requiredText } from '../users/identifiers';
import type { IssuedSession, SessionsService, Viewer } from '../sessions/sessions.service';
import type { AuthMethod } from '../sessions/assurance';
import type { AuditService } from '../audit/audit.service';
import { AuditEvents } from '../audit/audit-events';
import type { Notices } from '../../kernel/notices';
import { passkeyChangedMail } from '../../mail/templates/templates';
import type { KvStore } from '../../store/kv-store';
import type { RequestMeta } from '../request-meta';
import { WardenError } from '../../errors/warden-error';
import { withTransaction } from '../../db/transaction';

/** How long a ceremony's challenge lives (the key-value entry's TTL and the browser's timeout). */
export const PASSKEY_CHALLENGE_TTL_SECONDS = 5 * 60;

const KNOWN_TRANSPORTS: ReadonlySet<string> = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

/** What a started ceremony leaves in the key-value store, under its challengeId, until it is finished once. */
interface StoredChallenge {
  ceremony: 'registration' | 'authentication';
  challenge: string;
  /** Registration: the viewer who started it. Authentication: null. */
  userId: string | null;
  /**
   * Authentication started with an email: that email (normalised), and only a passkey of the account that has it
   * finishes the ceremony. Null for usernameless sign-in and for registration.
   */
  email: string | null;
}

export interface PasskeyView {
  id: string;
  name: string | null;
  backedUp: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface CeremonyStart {
  challengeId: string;
  options: unknown;
  expiresAt: Date;
}

export interface PasskeysServiceDeps {
  dataSource: DataSource;
  kv: KvStore;
  users: UsersService;
  sessions: SessionsService;
  audit: AuditService;
  /** Passkey added / removed notices (after commit, failures audited, never thrown). */
  notices: Notices;
  signInMethods: SignInMethods;
  /**
   * Adding a passkey is adding a way past the second-factor gate: MfaService's rule (aal2 once a confirmed second
   * factor exists), REAUTHENTICATION_REQUIRED otherwise.
   */
  requireAal2ToAddFactor: (viewer: Viewer) => Promise<void>;
  rpId: string;
  origins: readonly string[];
  productName: string;
  maxStringLength: number;
  now: () => Date;
}

const invalid = () => new WardenError('INVALID_CREDENTIALS', { message: 'The passkey could not be verified.' });

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** The shape @simplewebauthn/server reads; anything else is refused before it is looked at. */
function asRegistrationResponse(value: unknown): RegistrationResponseJSON | null {
  if (!isObject(value) || !isString(value.id) || !isString(value.rawId) || value.type !== 'public-key' || !isObject(value.response)) return null;
  const r = value.response;
  if (!isString(r.clientDataJSON) || !isString(r.attestationObject)) return null;
  if (r.transports !== undefined && !(Array.isArray(r.transports) && r.transports.every((t) => typeof t === 'string'))) return null;
  return value as unknown as RegistrationResponseJSON;
}

function asAuthenticationResponse(value: unknown): AuthenticationResponseJSON | null {
  if (!isObject(value) || !isString(value.id) || !isString(value.rawId) || value.type !== 'public-key' || !isObject(value.response)) return null;
  const r = value.response;
  if (!isString(r.clientDataJSON) || !isString(r.authenticatorData) || !isString(r.signature)) return null;
  if (r.userHandle !== undefined && r.userHandle !== null && typeof r.userHandle !== 'string') return null;
  return value as unknown as AuthenticationResponseJSON;
}

/** The user id a passkey carries as its WebAuthn user handle (the UUID's text), or null when it is not one. */
function userIdFromHandle(userHandle: string): string | null {
  try {
    const text = Buffer.from(userHandle, 'base64url').toString('utf8');
    return isUuid(text) ? text : null;
  } catch {
    return null;
  }
}

/**
 * Passkeys (WebAuthn, @simplewebauthn/server): registration on a signed-in account, sign-in by email or
 * usernameless (browser autofill), listing, renaming and removal. Challenges live in the key-value store,
 * single use (getAndDelete) and bound to their ceremony; every failed sign-in answers INVALID_CREDENTIALS.
 */
export class PasskeysService {
  constructor(private readonly deps: PasskeysServiceDeps) {}

  /** The 'passkey' way in, for LAST_SIGN_IN_METHOD: passkeys that still sign in (not flagged). */
  signInMethodSource(): SignInMethodSource {
    return { kind: 'passkey', count: (em, userId) => em.count(PasskeyEntity, { where: { userId, flaggedAt: IsNull() } }) };
  }

  static toView(row: PasskeyEntity): PasskeyView {
    return { id: row.id, name: row.name, backedUp: row.backedUp, createdAt: row.createdAt, lastUsedAt: row.lastUsedAt };
  }

  async list(userId: string): Promise<PasskeyView[]> {
    const rows = await this.deps.dataSource.manager.find(PasskeyEntity, { where: { userId }, order: { createdAt: 'ASC', id: 'ASC' } });
    return rows.map(PasskeysService.toView);
  }

  private key(challengeId: string): string {
    return `passkeys:challenge:${challengeId}`;
  }

  private async storeChallenge(stored: StoredChallenge): Promise<{ challengeId: string; expiresAt: Date }> {
    const challengeId = randomUUID();
    await this.deps.kv.set(this.key(challengeId), JSON.stringify(stored), PASSKEY_CHALLENGE_TTL_SECONDS);
    return { challengeId, expiresAt: new Date(this.deps.now().getTime() + PASSKEY_CHALLENGE_TTL_SECONDS * 1000) };
  }

  /** Takes a challenge out of the store: whoever finishes it first gets it, nobody gets it twice. */
  private async takeChallenge(challengeId: unknown): Promise<StoredChallenge | null> {
    if (typeof challengeId !== 'string' || !isUuid(challengeId)) return null;
    const raw = await this.deps.kv.getAndDelete(this.key(challengeId));
    if (!raw) return null;
    try {
      return JSON.parse(raw) as StoredChallenge;
    } catch {
      return null;
    }
  }

  async startRegistration(viewer: Viewer): Promise<CeremonyStart> {
    await this.deps.requireAal2ToAddFactor(viewer);
    const em = this.deps.dataSource.manager;
    const user = await this.deps.users.findById(em, viewer.userId);
    if (!user) throw new WardenError('UNAUTHENTICATED');
    const existing = await em.find(PasskeyEntity, { where: { userId: user.id } });
    const userName = user.email ?? user.phone ?? user.id;
    const options = await generateRegistrationOptions({
      rpName: this.deps.productName,
      rpID: this.deps.rpId,
      userID: new Uint8Array(Buffer.from(user.id, 'utf8')),
      userName,
      userDisplayName: user.name ?? userName,
      attestationType: 'none',
      timeout: PASSKEY_CHALLENGE_TTL_SECONDS * 1000,
      excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports as AuthenticatorTransport[] })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    });
    const stored = await this.storeChallenge({ ceremony: 'registration', challenge: options.challenge, userId: user.id, email: null });
    return { ...stored, options };
  }

  async finishRegistration(viewer: Viewer, input: { challengeId: string; response: unknown; name?: string | null }, meta: RequestMeta): Promise<PasskeyView> {
    const name = optionalText(input.name, 'name', this.deps.maxStringLength);
    const stored = await this.takeChallenge(input.challengeId);
    const response = asRegistrationResponse(input.response);
    const fail = async (reason: string, cause?: unknown): Promise<never> => {
      await this.deps.audit.recordAlone({ event: AuditEvents.passkeyRegistrationFailed, outcome: 'failure', userId: viewer.userId, meta, data: { reason } });
      throw new WardenError('INVALID_CREDENTIALS', { message: 'The passkey could not be registered.', cause });
    };
    if (!stored || stored.ceremony !== 'registration' || stored.userId !== viewer.userId) return fail('challenge');
    if (!response) return fail('malformed');
    let info;
    try {
      const verification = await verifyRegistrationResponse({
        response,
        expectedChallenge: stored.challenge,
        expectedOrigin: [...this.deps.origins],
        expectedRPID: this.deps.rpId,
        requireUserVerification: false,
      });
      if (!verification.verified || !verification.registrationInfo) return fail('unverified');
      info = verification.registrationInfo;
    } catch (error) {
      return fail('unverified', error);
    }
    const { credential } = info;
    const transports = (credential.transports ?? []).filter((t) => KNOWN_TRANSPORTS.has(t));
    let row: PasskeyEntity;
    try {
      row = await withTransaction(this.deps.dataSource, async (em) => {
        const user = await findUser(em, viewer.userId);
        if (!user) throw new WardenError('UNAUTHENTICATED');
        const entity = em.create(PasskeyEntity, {
          id: randomUUID(),
          userId: user.id,
          credentialId: credential.id,
          publicKey: Buffer.from(credential.publicKey),
          counter: credential.counter,
          transports,
          deviceType: info.credentialDeviceType,
          backedUp: info.credentialBackedUp,
          aaguid: info.aaguid,
          name,
          flaggedAt: null,
          lastUsedAt: null,
        });
        await em.insert(PasskeyEntity, entity);
        await this.deps.audit.record(em, {
          event: AuditEvents.passkeyRegistered,
          userId: user.id,
          meta,
          data: { passkeyId: entity.id, backedUp: entity.backedUp, userVerified: info.userVerified },
        });
        return (await em.findOneOrFail(PasskeyEntity, { where: { id: entity.id } })) as PasskeyEntity;
      });
    } catch (error) {
      if ((error as { code?: string }).code === '23505' || (error as { driverError?: { code?: string } }).driverError?.code === '23505')
        return fail('duplicate', error);
      throw error;
    }
    await this.notify(viewer.userId, 'added', row.name, meta);
    return PasskeysService.toView(row);
  }

  /** The notice mail through Notices: after commit; a failed delivery is audited and logged, never thrown. */
  private async notify(userId: string, change: 'added' | 'removed', passkeyName: string | null, meta: RequestMeta): Promise<void> {
    await this.deps.notices.send(userId, { flow: `passkey_${change}_notice`, mail: passkeyChangedMail(this.deps.productName, change, passkeyName) }, meta);
  }

  /**
   * Options for signing in: the same answer with or without an email, for every email. `allowCredentials` is
   * always empty (discoverable credentials only: every passkey is registered with residentKey "required"), so the
   * browser offers the passkeys it holds for the site, and nothing in the answer (count, ids, their lengths,
   * transports) or its timing (no lookup at all) tells whether the account exists or has passkeys. With an email,
   * the ceremony remembers it, and only a passkey of that account finishes it.
   */
  async startAuthentication(input: { email?: string | null }): Promise<CeremonyStart> {
    const email = input.email === undefined || input.email === null || input.email === '' ? null : normalizeEmail(input.email);
    const options = await generateAuthenticationOptions({
      rpID: this.deps.rpId,
      allowCredentials: [],
      userVerification: 'preferred',
      timeout: PASSKEY_CHALLENGE_TTL_SECONDS * 1000,
    });
    const stored = await this.storeChallenge({ ceremony: 'authentication', challenge: options.challenge, userId: null, email });
    return { ...stored, options };
  }

  async finishAuthentication(input: { challengeId: string; response: unknown }, meta: RequestMeta): Promise<IssuedSession> {
    const stored = await this.takeChallenge(input.challengeId);
    const response = asAuthenticationResponse(input.response);
    let userId: string | null = null;
    const fail = async (reason: string, cause?: unknown): Promise<never> => {
      await this.deps.audit.recordAlone({ event: AuditEvents.passkeyFailed, outcome: 'failure', userId, meta, data: { reason } });
      throw Object.assign(invalid(), cause ? { cause } : {});
    };
    if (!stored || stored.ceremony !== 'authentication') return fail('challenge');
    if (!response) return fail('malformed');
    const em = this.deps.dataSource.manager;
    const row = await em.findOne(PasskeyEntity, { where: { credentialId: response.id } });
    if (!row) return fail('unknown_credential');
    userId = row.userId;
    if (row.flaggedAt) return fail('flagged');
    if (stored.email !== null) {
      // Started with an email: the passkey must be that account's (an unknown email's ceremony finishes for no one).
      const owner = await this.deps.users.findById(em, row.userId);
      if (!owner?.email || normalizeEmail(owner.email) !== stored.email) return fail('not_this_account');
    }
    const userHandle = response.response.userHandle;
    // A discoverable credential (usernameless) must say whose it is; when it does, it must be the row's owner.
    if (!userHandle && stored.email === null) return fail('user_handle_missing');
    if (userHandle && userIdFromHandle(userHandle) !== row.userId) return fail('user_handle_mismatch');
    let authenticationInfo;
    try {
      const verification = await verifyAuthenticationResponse({
        response,
        expectedChallenge: stored.challenge,
        expectedOrigin: [...this.deps.origins],
        expectedRPID: this.deps.rpId,
        // Counter 0: the library compares counters *before* it checks the signature, so an unsigned, forged
        // assertion would trip its check. The counter is compared below, once the signature is known to be good.
        credential: {
          id: row.credentialId,
          publicKey: new Uint8Array(row.publicKey),
          counter: 0,
          transports: row.transports as AuthenticatorTransport[],
        },
        requireUserVerification: false,
      });
      if (!verification.verified) return fail('unverified');
      authenticationInfo = verification.authenticationInfo;
    } catch (error) {
      return fail('unverified', error);
    }
    const { newCounter, userVerified } = authenticationInfo;
    // WebAuthn L3 §7.2 step 22, on a verified assertion only: a signed counter that did not move forward is a
    // cloned authenticator.
    if ((newCounter > 0 || row.counter > 0) && newCounter <= row.counter) {
      await this.flag(row, meta);
      return fail('counter_regressed');
    }
    const now = this.deps.now();
    return withTransaction(this.deps.dataSource, async (tx) => {
      // Conditional: two assertions racing on one counter value cannot both pass (the challenge is single use too).
      const updated = await tx
        .createQueryBuilder()
        .update(PasskeyEntity)
        .set({ counter: newCounter, lastUsedAt: now, backedUp: authenticationInfo.credentialBackedUp })
        .where('id = :id', { id: row.id })
        .andWhere('flagged_at IS NULL')
        .andWhere('(counter < :counter OR (counter = 0 AND :counter = 0))', { counter: newCounter })
        .execute();
      if (!updated.affected) throw invalid();
      const user = await findUser(tx, row.userId);
      if (!user) throw invalid();
      await this.deps.audit.record(tx, { event: AuditEvents.passkeyUsed, userId: user.id, meta, data: { passkeyId: row.id, userVerified } });
      // RFC 8176: hwk (or swk for a synced passkey) is the key; pin stands for any user verification (the
      // authenticator does not say which), user for presence only. hwk/swk + pin is aal2, + user is aal1.
      const amr: AuthMethod[] = [authenticationInfo.credentialBackedUp ? 'swk' : 'hwk', userVerified ? 'pin' : 'user'];
      return this.deps.sessions.signIn(tx, { user, amr, method: 'passkey', meta });
    });
  }

  /** A counter that went backwards: a cloned authenticator. The passkey stops signing in; the owner can remove it. */
  private async flag(row: PasskeyEntity, meta: RequestMeta): Promise<void> {
    await withTransaction(this.deps.dataSource, async (em) => {
      await em.update(PasskeyEntity, { id: row.id }, { flaggedAt: this.deps.now() });
      await this.deps.audit.record(em, { event: AuditEvents.passkeyFlagged, outcome: 'failure', userId: row.userId, meta, data: { passkeyId: row.id } });
    });
  }

  private async ownPasskey(em: EntityManager, viewer: Viewer, id: unknown): Promise<PasskeyEntity> {
    if (typeof id !== 'string' || !isUuid(id)) throw WardenError.badInput('No such passkey.', 'id');
    const row = await em.findOne(PasskeyEntity, { where: { id, userId: viewer.userId } });
    if (!row) throw WardenError.badInput('No such passkey.', 'id');
    return row;
  }

  async rename(viewer: Viewer, id: string, rawName: string, meta: RequestMeta): Promise<PasskeyView> {
    const name = requiredText(rawName, 'name', this.deps.maxStringLength);
    return withTransaction(this.deps.dataSource, async (em) => {
      const row = await this.ownPasskey(em, viewer, id);
      await em.update(PasskeyEntity, { id: row.id }, { name });
      await this.deps.audit.record(em, { event: AuditEvents.passkeyRenamed, userId: viewer.userId, meta, data: { passkeyId: row.id } });
      return PasskeysService.toView({ ...row, name });
    });
  }

  /** Removes a passkey unless it is the last way in (LAST_SIGN_IN_METHOD); mails a notice after commit. */
  async remove(viewer: Viewer, id: string, meta: RequestMeta): Promise<boolean> {
    const removed = await withTransaction(this.deps.dataSource, async (em) => {
      // The user row lock serialises removals of one account's ways in (two passkeys removed at once).
      await lockUser(em, viewer.userId);
      const row = await this.ownPasskey(em, viewer, id);
      const remaining = await this.deps.signInMethods.remainingAfter(em, viewer.userId, { kind: 'passkey', count: row.flaggedAt ? 0 : 1 });
      if (remaining < 1) throw new WardenError('LAST_SIGN_IN_METHOD', { message: 'This passkey is the last way to sign in to this account.' });
      await em.delete(PasskeyEntity, { id: row.id });
      await this.deps.audit.record(em, { event: AuditEvents.passkeyRemoved, userId: viewer.userId, meta, data: { passkeyId: row.id } });
      return row;
    });
    await this.notify(viewer.userId, 'removed', removed.name, meta);
    return true;
  }
}

/** The `passkeys` section of exportAccountData: no credential id, public key or counter. */
export async function exportPasskeys(em: EntityManager, userId: string): Promise<unknown[]> {
  const rows = await em.find(PasskeyEntity, {
    where: { userId },
    select: { id: true, name: true, createdAt: true, lastUsedAt: true },
    order: { createdAt: 'ASC' },
  });
  return rows.map((p) => ({ id: p.id, type: 'PASSKEY', name: p.name, createdAt: p.createdAt, lastUsedAt: p.lastUsedAt }));
}
