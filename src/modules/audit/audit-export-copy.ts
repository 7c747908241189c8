import { Readable } from 'node:stream';
import type { DataSource, EntityManager } from 'typeorm';
import type { PoolClient } from 'pg';
import { escapeLiteral } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { tableOf } from '../../db/table-of';
import { AuditEventEntity } from './audit-event.entity';
import { CHAIN_COLUMNS, type ChainRow } from './audit-chain';
import { auditFilterConditions, auditFilterSql, type AuditFilter } from './audit-query';
import { exportLine } from './audit-export-line';

/**
 * Rows per COPY page: the bytes held at most (about 0.5 KiB a row), as a few Buffers. Each page takes a pooled
 * connection for its COPY only, so other requests interleave (the embedded pool has ONE connection).
 */
export const COPY_PAGE = 2000;

/** The first byte of a line PostgreSQL leaves to Node (see UNSAFE_SQL): never the first byte of a JSON line. */
const MARK = 0x01;

/**
 * exportLine(row) built by PostgreSQL, byte for byte. Strings through to_json (the same escapes as JSON.stringify),
 * createdAt as Date.toISOString (milliseconds truncated, as node-postgres reads timestamptz), data as jsonb's text
 * with the separators' spaces removed outside strings (jsonb writes `{"k": v, "k2": v2}`).
 */
export const LINE_SQL = `'{"id":' || to_json(e.id)::text
  || ',"type":' || to_json(e.event)::text
  || ',"outcome":' || to_json(e.outcome)::text
  || ',"createdAt":"' || to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"'
  || ',"userId":' || COALESCE(to_json(e.user_id)::text, 'null')
  || ',"actorId":' || COALESCE(to_json(e.actor_id)::text, 'null')
  || ',"organizationId":' || COALESCE(to_json(e.organization_id)::text, 'null')
  || ',"ip":' || COALESCE(to_json(e.ip)::text, 'null')
  || ',"userAgent":' || COALESCE(to_json(e.user_agent)::text, 'null')
  || ',"data":' || regexp_replace(COALESCE(e.data, '{}'::jsonb)::text, '("(?:[^"\\\\]|\\\\.)*")|([,:]) ', '\\1\\2', 'g')
  || ',"chainSequence":"' || e.chain_sequence::text || '"'
  || ',"prevHash":' || COALESCE(to_json(e.prev_hash)::text, 'null')
  || ',"hash":' || COALESCE(to_json(e.hash)::text, 'null')
  || ',"personalDigest":' || COALESCE(to_json(e.personal_digest)::text, 'null')
  || '}'`;

/**
 * Rows whose line PostgreSQL may not write as JSON.stringify(JSON.parse(…)) does, over-approximated on the text:
 * an integer-like key (JavaScript puts those first), a number of 16 digits or more (past double precision or
 * 1e21), below 1e-5, or with a trailing fractional zero (JavaScript writes 1.5 for 1.50), a year outside 1000–9999.
 * Their lines are built by exportLine in Node; a false alarm only costs speed.
 */
export const UNSAFE_SQL = `(COALESCE(e.data, '{}'::jsonb)::text ~ '"[0-9]+": |[0-9.]{16,}|0\\.00000|\\.[0-9]*0([^0-9]|$)'
  OR e.created_at < '1000-01-01T00:00:00Z' OR e.created_at >= '9999-12-31T00:00:00Z')`;

/** A decimal chain sequence (from the database), checked before it is written into a COPY statement. */
function sequence(value: string): string {
  if (!/^\d{1,19}$/.test(value)) throw new TypeError(`not a chain sequence: ${value}`);
  return value;
}

/** A literal for COPY, which takes no bind parameters: validated numbers as they are, anything else escaped. */
function literal(value: unknown): string {
  if (Array.isArray(value)) return `ARRAY[${value.map((v) => escapeLiteral(String(v))).join(', ')}]::text[]`;
  if (value instanceof Date) return `${escapeLiteral(value.toISOString())}::timestamptz`;
  return escapeLiteral(String(value));
}

/**
 * The export's lines as `COPY (SELECT <line> …) TO STDOUT` pages, as one byte stream: each page's end is found
 * first (a parameterised OFFSET), then the page is copied (its connection given back at once), the rows Node must
 * write itself read by their sequences, and the page handed to the consumer; the next one is read when it asks.
 */
