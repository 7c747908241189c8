import net from 'node:net';

/**
 * A dependency Warden cannot reach at start, named with the variable that points at it:
 * `REDIS_URL: cannot reach redis://default:***@127.0.0.1:6390 (connect ECONNREFUSED)`. main.ts prints it and exits 1.
 */
export class DependencyUnreachableError extends Error {
  override name = 'DependencyUnreachableError';
  constructor(
    readonly variable: string,
    target: string,
    cause: unknown,
  ) {
    super(`${variable}: cannot reach ${target} (${describeCause(cause)})`, { cause });
  }
}

/** The URL without its password and query (which may carry one): scheme, user, host, port, path. */
export function maskUrl(raw: string): string {
  try {
    const url = new URL(raw);
    const user = url.username ? `${url.username}${url.password ? ':***' : ''}@` : url.password ? ':***@' : '';
    const path = url.pathname === '/' ? '' : url.pathname;
    return `${url.protocol}//${user}${url.host}${path}`;
  } catch {
    return '(not a URL)';
  }
}

interface SystemError {
  code?: unknown;
  syscall?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** `connect ECONNREFUSED`, `getaddrinfo ENOTFOUND`, or the deepest message in the cause chain. */
export function describeCause(cause: unknown): string {
  const seen = new Set<unknown>();
  let message: string | null = null;
  for (let e = cause as SystemError | undefined; e && typeof e === 'object' && !seen.has(e);) {
    seen.add(e);
    if (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) return typeof e.syscall === 'string' ? `${e.syscall} ${e.code}` : e.code;
    if (typeof e.message === 'string' && e.message) message = e.message;
    // AggregateError (every address of a host refused): its first error says why.
    e = (e.cause ?? (Array.isArray(e.errors) ? e.errors[0] : undefined)) as SystemError | undefined;
  }
  return message ?? String(cause);
}

/** Runs a start step; a failure becomes a DependencyUnreachableError naming `variable`. */
export async function reaching<T>(variable: string, target: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (cause) {
    throw new DependencyUnreachableError(variable, target, cause);
  }
}

/** Opens and closes one TCP connection (an SMTP relay is connected to only when a mail goes). */
export function tcpReachable(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(timeoutMs, () => socket.destroy(Object.assign(new Error(`no answer in ${timeoutMs} ms`), { code: 'ETIMEDOUT', syscall: 'connect' })));
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
  });
}
