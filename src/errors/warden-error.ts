import { errorCodeDeclaration, type ErrorCode, type LogLevel } from './error-codes';

export interface WardenErrorOptions {
  message?: string;
  /** Sent to the client under extensions (attemptsLeft, retryAfter, field…). Never secrets. */
  extensions?: Record<string, unknown>;
  /** Logged, never sent. */
  cause?: unknown;
}

/** An expected failure with a contract code. The message is safe to show users; the cause is for logs only. */
export class WardenError extends Error {
  override name = 'WardenError';
  readonly code: ErrorCode;
  readonly extensions: Record<string, unknown>;
  readonly logLevel: LogLevel;

  constructor(code: ErrorCode, options: WardenErrorOptions = {}) {
    const declared = errorCodeDeclaration(code);
    super(options.message ?? declared.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.extensions = options.extensions ?? {};
    this.logLevel = declared.logLevel;
  }

  static badInput(message: string, field?: string): WardenError {
    return new WardenError('BAD_USER_INPUT', { message, extensions: field ? { field } : {} });
  }

  static unavailable(dependency: string, cause: unknown): WardenError {
    return new WardenError('SERVICE_UNAVAILABLE', { cause, extensions: { dependency } });
  }

  static rateLimited(retryAfterSeconds: number): WardenError {
    return new WardenError('RATE_LIMITED', { extensions: { retryAfter: Math.max(1, Math.ceil(retryAfterSeconds)) } });
  }
}
