import type { EntityManager } from 'typeorm';
import type { RevocationListener, SignInGate, SignedIn } from '../modules/sessions/sessions.service';
import type { OrganizationClaimsSource, TokenScopeSource } from '../modules/sessions/session-types';
import type { PurposeHandler } from '../modules/otp/challenges.service';
import type { OtpPurposeValue } from '../modules/otp/otp-challenge.entity';
import type { SignInMethodSource } from '../modules/users/sign-in-methods';
import type { FieldGuard } from '../modules/rate-limits/field-guard';
import type { ApiKeyOwnerCheck, BearerAuthenticator } from '../modules/api-keys/api-key-principal';
import type { StampedEvent } from '../modules/events/event-relay';

/** Told of the events the relay just stamped: `queue` in the stamping transaction (database only), `committed` after its COMMIT. */
export interface StampListener {
  queue(em: EntityManager, events: readonly StampedEvent[]): Promise<void>;
  /** After the COMMIT of a stamping transaction that stamped at least one event; must not throw. */
  committed?(): void;
}

/** One section of exportAccountData (never secrets): the account gives its own, other capabilities (identities, factors, passkeys) theirs. */
export type ExportSection = (em: EntityManager, userId: string) => Promise<unknown>;

/** A module's code purposes (purpose → handler): its codePurposes hook. */
export type CodePurposes = Readonly<Partial<Record<OtpPurposeValue, PurposeHandler>>>;

/** A capability's own codes or links that lead into an account (one-time codes, magic links, reset links). */
export interface WayIn {
  /** Spends every outstanding one of the user, inside the caller's transaction (password change, email change, deletion). */
  voidOutstanding(em: EntityManager, userId: string): Promise<void>;
}

/**
 * What a module plugs into the others, returned from its build. Nothing registers from a constructor: the
 * composition loop hands these to the HookRegistry, and their consumers read the registry when they run.
 */
export interface ModuleHooks {
  /** Asked before every new session, CHAINED in module-list order: each is consulted, the first refusal wins. */
  signInGates?: readonly SignInGate[];
  /** After the COMMIT of every new session (never inside it); must not throw, runs its own I/O in the background. */
  onSignedIn?: readonly ((signedIn: SignedIn) => void)[];
  /** In the revoking transaction, after the sessions were marked revoked: spends what they left pending. Database only. */
  onSessionsRevoked?: readonly RevocationListener[];
  /** Sections of exportAccountData, by name (never secrets). */
  exportSections?: Readonly<Record<string, ExportSection>>;
  /** Ways into an account counted by LAST_SIGN_IN_METHOD, one source per kind. */
  signInMethods?: readonly SignInMethodSource[];
  /** "Void every outstanding code and link" of a user: each capability spends its own. */
  waysIn?: readonly WayIn[];
  /** One-time code purposes this module verifies (purpose → handler), one handler per purpose across the list. */
  codePurposes?: CodePurposes;
  /** Asked by @RateLimit for every executed field: counters to send with its per-IP count (one round trip), then a decision. */
  fieldGuards?: readonly FieldGuard[];
  /** The permissions behind an access token's `scope` claim (one module gives it: organizations). */
  organizationClaims?: OrganizationClaimsSource;
  /** Platform scope names (warden:admin) added to access tokens' `scope`, each source asked at every token issued. */
  tokenScopes?: readonly TokenScopeSource[];
  /** Bearers that are not session tokens: API keys and the tokens exchanged for them (one module gives it: api-keys). */
  bearerAuthenticator?: BearerAuthenticator;
  /** Asked at every use of an API key about its creator: any false makes the key answer as unknown (a ban). */
  apiKeyOwnerChecks?: readonly ApiKeyOwnerCheck[];
  /** Asked on every request of an impersonation token with the acting admin's id: false refuses it (UNAUTHENTICATED). */
  impersonators?: readonly ((adminUserId: string) => Promise<boolean>)[];
  /** Told of every batch of events the relay stamps (webhooks queue their deliveries there), in module-list order. */
  eventsStamped?: readonly StampListener[];
}

/**
 * Every module's hooks, in module-list order. Filled by the composition loop after every build (add, then seal);
 * read by their consumers at call time (the sessions service is built before the mfa module that adds a gate).
 * Reading before seal() is a programming error: a constructor that read here would see a partial list.
 */
export class HookRegistry {
  private sealed = false;
  private readonly gates: SignInGate[] = [];
  private readonly signedIn: ((signedIn: SignedIn) => void)[] = [];
  private readonly revoked: RevocationListener[] = [];
  private readonly sections = new Map<string, { owner: string; section: ExportSection }>();
  private readonly methods = new Map<string, { owner: string; source: SignInMethodSource }>();
  private readonly ways: WayIn[] = [];
  private readonly guards: FieldGuard[] = [];
  private readonly scopes: TokenScopeSource[] = [];
  private readonly impersonatorChecks: ((adminUserId: string) => Promise<boolean>)[] = [];
  private readonly purposes = new Map<OtpPurposeValue, { owner: string; handler: PurposeHandler }>();
  private claims: { owner: string; source: OrganizationClaimsSource } | undefined;
  private bearer: { owner: string; authenticator: BearerAuthenticator } | undefined;
  private readonly ownerChecks: ApiKeyOwnerCheck[] = [];
  private readonly stampListeners: StampListener[] = [];

