/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "fragment UserFields on User {\n  id\n  email\n  emailVerified\n  phone\n  phoneVerified\n  name\n  createdAt\n  organization {\n    id\n    name\n    industry\n    teamSize\n    logoUrl\n  }\n}\n\nfragment SessionFields on Session {\n  id\n  createdAt\n  lastUsedAt\n  expiresAt\n  userAgent\n  ip\n  current\n}\n\nfragment AuthPayloadFields on AuthPayload {\n  accessToken\n  accessTokenExpiresAt\n  refreshToken\n  refreshTokenExpiresAt\n  user {\n    ...UserFields\n  }\n}\n\nfragment ChallengeFields on AuthChallenge {\n  challengeId\n  channel\n  purpose\n  destination\n  expiresAt\n  resendAvailableAt\n}": typeof types.UserFieldsFragmentDoc,
    "mutation RequestMagicLink($input: RequestMagicLinkInput!) {\n  requestMagicLink(input: $input) {\n    ok\n  }\n}\n\nmutation VerifyMagicLink($token: String!) {\n  verifyMagicLink(token: $token) {\n    ...AuthPayloadFields\n  }\n}": typeof types.RequestMagicLinkDocument,
    "mutation RequestOtp($input: RequestOtpInput!) {\n  requestOtp(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation ResendOtp($challengeId: ID!) {\n  resendOtp(challengeId: $challengeId) {\n    ...ChallengeFields\n  }\n}\n\nmutation VerifyOtp($input: VerifyOtpInput!) {\n  verifyOtp(input: $input) {\n    ...AuthPayloadFields\n  }\n}": typeof types.RequestOtpDocument,
    "mutation StartPasskeyRegistration {\n  startPasskeyRegistration {\n    challengeId\n    options\n    expiresAt\n  }\n}\n\nmutation FinishPasskeyRegistration($input: FinishPasskeyRegistrationInput!) {\n  finishPasskeyRegistration(input: $input) {\n    ...PasskeyFields\n  }\n}\n\nmutation StartPasskeyAuthentication($input: StartPasskeyAuthenticationInput!) {\n  startPasskeyAuthentication(input: $input) {\n    challengeId\n    options\n    expiresAt\n  }\n}\n\nmutation FinishPasskeyAuthentication($input: FinishPasskeyAuthenticationInput!) {\n  finishPasskeyAuthentication(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation RenamePasskey($id: ID!, $name: String!) {\n  renamePasskey(id: $id, name: $name) {\n    ...PasskeyFields\n  }\n}\n\nmutation RemovePasskey($id: ID!) {\n  removePasskey(id: $id)\n}\n\nquery ViewerPasskeys {\n  viewer {\n    id\n    passkeys {\n      ...PasskeyFields\n    }\n  }\n}\n\nfragment PasskeyFields on Passkey {\n  id\n  name\n  backedUp\n  createdAt\n  lastUsedAt\n}": typeof types.StartPasskeyRegistrationDocument,
    "mutation RequestPasswordReset($input: RequestPasswordResetInput!) {\n  requestPasswordReset(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation ResetPassword($input: ResetPasswordInput!) {\n  resetPassword(input: $input) {\n    ...AuthPayloadFields\n  }\n}": typeof types.RequestPasswordResetDocument,
    "mutation RefreshSession($refreshToken: String) {\n  refreshSession(refreshToken: $refreshToken) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation Logout {\n  logout\n}\n\nmutation LogoutAll {\n  logoutAll\n}\n\nmutation RevokeSession($id: ID!) {\n  revokeSession(id: $id)\n}": typeof types.RefreshSessionDocument,
    "mutation Signup($input: SignupInput!) {\n  signup(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation Login($input: LoginInput!) {\n  login(input: $input) {\n    ...ChallengeFields\n  }\n}": typeof types.SignupDocument,
    "query Viewer {\n  viewer {\n    ...UserFields\n    sessions {\n      ...SessionFields\n    }\n  }\n}": typeof types.ViewerDocument,
};
const documents: Documents = {
    "fragment UserFields on User {\n  id\n  email\n  emailVerified\n  phone\n  phoneVerified\n  name\n  createdAt\n  organization {\n    id\n    name\n    industry\n    teamSize\n    logoUrl\n  }\n}\n\nfragment SessionFields on Session {\n  id\n  createdAt\n  lastUsedAt\n  expiresAt\n  userAgent\n  ip\n  current\n}\n\nfragment AuthPayloadFields on AuthPayload {\n  accessToken\n  accessTokenExpiresAt\n  refreshToken\n  refreshTokenExpiresAt\n  user {\n    ...UserFields\n  }\n}\n\nfragment ChallengeFields on AuthChallenge {\n  challengeId\n  channel\n  purpose\n  destination\n  expiresAt\n  resendAvailableAt\n}": types.UserFieldsFragmentDoc,
    "mutation RequestMagicLink($input: RequestMagicLinkInput!) {\n  requestMagicLink(input: $input) {\n    ok\n  }\n}\n\nmutation VerifyMagicLink($token: String!) {\n  verifyMagicLink(token: $token) {\n    ...AuthPayloadFields\n  }\n}": types.RequestMagicLinkDocument,
    "mutation RequestOtp($input: RequestOtpInput!) {\n  requestOtp(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation ResendOtp($challengeId: ID!) {\n  resendOtp(challengeId: $challengeId) {\n    ...ChallengeFields\n  }\n}\n\nmutation VerifyOtp($input: VerifyOtpInput!) {\n  verifyOtp(input: $input) {\n    ...AuthPayloadFields\n  }\n}": types.RequestOtpDocument,
    "mutation StartPasskeyRegistration {\n  startPasskeyRegistration {\n    challengeId\n    options\n    expiresAt\n  }\n}\n\nmutation FinishPasskeyRegistration($input: FinishPasskeyRegistrationInput!) {\n  finishPasskeyRegistration(input: $input) {\n    ...PasskeyFields\n  }\n}\n\nmutation StartPasskeyAuthentication($input: StartPasskeyAuthenticationInput!) {\n  startPasskeyAuthentication(input: $input) {\n    challengeId\n    options\n    expiresAt\n  }\n}\n\nmutation FinishPasskeyAuthentication($input: FinishPasskeyAuthenticationInput!) {\n  finishPasskeyAuthentication(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation RenamePasskey($id: ID!, $name: String!) {\n  renamePasskey(id: $id, name: $name) {\n    ...PasskeyFields\n  }\n}\n\nmutation RemovePasskey($id: ID!) {\n  removePasskey(id: $id)\n}\n\nquery ViewerPasskeys {\n  viewer {\n    id\n    passkeys {\n      ...PasskeyFields\n    }\n  }\n}\n\nfragment PasskeyFields on Passkey {\n  id\n  name\n  backedUp\n  createdAt\n  lastUsedAt\n}": types.StartPasskeyRegistrationDocument,
    "mutation RequestPasswordReset($input: RequestPasswordResetInput!) {\n  requestPasswordReset(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation ResetPassword($input: ResetPasswordInput!) {\n  resetPassword(input: $input) {\n    ...AuthPayloadFields\n  }\n}": types.RequestPasswordResetDocument,
    "mutation RefreshSession($refreshToken: String) {\n  refreshSession(refreshToken: $refreshToken) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation Logout {\n  logout\n}\n\nmutation LogoutAll {\n  logoutAll\n}\n\nmutation RevokeSession($id: ID!) {\n  revokeSession(id: $id)\n}": types.RefreshSessionDocument,
    "mutation Signup($input: SignupInput!) {\n  signup(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation Login($input: LoginInput!) {\n  login(input: $input) {\n    ...ChallengeFields\n  }\n}": types.SignupDocument,
    "query Viewer {\n  viewer {\n    ...UserFields\n    sessions {\n      ...SessionFields\n    }\n  }\n}": types.ViewerDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment UserFields on User {\n  id\n  email\n  emailVerified\n  phone\n  phoneVerified\n  name\n  createdAt\n  organization {\n    id\n    name\n    industry\n    teamSize\n    logoUrl\n  }\n}\n\nfragment SessionFields on Session {\n  id\n  createdAt\n  lastUsedAt\n  expiresAt\n  userAgent\n  ip\n  current\n}\n\nfragment AuthPayloadFields on AuthPayload {\n  accessToken\n  accessTokenExpiresAt\n  refreshToken\n  refreshTokenExpiresAt\n  user {\n    ...UserFields\n  }\n}\n\nfragment ChallengeFields on AuthChallenge {\n  challengeId\n  channel\n  purpose\n  destination\n  expiresAt\n  resendAvailableAt\n}"): (typeof documents)["fragment UserFields on User {\n  id\n  email\n  emailVerified\n  phone\n  phoneVerified\n  name\n  createdAt\n  organization {\n    id\n    name\n    industry\n    teamSize\n    logoUrl\n  }\n}\n\nfragment SessionFields on Session {\n  id\n  createdAt\n  lastUsedAt\n  expiresAt\n  userAgent\n  ip\n  current\n}\n\nfragment AuthPayloadFields on AuthPayload {\n  accessToken\n  accessTokenExpiresAt\n  refreshToken\n  refreshTokenExpiresAt\n  user {\n    ...UserFields\n  }\n}\n\nfragment ChallengeFields on AuthChallenge {\n  challengeId\n  channel\n  purpose\n  destination\n  expiresAt\n  resendAvailableAt\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RequestMagicLink($input: RequestMagicLinkInput!) {\n  requestMagicLink(input: $input) {\n    ok\n  }\n}\n\nmutation VerifyMagicLink($token: String!) {\n  verifyMagicLink(token: $token) {\n    ...AuthPayloadFields\n  }\n}"): (typeof documents)["mutation RequestMagicLink($input: RequestMagicLinkInput!) {\n  requestMagicLink(input: $input) {\n    ok\n  }\n}\n\nmutation VerifyMagicLink($token: String!) {\n  verifyMagicLink(token: $token) {\n    ...AuthPayloadFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RequestOtp($input: RequestOtpInput!) {\n  requestOtp(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation ResendOtp($challengeId: ID!) {\n  resendOtp(challengeId: $challengeId) {\n    ...ChallengeFields\n  }\n}\n\nmutation VerifyOtp($input: VerifyOtpInput!) {\n  verifyOtp(input: $input) {\n    ...AuthPayloadFields\n  }\n}"): (typeof documents)["mutation RequestOtp($input: RequestOtpInput!) {\n  requestOtp(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation ResendOtp($challengeId: ID!) {\n  resendOtp(challengeId: $challengeId) {\n    ...ChallengeFields\n  }\n}\n\nmutation VerifyOtp($input: VerifyOtpInput!) {\n  verifyOtp(input: $input) {\n    ...AuthPayloadFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation StartPasskeyRegistration {\n  startPasskeyRegistration {\n    challengeId\n    options\n    expiresAt\n  }\n}\n\nmutation FinishPasskeyRegistration($input: FinishPasskeyRegistrationInput!) {\n  finishPasskeyRegistration(input: $input) {\n    ...PasskeyFields\n  }\n}\n\nmutation StartPasskeyAuthentication($input: StartPasskeyAuthenticationInput!) {\n  startPasskeyAuthentication(input: $input) {\n    challengeId\n    options\n    expiresAt\n  }\n}\n\nmutation FinishPasskeyAuthentication($input: FinishPasskeyAuthenticationInput!) {\n  finishPasskeyAuthentication(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation RenamePasskey($id: ID!, $name: String!) {\n  renamePasskey(id: $id, name: $name) {\n    ...PasskeyFields\n  }\n}\n\nmutation RemovePasskey($id: ID!) {\n  removePasskey(id: $id)\n}\n\nquery ViewerPasskeys {\n  viewer {\n    id\n    passkeys {\n      ...PasskeyFields\n    }\n  }\n}\n\nfragment PasskeyFields on Passkey {\n  id\n  name\n  backedUp\n  createdAt\n  lastUsedAt\n}"): (typeof documents)["mutation StartPasskeyRegistration {\n  startPasskeyRegistration {\n    challengeId\n    options\n    expiresAt\n  }\n}\n\nmutation FinishPasskeyRegistration($input: FinishPasskeyRegistrationInput!) {\n  finishPasskeyRegistration(input: $input) {\n    ...PasskeyFields\n  }\n}\n\nmutation StartPasskeyAuthentication($input: StartPasskeyAuthenticationInput!) {\n  startPasskeyAuthentication(input: $input) {\n    challengeId\n    options\n    expiresAt\n  }\n}\n\nmutation FinishPasskeyAuthentication($input: FinishPasskeyAuthenticationInput!) {\n  finishPasskeyAuthentication(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation RenamePasskey($id: ID!, $name: String!) {\n  renamePasskey(id: $id, name: $name) {\n    ...PasskeyFields\n  }\n}\n\nmutation RemovePasskey($id: ID!) {\n  removePasskey(id: $id)\n}\n\nquery ViewerPasskeys {\n  viewer {\n    id\n    passkeys {\n      ...PasskeyFields\n    }\n  }\n}\n\nfragment PasskeyFields on Passkey {\n  id\n  name\n  backedUp\n  createdAt\n  lastUsedAt\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RequestPasswordReset($input: RequestPasswordResetInput!) {\n  requestPasswordReset(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation ResetPassword($input: ResetPasswordInput!) {\n  resetPassword(input: $input) {\n    ...AuthPayloadFields\n  }\n}"): (typeof documents)["mutation RequestPasswordReset($input: RequestPasswordResetInput!) {\n  requestPasswordReset(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation ResetPassword($input: ResetPasswordInput!) {\n  resetPassword(input: $input) {\n    ...AuthPayloadFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RefreshSession($refreshToken: String) {\n  refreshSession(refreshToken: $refreshToken) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation Logout {\n  logout\n}\n\nmutation LogoutAll {\n  logoutAll\n}\n\nmutation RevokeSession($id: ID!) {\n  revokeSession(id: $id)\n}"): (typeof documents)["mutation RefreshSession($refreshToken: String) {\n  refreshSession(refreshToken: $refreshToken) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation Logout {\n  logout\n}\n\nmutation LogoutAll {\n  logoutAll\n}\n\nmutation RevokeSession($id: ID!) {\n  revokeSession(id: $id)\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Signup($input: SignupInput!) {\n  signup(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation Login($input: LoginInput!) {\n  login(input: $input) {\n    ...ChallengeFields\n  }\n}"): (typeof documents)["mutation Signup($input: SignupInput!) {\n  signup(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation Login($input: LoginInput!) {\n  login(input: $input) {\n    ...ChallengeFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Viewer {\n  viewer {\n    ...UserFields\n    sessions {\n      ...SessionFields\n    }\n  }\n}"): (typeof documents)["query Viewer {\n  viewer {\n    ...UserFields\n    sessions {\n      ...SessionFields\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;