// createWardenLink: an Apollo Client 4 link over WardenAuth. Put it before the HttpLink (whose fetchOptions
// should carry credentials: 'include' so that sign-ins set the cookie).
import { ApolloLink, ServerError } from '@apollo/client';
import { Observable, type Subscription } from 'rxjs';
import type { WardenAuth } from './core.js';

function withAuthorization(headers: Record<string, string> | undefined, token: string | null): Record<string, string> {
  const next: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (k.toLowerCase() !== 'authorization') next[k] = v;
  if (token) next.authorization = `Bearer ${token}`;
  return next;
}

/**
 * Sends the in-memory access token as a bearer; on UNAUTHENTICATED (or CLAIMS_CHANGED, or an HTTP 401) refreshes
 * once through the shared refresh and sends the operation again, once; emits MFA_REQUIRED,
 * REAUTHENTICATION_REQUIRED and CAPTCHA_REQUIRED as events and passes those answers through unchanged; keeps
 * the token of every AuthPayload a mutation answers and forgets it after logout.
 */
export function createWardenLink(auth: WardenAuth): ApolloLink {
  return new ApolloLink(
    (operation, forward) =>
      new Observable<ApolloLink.Result>((observer) => {
        let current: Subscription | null = null;
        let closed = false;
        const isMutation = operation.operationType === 'mutation';

        const deliver = (result: ApolloLink.Result) => {
          const decision = auth.decide(result.errors, operation.operationName);
          if (decision.action === 'event') auth.emit(decision.event);
          if (isMutation) auth.observeMutationResult(result.data);
          observer.next(result);
        };

        const send = (token: string | null, retried: boolean) => {
          operation.setContext(({ headers }) => ({ headers: withAuthorization(headers as Record<string, string> | undefined, token) }));
          let handedOff = false;
          const retry = (onNoToken: () => void) => {
            handedOff = true;
            current?.unsubscribe();
            auth.tokenAfterFailure(token).then(
              (next) => {
                if (closed) return;
                if (next) send(next, true);
                else onNoToken();
              },
              (error: unknown) => observer.error(error),
            );
          };
          current = forward(operation).subscribe({
            next: (result) => {
              if (handedOff) return;
              if (!retried && auth.decide(result.errors, operation.operationName).action === 'retry') {
                retry(() => {
                  deliver(result);
                  observer.complete();
                });
                return;
              }
              deliver(result);
            },
            error: (error: unknown) => {
              if (handedOff) return;
              if (!retried && ServerError.is(error) && error.statusCode === 401) {
                retry(() => observer.error(error));
                return;
              }
              observer.error(error);
            },
            complete: () => {
              if (!handedOff) observer.complete();
            },
          });
          if (handedOff) current.unsubscribe();
        };

        send(auth.getAccessToken(), false);
        return () => {
          closed = true;
          current?.unsubscribe();
        };
      }),
  );
}
