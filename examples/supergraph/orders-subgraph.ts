// The "orders" subgraph of the example supergraph: in-memory orders, Apollo Server 5 + @apollo/subgraph.
// It trusts Warden's sign-in without sharing its database: it verifies the forwarded access token itself with
// verifyWardenToken from @warden/client/server (Warden's JWKS: signature, issuer, audience, expiry). See docs/federation.md.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema, printSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError } from 'graphql';
import gql from 'graphql-tag';
import { verifyWardenToken } from '@warden/client/server';

export const ordersTypeDefs = gql`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type Order {
    id: ID!
    total: Int!
  }

  "Warden's User, extended with the orders of that user."
  type User @key(fields: "id") {
    id: ID!
    "Only the user's own (the forwarded token's sub): FORBIDDEN for anybody else, as Warden's viewer-only fields."
    orders: [Order!]!
  }

  type Mutation {
    "Places an order for the signed-in user."
    placeOrder(total: Int!): Order!
  }

  type OrderStats {
    count: Int!
    total: Int!
  }

  type Query {
    "Every user's orders counted: for a token whose scope holds orders:read, e.g. a CI job's API key exchanged at Warden's /oauth/token."
    orderStats: OrderStats!
  }
`;

/** The application permission a machine (or a person's active organization) needs for orderStats (ORG_EXTRA_PERMISSIONS). */
export const ORDERS_READ = 'orders:read';

export interface OrdersOptions {
  /** Warden's /.well-known/jwks.json. */
  jwksUrl: string;
  /** Warden's PUBLIC_URL: the iss claim. */
  issuer: string;
  /** Warden's ACCESS_TOKEN_AUDIENCE (default PUBLIC_URL): the aud claim. */
  audience: string;
  port?: number;
  host?: string;
  /** The clock the expiry is checked against (tests move it forward). */
  now?: () => Date;
  /** Sees each request's headers (tests check what the gateway forwards). */
  onRequest?: (headers: IncomingHttpHeaders) => void;
}

interface OrdersContext {
  /** The verified token's sub (Warden's user id) for a person's token (with sid); null otherwise. */
  userId: string | null;
  /** A machine token's client_id (an API key's prefix, exchanged at /oauth/token); null otherwise. */
  clientId: string | null;
  /** The token's scope claim, split. */
  scopes: string[];
}

interface Order {
  id: string;
  total: number;
}

const unauthenticated = (message: string) => new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });

export async function startOrdersSubgraph(options: OrdersOptions) {
  const orders = new Map<string, Order[]>();
  /** What a service downstream of Warden must check in a token: signature (JWKS), alg, typ, iss, aud, exp, sub. */
  async function verify(authorization: string | undefined): Promise<OrdersContext> {
    if (!authorization) return { userId: null, clientId: null, scopes: [] };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw unauthenticated('Authorization must be "Bearer <accessToken>".');
    const verified = await verifyWardenToken(match[1]!, {
      jwksUrl: options.jwksUrl,
      issuer: options.issuer,
      audience: options.audience,
      currentDate: options.now?.(),
    }).catch(() => null);
    if (!verified) throw unauthenticated('The access token is invalid or expired.');
    // A person's session token has a sid; a machine token (an API key exchanged at /oauth/token) has a client_id instead.
    const clientId = typeof verified.claims.client_id === 'string' ? verified.claims.client_id : null;
    if (!verified.sessionId && !clientId) throw unauthenticated('The access token is invalid or expired.');
    return { userId: verified.sessionId ? verified.userId : null, clientId, scopes: verified.scopes };
  }

  const resolvers = {
    User: {
      __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
      orders(user: { id: string }, _args: unknown, ctx: OrdersContext): Order[] {
        if (ctx.userId !== user.id) throw new GraphQLError('Only the user can see their orders.', { extensions: { code: 'FORBIDDEN' } });
        return orders.get(user.id) ?? [];
      },
    },
    Query: {
      orderStats(_root: unknown, _args: unknown, ctx: OrdersContext) {
        if (!ctx.scopes.includes(ORDERS_READ)) throw new GraphQLError(`This needs a token with the ${ORDERS_READ} scope.`, { extensions: { code: 'FORBIDDEN' } });
        const all = [...orders.values()].flat();
        return { count: all.length, total: all.reduce((sum, o) => sum + o.total, 0) };
      },
    },
    Mutation: {
      placeOrder(_root: unknown, args: { total: number }, ctx: OrdersContext): Order {
        if (!ctx.userId) throw unauthenticated('Sign in first.');
        const order = { id: randomUUID(), total: args.total };
        orders.set(ctx.userId, [...(orders.get(ctx.userId) ?? []), order]);
        return order;
      },
    },
  };

  const schema = buildSubgraphSchema([{ typeDefs: ordersTypeDefs, resolvers }]);
  const server = new ApolloServer<OrdersContext>({ schema, plugins: [ApolloServerPluginInlineTraceDisabled()] });
  const { url } = await startStandaloneServer(server, {
    listen: { port: options.port ?? 4002, host: options.host ?? '127.0.0.1' },
    context: ({ req }) => {
      options.onRequest?.(req.headers);
      return verify(req.headers.authorization);
    },
  });
  return { url, sdl: printSubgraphSchema(schema), stop: () => server.stop() };
}
