import { WardenError } from '../../errors/warden-error';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The members connection's cursor: (joined_at as text, id), base64url JSON. */
export function encodeCursor(joinedAt: string, id: string): string {
  return Buffer.from(JSON.stringify([joinedAt, id])).toString('base64url');
}

/** joined_at::text under the ISO DateStyle: 2026-12-07 16:20:01.123456+00 */
const PG_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

export function decodeCursor(raw: string): { joinedAt: string; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string' && UUID.test(value[1]) && PG_TIMESTAMP.test(value[0])) {
      return { joinedAt: value[0], id: value[1] };
    }
  } catch {
    /* below */
  }
  throw WardenError.badInput('after is not a cursor from this connection.', 'after');
}