  /** Adds one module's hooks (in module-list order). A purpose, export section or sign-in method kind given twice fails. */
  add(owner: string, hooks: ModuleHooks | undefined): void {
    if (this.sealed) throw new Error(`hooks of module ${owner} added after the registry was sealed`);
    if (!hooks) return;
    this.gates.push(...(hooks.signInGates ?? []));
    this.signedIn.push(...(hooks.onSignedIn ?? []));
    this.revoked.push(...(hooks.onSessionsRevoked ?? []));
    this.ways.push(...(hooks.waysIn ?? []));
    this.guards.push(...(hooks.fieldGuards ?? []));
    this.scopes.push(...(hooks.tokenScopes ?? []));
    this.impersonatorChecks.push(...(hooks.impersonators ?? []));
    this.stampListeners.push(...(hooks.eventsStamped ?? []));
    for (const [name, section] of Object.entries(hooks.exportSections ?? {})) {
      const taken = this.sections.get(name);
      if (taken) throw new Error(`export section ${name} given by both module ${taken.owner} and module ${owner}`);
      this.sections.set(name, { owner, section });
    }
    for (const source of hooks.signInMethods ?? []) {
      const taken = this.methods.get(source.kind);
      if (taken) throw new Error(`sign-in method ${source.kind} given by both module ${taken.owner} and module ${owner}`);
      this.methods.set(source.kind, { owner, source });
    }
    this.ownerChecks.push(...(hooks.apiKeyOwnerChecks ?? []));
    if (hooks.bearerAuthenticator) {
      if (this.bearer) throw new Error(`bearerAuthenticator given by both module ${this.bearer.owner} and module ${owner}`);
      this.bearer = { owner, authenticator: hooks.bearerAuthenticator };
    }
    if (hooks.organizationClaims) {
      if (this.claims) throw new Error(`organizationClaims given by both module ${this.claims.owner} and module ${owner}`);
      this.claims = { owner, source: hooks.organizationClaims };
    }
    for (const [purpose, handler] of Object.entries(hooks.codePurposes ?? {}) as [OtpPurposeValue, PurposeHandler][]) {
      const taken = this.purposes.get(purpose);
      if (taken) throw new Error(`code purpose ${purpose} handled by both module ${taken.owner} and module ${owner}`);
      this.purposes.set(purpose, { owner, handler });
    }
  }

  /** Every module was built: the lists are final and may be read. */
  seal(): void {
    this.sealed = true;
  }

  private read<T>(value: T): T {
    if (!this.sealed) throw new Error('hooks read before every module was built (read them when a request runs, not in a constructor or build)');
    return value;
  }

  bearerAuthenticator(): BearerAuthenticator | undefined {
    return this.read(this.bearer?.authenticator);
  }

  apiKeyOwnerChecks(): readonly ApiKeyOwnerCheck[] {
    return this.read(this.ownerChecks);
  }

  signInGates(): readonly SignInGate[] {
    return this.read(this.gates);
  }

  onSignedIn(): readonly ((signedIn: SignedIn) => void)[] {
    return this.read(this.signedIn);
  }

  onSessionsRevoked(): readonly RevocationListener[] {
    return this.read(this.revoked);
  }

  /** Export sections in module-list order. */
  exportSections(): readonly [string, ExportSection][] {
    return this.read([...this.sections].map(([name, { section }]) => [name, section] as [string, ExportSection]));
  }

  exportSection(name: string): ExportSection | undefined {
    return this.read(this.sections.get(name)?.section);
  }

  signInMethods(): readonly SignInMethodSource[] {
    return this.read([...this.methods.values()].map((m) => m.source));
  }

  fieldGuards(): readonly FieldGuard[] {
    return this.read(this.guards);
  }

  waysIn(): readonly WayIn[] {
    return this.read(this.ways);
  }

  codePurpose(purpose: OtpPurposeValue): PurposeHandler | undefined {
    return this.read(this.purposes.get(purpose)?.handler);
  }

  impersonators(): readonly ((adminUserId: string) => Promise<boolean>)[] {
    return this.read(this.impersonatorChecks);
  }

  eventsStamped(): readonly StampListener[] {
    return this.read(this.stampListeners);
  }

  tokenScopes(): readonly TokenScopeSource[] {
    return this.read(this.scopes);
  }

  organizationClaims(): OrganizationClaimsSource | undefined {
    return this.read(this.claims?.source);
  }

  codePurposes(): readonly OtpPurposeValue[] {
    return this.read([...this.purposes.keys()]);
  }
}
