/** True for errors that mean "PostgreSQL cannot be reached" rather than a bug in a query. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown; thrownValue?: unknown };
  // graphql-js wraps a thrown value that is not an Error of its realm (a plain object, or a driver's
  // Error from another VM context) as NonErrorThrown { thrownValue }: look at what was thrown.
  if (e.thrownValue !== undefined && e.thrownValue !== error) return isDatabaseUnavailable(e.thrownValue);
  const code = typeof e.code === 'string' ? e.code : '';
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN'].includes(code)) return true;
  // 08xxx connection exceptions, 57P0x admin/crash shutdown, 53300 too many connections.
  if (/^(08|57P0)/.test(code) || code === '53300') return true;
  const message = typeof e.message === 'string' ? e.message : '';
  if (
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is not established|Cannot use a pool after calling end|read ECONNRESET|connect ECONNREFUSED/i.test(
      message,
    )
  )
    return true;
  if (e.driverError && e.driverError !== error) return isDatabaseUnavailable(e.driverError);
  if (e.cause && e.cause !== error) return isDatabaseUnavailable(e.cause);
  return false;
}

/** PostgreSQL unique_violation (23505). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  return !!e && (e.code === '23505' || e.driverError?.code === '23505');
}

/**
 * PostgreSQL data exception (SQLSTATE class 22: invalid byte sequence, string too long, value out of
 * range…): the input could not be stored. A backstop behind the input guard, answered BAD_USER_INPUT.
 */
export function isDataException(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as { code?: unknown; driverError?: unknown; cause?: unknown; thrownValue?: unknown };
  if (e.thrownValue !== undefined && e.thrownValue !== error) return isDataException(e.thrownValue);
  if (typeof e.code === 'string' && /^22[0-9A-Z]{3}$/.test(e.code)) return true;
  if (e.driverError && e.driverError !== error) return isDataException(e.driverError);
  if (e.cause && e.cause !== error) return isDataException(e.cause);
  return false;
}

/** PostgreSQL foreign_key_violation (23503): e.g. a row for an account erased meanwhile. */
export function isForeignKeyViolation(error: unknown): boolean {
  const e = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  return !!e && (e.code === '23503' || e.driverError?.code === '23503');
}
