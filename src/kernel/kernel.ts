import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { Config } from '../config/config';
import type { Limits } from '../config/limits';
import type { AuditService } from '../modules/audit/audit.service';
import type { EventOutbox } from '../modules/events/outbox';
import type { KvStore } from '../store/kv-store';
import type { PubSub } from '../store/pub-sub';
import type { Mailer } from '../mail/mailer';
import type { SendTiming } from '../mail/send-timing';
import type { SmsSender } from '../sms/sms-sender';
import type { SigningKeys } from '../crypto/signing-keys';
import type { PasswordHasher } from '../crypto/password-hasher';
import type { Metrics } from '../metrics/metrics';
import type { Clock } from './clock';
import type { Notices } from './notices';
import type { HookRegistry } from './hooks';

export interface Keys {
  /** WARDEN_SECRET: the HMAC key (hashes of codes, tokens, identifiers; through HKDF, sealing keys). */
  hmacKey: Buffer;
  /** WARDEN_SECRET_PREVIOUS during a rotation: values hashed or sealed under it still match and open. */
  previousHmacKey: Buffer | null;
  /** The access-token signing keys (and the JWKS they publish). */
  signingKeys: SigningKeys;
}

/**
 * What every module is built from, built once per app (src/app/kernel.ts): so a service's dependencies name only
 * its real peers (other modules' services), never the plumbing.
 */
export interface Kernel {
  config: Readonly<Config>;
  /** config.limits: every bound and budget. */
  limits: Readonly<Limits>;
  db: DataSource;
  audit: AuditService;
  /** The transactional outbox: `events.emit(em, {type, aggregateType, aggregateId, organizationId, data})` in the change's transaction. */
  events: EventOutbox;
  clock: Clock;
  keys: Keys;
  /** The one way to mail a notice (after commit, failures audited and logged, never thrown). */
  notices: Notices;
  /** Every module's hooks; read them at call time (they are complete only once every module was built). */
  hooks: HookRegistry;
  kv: KvStore;
  pubsub: PubSub;
  mailer: Mailer;
  /** Equalizes the time of real and decoy sends, per kind (shared: one instance per app). */
  timing: SendTiming;
  sms: SmsSender;
  hasher: PasswordHasher;
  metrics: Metrics;
  logger: Logger;
  /** Registers a shutdown step; run in reverse order by App.close(). */
  addCleanup(cleanup: () => Promise<unknown>): void;
}
