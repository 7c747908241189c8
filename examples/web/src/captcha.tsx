import { useEffect, useRef, useSyncExternalStore } from 'react';
import { ApolloLink } from '@apollo/client';
import { Kind, OperationTypeNode, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import { Observable, type Subscription } from 'rxjs';
// Registers <altcha-widget> (ALTCHA's widget v2: it solves altcha-lib's v1 challenges, the format Warden signs).
import 'altcha';

/**
 * The adaptive CAPTCHA, once for the whole app (docs/bot-defences.md). Warden asks for it only past a threshold,
 * on six mutations (signup, login, requestOtp, requestMagicLink, requestPasswordReset, requestAccountRecovery):
 * they answer CAPTCHA_REQUIRED with a fresh ALTCHA challenge in extensions.challenge. createCaptchaLink then holds
 * the mutation, shows <CaptchaPrompt> (the ALTCHA widget on that challenge), and when the widget has solved it
 * sends the same mutation again with captchaToken = the widget's payload. Pages only call their mutation (whose
 * document declares $captchaToken, examples/operations) and never see the detour; the form stays busy meanwhile.
 */

/** What the prompt shows: the challenge of one CAPTCHA_REQUIRED answer. */
export interface CaptchaRequest {
  operationName: string | undefined;
  /** THRESHOLD (no token was sent) or INVALID (the token sent was refused: expired, or already used). */
  reason: string | null;
  /** altcha-lib's challenge object: algorithm, challenge, maxnumber, salt, signature. */
  challenge: Record<string, unknown>;
}

interface Pending {
  request: CaptchaRequest;
  resolve(token: string | null): void;
}

/** The CAPTCHAs waiting to be solved, first one shown; a tiny store that React reads with useSyncExternalStore. */
export class CaptchaSolver {
  private queue: Pending[] = [];
  private readonly listeners = new Set<() => void>();

  /** Resolves with the widget's payload once solved, or null when the person gives up. */
  solve(request: CaptchaRequest): Promise<string | null> {
    return new Promise((resolve) => {
      this.queue = [...this.queue, { request, resolve }];
      this.notify();
    });
  }

  current = (): CaptchaRequest | null => this.queue[0]?.request ?? null;

  /** Answers the request on screen (the payload, or null for "cancel"). */
  answer(request: CaptchaRequest, token: string | null): void {
    const pending = this.queue.find((p) => p.request === request);
    if (!pending) return;
    this.queue = this.queue.filter((p) => p !== pending);
    pending.resolve(token);
    this.notify();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** True when the mutation declares $captchaToken (only those can be sent again with a token). */
function declaresCaptchaToken(query: DocumentNode): boolean {
  return query.definitions.some(
    (d) =>
      d.kind === Kind.OPERATION_DEFINITION &&
      d.operation === OperationTypeNode.MUTATION &&
      (d.variableDefinitions ?? []).some((v) => v.variable.name.value === 'captchaToken'),
  );
}

/** The ALTCHA challenge of a CAPTCHA_REQUIRED answer; null for any other answer (or another provider). */
function altchaChallengeOf(errors: ReadonlyArray<GraphQLFormattedError> | undefined): { reason: string | null; challenge: Record<string, unknown> } | null {
  const ext = errors?.find((e) => e.extensions?.code === 'CAPTCHA_REQUIRED')?.extensions;
  if (!ext || ext.provider !== 'altcha' || typeof ext.challenge !== 'object' || ext.challenge === null) return null;
  return { reason: typeof ext.reason === 'string' ? ext.reason : null, challenge: ext.challenge as Record<string, unknown> };
}

/**
 * An Apollo link (before createWardenLink): a mutation that declares $captchaToken and is answered
 * CAPTCHA_REQUIRED is solved through `solver` and sent again with captchaToken, up to `maxAttempts` times (a token
 * refused as INVALID, e.g. expired while the tab slept, brings a new challenge). Cancelled: the answer goes through.
 */
export function createCaptchaLink(solver: CaptchaSolver, maxAttempts = 3): ApolloLink {
  return new ApolloLink((operation, forward) => {
    if (operation.operationType !== OperationTypeNode.MUTATION || !declaresCaptchaToken(operation.query)) return forward(operation);
    return new Observable<ApolloLink.Result>((observer) => {
      let current: Subscription | null = null;
      let closed = false;
      let attempts = 0;
      const send = () => {
        let handedOff = false;
        current = forward(operation).subscribe({
          next: (result) => {
            const required = attempts < maxAttempts ? altchaChallengeOf(result.errors) : null;
            if (!required) {
              observer.next(result);
              return;
            }
            attempts++;
            handedOff = true;
            solver.solve({ operationName: operation.operationName, ...required }).then(
              (token) => {
                if (closed) return;
                if (!token) {
                  observer.next(result);
                  observer.complete();
                  return;
                }
                operation.variables = { ...operation.variables, captchaToken: token };
                send();
              },
              (error: unknown) => observer.error(error),
            );
          },
          error: (error: unknown) => observer.error(error),
          complete: () => {
            if (!handedOff) observer.complete();
          },
        });
      };
      send();
      return () => {
        closed = true;
        current?.unsubscribe();
      };
    });
  });
}

/**
 * The CAPTCHA on screen, when a mutation waits for one: ALTCHA's widget on Warden's challenge (challengejson).
 * Ticking its box runs the proof of work in a Web Worker (a second or so; no third party is contacted); its
 * payload is the token. "Cancel" lets the mutation fail with the readable CAPTCHA_REQUIRED message.
 */
export function CaptchaPrompt({ solver }: { solver: CaptchaSolver }) {
  const request = useSyncExternalStore(solver.subscribe, solver.current);
  const widget = useRef<HTMLElement>(null);

  useEffect(() => {
    const element = widget.current;
    if (!request || !element) return;
    const onStateChange = (event: Event) => {
      const { state, payload } = (event as AltchaStateChangeEvent).detail;
      if (state === 'verified' && payload) solver.answer(request, payload);
    };
    element.addEventListener('statechange', onStateChange);
    return () => element.removeEventListener('statechange', onStateChange);
  }, [request, solver]);

  if (!request) return null;
  return (
    <div className="captcha-backdrop">
      {/* key: a new challenge gets a new widget (it reads challengejson when it starts). */}
      <div
        key={String(request.challenge.signature)}
        className="card captcha"
        role="dialog"
        aria-modal="true"
        aria-labelledby="captcha-title"
        data-testid="captcha"
      >
        <h2 id="captcha-title">Quick check</h2>
        <p className="muted">
          {request.reason === 'INVALID'
            ? 'That check expired or was already used. Please tick the box again.'
            : 'We have seen many attempts from your network or for this account. Tick the box; your browser does a little work, then we carry on.'}
        </p>
        <altcha-widget ref={widget} challengejson={JSON.stringify(request.challenge)} hidelogo hidefooter />
        <button type="button" className="secondary" onClick={() => solver.answer(request, null)}>
          Cancel
        </button>
      </div>
    </div>
  );
}
