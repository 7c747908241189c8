import { GraphQLError, GraphQLScalarType, valueFromASTUntyped } from 'graphql';
import { checkedByScalar } from '../../graphql/input-guard';

/** Bounds on a WebAuthn response: far above any real one (an RS256 attestation with extensions is a few kB). */
const MAX_SERIALIZED_LENGTH = 32 * 1024;
const MAX_DEPTH = 6;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /\p{Surrogate}/u;

function refuse(name: string, reason: string): never {
  throw new GraphQLError(`${name} ${reason}.`, { extensions: { code: 'BAD_USER_INPUT' } });
}

/** Checks every string and the nesting of a JSON value; marks objects so the central input guard trusts them. */
function checkJson(name: string, value: unknown, depth: number): void {
  if (depth > MAX_DEPTH) refuse(name, 'is nested too deeply');
  if (typeof value === 'string') {
    if (CONTROL.test(value)) refuse(name, 'must not contain control characters');
    if (LONE_SURROGATE.test(value)) refuse(name, 'must be well-formed Unicode (no lone surrogates)');
    return;
  }
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return;
  if (Array.isArray(value)) {
    for (const item of value) checkJson(name, item, depth + 1);
    return;
  }
  if (typeof value === 'object') {
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      checkJson(name, key, depth + 1);
      checkJson(name, item, depth + 1);
    }
    return;
  }
  refuse(name, 'must be JSON');
}

function parseJsonInput(name: string, value: unknown): unknown {
  let serialized: string | undefined;
  try {
    serialized = JSON.stringify(value);
  } catch {
    refuse(name, 'must be JSON');
  }
  if (serialized === undefined) refuse(name, 'must be JSON');
  if (serialized.length > MAX_SERIALIZED_LENGTH) refuse(name, `is too long (at most ${MAX_SERIALIZED_LENGTH} characters as JSON)`);
  checkJson(name, value, 0);
  if (value && typeof value === 'object') Object.defineProperty(value, checkedByScalar, { value: true, enumerable: false });
  return value;
}

function jsonScalar(name: string, description: string): GraphQLScalarType {
  return new GraphQLScalarType({
    name,
    description,
    serialize: (value) => value,
    parseValue: (value) => parseJsonInput(name, value),
    parseLiteral: (ast, variables) => parseJsonInput(name, valueFromASTUntyped(ast, variables)),
  });
}

export const WebAuthnRegistrationOptionsScalar = jsonScalar(
  'WebAuthnRegistrationOptions',
  'PublicKeyCredentialCreationOptionsJSON, as @simplewebauthn/browser takes it.',
);
export const WebAuthnAuthenticationOptionsScalar = jsonScalar('WebAuthnAuthenticationOptions', 'PublicKeyCredentialRequestOptionsJSON.');
export const WebAuthnRegistrationResponseScalar = jsonScalar('WebAuthnRegistrationResponse', 'RegistrationResponseJSON.');
export const WebAuthnAuthenticationResponseScalar = jsonScalar('WebAuthnAuthenticationResponse', 'AuthenticationResponseJSON.');
