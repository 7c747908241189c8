import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { buildSchema, type ContainerType } from 'type-graphql';
import { authChecker } from './auth-checker';
import { inputGuard } from './input-guard';
import { ViewerResolver } from '../modules/users/viewer.resolver';
import { PasswordResolver } from '../modules/password/password.resolver';
import { OtpResolver } from '../modules/otp/otp.resolver';
import { SessionsResolver } from '../modules/sessions/sessions.resolver';
import { MagicLinkResolver } from '../modules/magic-link/magic-link.resolver';
import { PasswordResetResolver } from '../modules/password-reset/password-reset.resolver';

export const resolverClasses = [
  ViewerResolver,
  PasswordResolver,
  OtpResolver,
  SessionsResolver,
  MagicLinkResolver,
  PasswordResetResolver,
] as const;

/** Builds the executable schema. Without a container (schema printing) resolvers are never called. */
export function buildWardenSchema(container?: ContainerType): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: resolverClasses,
    container: container ?? { get: () => ({}) },
    authChecker,
    authMode: 'error',
    globalMiddlewares: [inputGuard],
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    validate: false,
    emitSchemaFile: false,
  });
}

export const SCHEMA_HEADER = '# Emitted from the type-graphql classes by `npm run schema`. Do not edit by hand.\n\n';

/** The text of schema/schema.graphql: sorted, so it only changes when the schema does. */
export async function printWardenSchema(): Promise<string> {
  return SCHEMA_HEADER + printSchema(lexicographicSortSchema(await buildWardenSchema())) + '\n';
}
