// wardenExchange: an urql exchange over WardenAuth. Put it before fetchExchange (and after cacheExchange);
// give the Client fetchOptions: { credentials: 'include' } so that sign-ins set the cookie.
import { makeOperation, type Exchange, type Operation, type OperationResult } from '@urql/core';
import { filter, makeSubject, map, merge, onPush, pipe, share } from 'wonka';
import type { WardenAuth, WardenGraphQLError } from './core.js';

interface WardenContext {
  wardenToken?: string | null;
  wardenRetried?: boolean;
}

function headersRecord(headers: unknown): Record<string, string> {
  if (!headers) return {};
  if (typeof (headers as { forEach?: unknown }).forEach === 'function' && !Array.isArray(headers)) {
    const out: Record<string, string> = {};
    (headers as { forEach(cb: (v: string, k: string) => void): void }).forEach((v, k) => (out[k] = v));
    return out;
  }
  if (Array.isArray(headers)) return Object.fromEntries(headers as [string, string][]);
  return { ...(headers as Record<string, string>) };
}

function withToken(operation: Operation, token: string | null, retried: boolean): Operation {
  const previous = typeof operation.context.fetchOptions === 'function' ? operation.context.fetchOptions() : (operation.context.fetchOptions ?? {});
  const headers = Object.fromEntries(Object.entries(headersRecord(previous.headers)).filter(([k]) => k.toLowerCase() !== 'authorization'));
  if (token) headers.authorization = `Bearer ${token}`;
  const context = { ...operation.context, fetchOptions: { ...previous, headers }, wardenToken: token, wardenRetried: retried };
  return makeOperation(operation.kind, operation, context);
}

const errorsOf = (result: OperationResult): WardenGraphQLError[] =>
  (result.error?.graphQLErrors ?? []).map((e) => ({ message: e.message, path: e.path, extensions: e.extensions as Record<string, unknown> }));

const isHttp401 = (result: OperationResult): boolean => (result.error?.response as { status?: number } | undefined)?.status === 401;

/**
 * The urql twin of createWardenLink: bearer from memory; one refresh and one retry on UNAUTHENTICATED,
 * CLAIMS_CHANGED or an HTTP 401; MFA_REQUIRED, REAUTHENTICATION_REQUIRED, CAPTCHA_REQUIRED as events; the token of
 * a mutation's AuthPayload kept, and forgotten after logout.
 */
export function wardenExchange(auth: WardenAuth): Exchange {
  return ({ forward }) =>
    (operations$) => {
      const retries = makeSubject<Operation>();
      const late = makeSubject<OperationResult>();
      const live = new Set<number>();

      const outgoing$ = pipe(
        operations$,
        onPush((op: Operation) => {
          if (op.kind === 'teardown') live.delete(op.key);
          else live.add(op.key);
        }),
        map((op: Operation) => (op.kind === 'teardown' ? op : withToken(op, auth.getAccessToken(), false))),
      );

      const deliver = (result: OperationResult): OperationResult => {
        const decision = auth.decide(errorsOf(result), operationName(result.operation));
        if (decision.action === 'event') auth.emit(decision.event);
        if (result.operation.kind === 'mutation') auth.observeMutationResult(result.data);
        return result;
      };

      const results$ = pipe(merge([outgoing$, retries.source]), forward, share);
      const checked$ = pipe(
        results$,
        filter((result: OperationResult) => {
          const context = result.operation.context as WardenContext;
          const wantsRetry = auth.decide(errorsOf(result)).action === 'retry' || isHttp401(result);
          if (context.wardenRetried || !wantsRetry) return true;
          auth.tokenAfterFailure(context.wardenToken ?? null).then(
            (token) => {
              if (!live.has(result.operation.key)) return;
              if (token) retries.next(withToken(result.operation, token, true));
              else late.next(result);
            },
            () => late.next(result),
          );
          return false;
        }),
      );
      return pipe(merge([checked$, late.source]), map(deliver));
    };
}

function operationName(operation: Operation): string | undefined {
  for (const d of operation.query.definitions) if (d.kind === 'OperationDefinition' && d.name) return d.name.value;
  return undefined;
}
