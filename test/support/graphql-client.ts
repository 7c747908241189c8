import { Client, fetchExchange, type AnyVariables, type TypedDocumentNode, CombinedError } from '@urql/core';

export interface GraphQLErrorInfo {
  code: string;
  message: string;
  extensions: Record<string, unknown>;
  status: number | null;
}

export class GraphQLRequestError extends Error {
  constructor(
    readonly info: GraphQLErrorInfo,
    readonly all: GraphQLErrorInfo[],
  ) {
    super(`${info.code}: ${info.message}`);
  }
}

/**
 * Drives Warden the way a frontend does: urql (a real GraphQL client) with codegen-typed documents,
 * a bearer token in memory, and the warden_refresh cookie kept like a browser would.
 */
export class WardenClient {
  accessToken: string | null = null;
  readonly cookies = new Map<string, string>();
  lastStatus: number | null = null;
  private readonly client: Client;

  constructor(
    readonly baseUrl: string,
    private readonly extraHeaders: Record<string, string> = {},
  ) {
    this.client = new Client({
      url: `${baseUrl}/graphql`,
      exchanges: [fetchExchange],
      requestPolicy: 'network-only',
      preferGetMethod: false,
      fetch: (input, init) => this.fetchWithCookies(input, init),
    });
  }

  private async fetchWithCookies(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const headers = new Headers(init?.headers);
    for (const [k, v] of Object.entries(this.extraHeaders)) headers.set(k, v);
    if (this.accessToken) headers.set('authorization', `Bearer ${this.accessToken}`);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(input, { ...init, headers });
    this.lastStatus = response.status;
    for (const setCookie of response.headers.getSetCookie()) {
      const [pair] = setCookie.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (!value || /expires=Thu, 01 Jan 1970/i.test(setCookie) || /max-age=0/i.test(setCookie)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** Runs an operation; throws GraphQLRequestError carrying the first error's extensions.code. */
  async request<TData, TVars extends AnyVariables>(document: TypedDocumentNode<TData, TVars>, variables?: TVars): Promise<TData> {
    const result = await this.client.mutation(document, (variables ?? {}) as TVars, { fetchOptions: {} }).toPromise();
    if (result.error) throw toRequestError(result.error, this.lastStatus);
    return result.data as TData;
  }

  async query<TData, TVars extends AnyVariables>(document: TypedDocumentNode<TData, TVars>, variables?: TVars): Promise<TData> {
    const result = await this.client.query(document, (variables ?? {}) as TVars).toPromise();
    if (result.error) throw toRequestError(result.error, this.lastStatus);
    return result.data as TData;
  }

  /** Awaits an operation that must fail and returns its error. */
  async error(promise: Promise<unknown>): Promise<GraphQLErrorInfo> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof GraphQLRequestError) return error.info;
      throw error;
    }
    throw new Error('expected the operation to fail, but it succeeded');
  }
}

function toRequestError(error: CombinedError, status: number | null): GraphQLRequestError {
  const all = error.graphQLErrors.map((e) => ({
    code: String(e.extensions?.code ?? 'UNKNOWN'),
    message: e.message,
    extensions: (e.extensions ?? {}) as Record<string, unknown>,
    status,
  }));
  if (all.length === 0) {
    const info = { code: 'NETWORK_ERROR', message: error.networkError?.message ?? error.message, extensions: {}, status };
    return new GraphQLRequestError(info, [info]);
  }
  return new GraphQLRequestError(all[0]!, all);
}

/** A raw POST for what a typed client cannot send (malformed bodies, batches, form posts). */
export async function rawPost(baseUrl: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: any; headers: Headers }> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, json, headers: response.headers };
}

/**
 * A login with an unknown email and a wrong password (INVALID_CREDENTIALS), posted raw so its response headers
 * can be read: answers the x-request-id the gateway gave it (null if none), to find that request's log lines.
 */
export async function wrongLoginRequestId(baseUrl: string): Promise<string | null> {
  const res = await rawPost(
    baseUrl,
    JSON.stringify({ query: 'mutation { login(input: { email: "nobody@example.com", password: "wrong-password-1" }) { challengeId } }' }),
  );
  return res.headers.get('x-request-id');
}