export function copyExportStream(dataSource: DataSource, filter: AuditFilter, head: string): Readable {
  return Readable.from(copyPages(dataSource, filter, sequence(head)), { objectMode: false });
}

async function* copyPages(dataSource: DataSource, filter: AuditFilter, head: string): AsyncGenerator<Buffer> {
  const em = dataSource.manager;
  const table = tableOf(em, AuditEventEntity);
  let after = '0';
  while (BigInt(after) < BigInt(head)) {
    const params: unknown[] = [after, head];
    const where = ['e.chain_sequence > $1', 'e.chain_sequence <= $2', ...auditFilterSql(filter, params)].join(' AND ');
    const [last] = (await em.query(
      `SELECT e.chain_sequence::text AS seq FROM ${table} e WHERE ${where} ORDER BY e.chain_sequence OFFSET $${params.push(COPY_PAGE - 1)} LIMIT 1`,
      params,
    )) as { seq: string }[];
    const end = last ? sequence(last.seq) : head;
    const copyWhere = [`e.chain_sequence > ${after}`, `e.chain_sequence <= ${end}`, ...auditFilterConditions(filter, literal)].join(' AND ');
    const select = `SELECT CASE WHEN ${UNSAFE_SQL} THEN chr(1) || e.chain_sequence::text ELSE ${LINE_SQL} END FROM ${table} e WHERE ${copyWhere} ORDER BY e.chain_sequence`;
    // CSV with a delimiter and a quote no JSON line holds: each line goes out as it is (text format would escape `\`).
    const chunks = await copyPage(dataSource, `COPY (${select}) TO STDOUT WITH (FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x03')`);
    if (chunks.some((chunk) => chunk.includes(MARK))) yield await withNodeLines(em, table, Buffer.concat(chunks));
    else yield* chunks;
    after = end;
  }
}

/**
 * One COPY page, read whole as the socket's chunks (the bytes of at most COPY_PAGE lines, no object per row, no large
 * Buffer), then its connection is given back BEFORE the consumer reads it: a slow client never holds a connection.
 */
async function copyPage(dataSource: DataSource, statement: string): Promise<Buffer[]> {
  const [client, release] = await (
    dataSource.driver as unknown as { obtainMasterConnection(): Promise<[PoolClient, (error?: unknown) => void]> }
  ).obtainMasterConnection();
  const stream = client.query(copyTo(statement)) as ReturnType<typeof copyTo> & { handleReadyForQuery(): void };
  // The query is over at ReadyForQuery (after CopyDone and CommandComplete): only then is the connection free.
  const finished = new Promise<void>((resolve) => {
    const ready = stream.handleReadyForQuery.bind(stream);
    stream.handleReadyForQuery = () => {
      ready();
      resolve();
    };
  });
  let failure: unknown;
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    await finished;
    return chunks;
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    release(failure);
  }
}

/** Replaces the marked lines (MARK, then the chain sequence) with the lines exportLine writes, read by a parameterised query. */
async function withNodeLines(em: EntityManager, table: string, page: Buffer): Promise<Buffer> {
  const marks: { at: number; eol: number; seq: string }[] = [];
  for (let at = page.indexOf(MARK); at !== -1; at = page.indexOf(MARK, at + 1)) {
    const eol = page.indexOf(0x0a, at);
    marks.push({ at, eol, seq: sequence(page.toString('latin1', at + 1, eol)) });
  }
  const rows = (await em.query(`SELECT ${CHAIN_COLUMNS} FROM ${table} e WHERE e.chain_sequence = ANY($1::bigint[])`, [marks.map((m) => m.seq)])) as ChainRow[];
  const lines = new Map(rows.map((row) => [row.chainSequence!, Buffer.from(exportLine(row), 'utf8')]));
  const parts: Buffer[] = [];
  let from = 0;
  for (const { at, eol, seq } of marks) {
    const line = lines.get(seq);
    if (!line) throw new Error(`audit export: row ${seq} is gone`);
    parts.push(page.subarray(from, at), line);
    from = eol + 1;
  }
  parts.push(page.subarray(from));
  return Buffer.concat(parts);
}
