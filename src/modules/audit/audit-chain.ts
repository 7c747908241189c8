import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** The `prevHash` of the first row ever sealed. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields erasure clears: their digest is sealed in the chain, so clearing them later keeps it verifiable. */
export interface PersonalFields {
  userId: string | null;
  actorId: string | null;
  ip: string | null;
  userAgent: string | null;
  data: Record<string, unknown>;
}

/** What each row's hash covers, besides the previous hash (../shared/CONTRACT.md "Audit chain"). */
export interface ChainCore {
  id: string;
  /** A decimal string, as GraphQL's AuditEvent.chainSequence (exact past 2^53). */
  chainSequence: string;
  type: string;
  outcome: string;
  /** RFC 3339, UTC, milliseconds (Date.toISOString). */
  createdAt: string;
  organizationId: string | null;
  personalDigest: string;
}

/** RFC 8785 JSON Canonicalization Scheme (the `canonicalize` package). */
export function jcs(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('jcs: value has no JSON form');
  return text;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function personalDigest(fields: PersonalFields): string {
  const { userId, actorId, ip, userAgent, data } = fields;
  return sha256Hex(jcs({ userId, actorId, ip, userAgent, data }));
}

/** Erasure's mark: every personal field cleared. Such a row is checked on its stored digest. */
export function isAnonymised(fields: PersonalFields): boolean {
  const { userId, actorId, ip, userAgent, data } = fields;
  return userId === null && actorId === null && ip === null && userAgent === null && Object.keys(data ?? {}).length === 0;
}

/** lower-hex SHA-256 of `prevHash + "\n" + JCS(core)`. */
export function chainHash(prevHash: string, core: ChainCore): string {
  return sha256Hex(`${prevHash}\n${jcs(core)}`);
}

/** An audit row as the chain code reads it (raw SQL: bigint as a decimal string, timestamptz as a Date). */
export interface ChainRow extends PersonalFields {
  id: string;
  event: string;
  outcome: string;
  organizationId: string | null;
  createdAt: Date;
  chainSequence: string | null;
  prevHash: string | null;
  hash: string | null;
  personalDigest: string | null;
}

/** The columns of ChainRow, for `SELECT ${CHAIN_COLUMNS} FROM audit_events`. */
export const CHAIN_COLUMNS = `id, event, outcome, user_id AS "userId", actor_id AS "actorId", organization_id AS "organizationId", ip,
  user_agent AS "userAgent", data, created_at AS "createdAt", chain_sequence::text AS "chainSequence", prev_hash AS "prevHash",
  hash, personal_digest AS "personalDigest"`;

export function coreOf(row: ChainRow, chainSequence: string, digest: string): ChainCore {
  return {
    id: row.id,
    chainSequence,
    type: row.event,
    outcome: row.outcome,
    createdAt: row.createdAt.toISOString(),
    organizationId: row.organizationId,
    personalDigest: digest,
  };
}
