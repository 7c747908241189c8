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
  'mutation UpdateProfile($input: UpdateProfileInput!) {\n  updateProfile(input: $input) {\n    ...UserFields\n  }\n}\n\nmutation ChangePassword($input: ChangePasswordInput!) {\n  changePassword(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation SetPassword($input: SetPasswordInput!) {\n  setPassword(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation RequestEmailChange($input: RequestEmailChangeInput!) {\n  requestEmailChange(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation UndoEmailChange($token: String!) {\n  undoEmailChange(token: $token) {\n    ok\n  }\n}\n\nmutation RequestPhoneChange($input: RequestPhoneChangeInput!) {\n  requestPhoneChange(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation DeleteAccount {\n  deleteAccount {\n    scheduledAt\n  }\n}\n\nmutation RequestAccountRecovery($input: RequestAccountRecoveryInput!) {\n  requestAccountRecovery(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation RecoverAccount($input: RecoverAccountInput!) {\n  recoverAccount(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation ExportAccountData {\n  exportAccountData\n}\n\nquery ViewerSecurityEvents($first: Int, $after: String) {\n  viewer {\n    id\n    hasPassword\n    securityEvents(first: $first, after: $after) {\n      nodes {\n        id\n        type\n        outcome\n        method\n        createdAt\n        ip\n        userAgent\n      }\n      endCursor\n      hasNextPage\n    }\n  }\n}': typeof types.UpdateProfileDocument;
  'fragment UserFields on User {\n  id\n  email\n  emailVerified\n  phone\n  phoneVerified\n  name\n  createdAt\n  organization {\n    id\n    name\n    industry\n    teamSize\n    logoUrl\n  }\n}\n\nfragment ChallengeFields on AuthChallenge {\n  challengeId\n  channel\n  purpose\n  destination\n  expiresAt\n  resendAvailableAt\n}\n\nfragment AuthPayloadFields on AuthPayload {\n  accessToken\n  accessTokenExpiresAt\n  refreshToken\n  refreshTokenExpiresAt\n  user {\n    ...UserFields\n  }\n}': typeof types.UserFieldsFragmentDoc;
  'mutation Login($input: LoginInput!) {\n  login(input: $input) {\n    ...ChallengeFields\n  }\n}': typeof types.LoginDocument;
  'mutation RequestMagicLink($input: RequestMagicLinkInput!) {\n  requestMagicLink(input: $input) {\n    ok\n  }\n}\n\nmutation VerifyMagicLink($token: String!) {\n  verifyMagicLink(token: $token) {\n    ...AuthPayloadFields\n  }\n}': typeof types.RequestMagicLinkDocument;
  'mutation StartTotpEnrollment {\n  startTotpEnrollment {\n    factorId\n    otpauthUri\n    qrCodeSvg\n    secret\n    expiresAt\n  }\n}\n\nmutation ConfirmTotpEnrollment($input: ConfirmTotpEnrollmentInput!) {\n  confirmTotpEnrollment(input: $input) {\n    codes\n    createdAt\n  }\n}\n\nmutation RemoveMfaFactor($id: ID!) {\n  removeMfaFactor(id: $id)\n}\n\nmutation RegenerateRecoveryCodes {\n  regenerateRecoveryCodes {\n    codes\n    createdAt\n  }\n}\n\nmutation VerifyRecoveryCode($input: VerifyRecoveryCodeInput!) {\n  verifyRecoveryCode(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation RequestReauthentication {\n  requestReauthentication {\n    ...ChallengeFields\n  }\n}\n\nquery ViewerMfa {\n  viewer {\n    id\n    mfaFactors {\n      id\n      type\n      name\n      createdAt\n      lastUsedAt\n    }\n    recoveryCodesRemaining\n    sessions {\n      id\n      current\n      authenticatorAssuranceLevel\n      lastAuthenticatedAt\n    }\n  }\n}': typeof types.StartTotpEnrollmentDocument;
  'query OAuthProviders {\n  oauthProviders {\n    id\n    kind\n    name\n  }\n}\n\nmutation StartOAuth($input: StartOAuthInput!) {\n  startOAuth(input: $input) {\n    authorizationUrl\n    expiresAt\n  }\n}\n\nmutation CompleteOAuth($input: CompleteOAuthInput!) {\n  completeOAuth(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation LinkOAuth($input: StartOAuthInput!) {\n  linkOAuth(input: $input) {\n    authorizationUrl\n    expiresAt\n  }\n}\n\nmutation UnlinkIdentity($id: ID!) {\n  unlinkIdentity(id: $id) {\n    id\n    hasPassword\n    identities {\n      id\n      provider\n    }\n  }\n}\n\nquery ViewerIdentities {\n  viewer {\n    id\n    email\n    emailVerified\n    hasPassword\n    identities {\n      id\n      provider\n      email\n      emailVerified\n      createdAt\n      lastSignInAt\n    }\n  }\n}': typeof types.OAuthProvidersDocument;
  'mutation StartPasskeyRegistration {\n  startPasskeyRegistration {\n    challengeId\n    options\n    expiresAt\n  }\n}\n\nmutation FinishPasskeyRegistration($input: FinishPasskeyRegistrationInput!) {\n  finishPasskeyRegistration(input: $input) {\n    id\n    name\n    backedUp\n    createdAt\n    lastUsedAt\n  }\n}\n\nmutation StartPasskeyAuthentication($input: StartPasskeyAuthenticationInput!) {\n  startPasskeyAuthentication(input: $input) {\n    challengeId\n    options\n    expiresAt\n  }\n}\n\nmutation FinishPasskeyAuthentication($input: FinishPasskeyAuthenticationInput!) {\n  finishPasskeyAuthentication(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation RenamePasskey($id: ID!, $name: String!) {\n  renamePasskey(id: $id, name: $name) {\n    id\n    name\n  }\n}\n\nmutation RemovePasskey($id: ID!) {\n  removePasskey(id: $id)\n}\n\nquery ViewerPasskeys {\n  viewer {\n    id\n    passkeys {\n      id\n      name\n      backedUp\n      createdAt\n      lastUsedAt\n    }\n  }\n}': typeof types.StartPasskeyRegistrationDocument;
  'mutation RequestPasswordReset($input: RequestPasswordResetInput!) {\n  requestPasswordReset(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation ResetPassword($input: ResetPasswordInput!) {\n  resetPassword(input: $input) {\n    ...AuthPayloadFields\n  }\n}': typeof types.RequestPasswordResetDocument;
  'query ViewerProfile {\n  viewer {\n    id\n    email\n    name\n    organization {\n      name\n    }\n  }\n}': typeof types.ViewerProfileDocument;
  'mutation RequestOtp($input: RequestOtpInput!) {\n  requestOtp(input: $input) {\n    ...ChallengeFields\n  }\n}': typeof types.RequestOtpDocument;
  'mutation ResendOtp($challengeId: ID!) {\n  resendOtp(challengeId: $challengeId) {\n    ...ChallengeFields\n  }\n}': typeof types.ResendOtpDocument;
  'mutation RefreshSession($refreshToken: String) {\n  refreshSession(refreshToken: $refreshToken) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation Logout {\n  logout\n}\n\nmutation LogoutAll {\n  logoutAll\n}\n\nmutation RevokeSession($id: ID!) {\n  revokeSession(id: $id)\n}': typeof types.RefreshSessionDocument;
  'mutation Signup($input: SignupInput!) {\n  signup(input: $input) {\n    ...ChallengeFields\n  }\n}': typeof types.SignupDocument;
  'mutation VerifyOtp($input: VerifyOtpInput!) {\n  verifyOtp(input: $input) {\n    ...AuthPayloadFields\n  }\n}': typeof types.VerifyOtpDocument;
  'query Viewer {\n  viewer {\n    ...UserFields\n    sessions {\n      id\n      createdAt\n      lastUsedAt\n      expiresAt\n      userAgent\n      ip\n      current\n    }\n  }\n}\n\nquery ViewerBasic {\n  viewer {\n    id\n    email\n  }\n}\n\nquery ViewerSessionAssurance {\n  viewer {\n    id\n    sessions {\n      id\n      current\n      authenticatorAssuranceLevel\n      lastAuthenticatedAt\n    }\n  }\n}': typeof types.ViewerDocument;
};
const documents: Documents = {
  'mutation UpdateProfile($input: UpdateProfileInput!) {\n  updateProfile(input: $input) {\n    ...UserFields\n  }\n}\n\nmutation ChangePassword($input: ChangePasswordInput!) {\n  changePassword(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation SetPassword($input: SetPasswordInput!) {\n  setPassword(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation RequestEmailChange($input: RequestEmailChangeInput!) {\n  requestEmailChange(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation UndoEmailChange($token: String!) {\n  undoEmailChange(token: $token) {\n    ok\n  }\n}\n\nmutation RequestPhoneChange($input: RequestPhoneChangeInput!) {\n  requestPhoneChange(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation DeleteAccount {\n  deleteAccount {\n    scheduledAt\n  }\n}\n\nmutation RequestAccountRecovery($input: RequestAccountRecoveryInput!) {\n  requestAccountRecovery(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation RecoverAccount($input: RecoverAccountInput!) {\n  recoverAccount(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation ExportAccountData {\n  exportAccountData\n}\n\nquery ViewerSecurityEvents($first: Int, $after: String) {\n  viewer {\n    id\n    hasPassword\n    securityEvents(first: $first, after: $after) {\n      nodes {\n        id\n        type\n        outcome\n        method\n        createdAt\n        ip\n        userAgent\n      }\n      endCursor\n      hasNextPage\n    }\n  }\n}':
    types.UpdateProfileDocument,
  'fragment UserFields on User {\n  id\n  email\n  emailVerified\n  phone\n  phoneVerified\n  name\n  createdAt\n  organization {\n    id\n    name\n    industry\n    teamSize\n    logoUrl\n  }\n}\n\nfragment ChallengeFields on AuthChallenge {\n  challengeId\n  channel\n  purpose\n  destination\n  expiresAt\n  resendAvailableAt\n}\n\nfragment AuthPayloadFields on AuthPayload {\n  accessToken\n  accessTokenExpiresAt\n  refreshToken\n  refreshTokenExpiresAt\n  user {\n    ...UserFields\n  }\n}':
    types.UserFieldsFragmentDoc,
  'mutation Login($input: LoginInput!) {\n  login(input: $input) {\n    ...ChallengeFields\n  }\n}': types.LoginDocument,
  'mutation RequestMagicLink($input: RequestMagicLinkInput!) {\n  requestMagicLink(input: $input) {\n    ok\n  }\n}\n\nmutation VerifyMagicLink($token: String!) {\n  verifyMagicLink(token: $token) {\n    ...AuthPayloadFields\n  }\n}':
    types.RequestMagicLinkDocument,
  'mutation StartTotpEnrollment {\n  startTotpEnrollment {\n    factorId\n    otpauthUri\n    qrCodeSvg\n    secret\n    expiresAt\n  }\n}\n\nmutation ConfirmTotpEnrollment($input: ConfirmTotpEnrollmentInput!) {\n  confirmTotpEnrollment(input: $input) {\n    codes\n    createdAt\n  }\n}\n\nmutation RemoveMfaFactor($id: ID!) {\n  removeMfaFactor(id: $id)\n}\n\nmutation RegenerateRecoveryCodes {\n  regenerateRecoveryCodes {\n    codes\n    createdAt\n  }\n}\n\nmutation VerifyRecoveryCode($input: VerifyRecoveryCodeInput!) {\n  verifyRecoveryCode(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation RequestReauthentication {\n  requestReauthentication {\n    ...ChallengeFields\n  }\n}\n\nquery ViewerMfa {\n  viewer {\n    id\n    mfaFactors {\n      id\n      type\n      name\n      createdAt\n      lastUsedAt\n    }\n    recoveryCodesRemaining\n    sessions {\n      id\n      current\n      authenticatorAssuranceLevel\n      lastAuthenticatedAt\n    }\n  }\n}':
    types.StartTotpEnrollmentDocument,
  'query OAuthProviders {\n  oauthProviders {\n    id\n    kind\n    name\n  }\n}\n\nmutation StartOAuth($input: StartOAuthInput!) {\n  startOAuth(input: $input) {\n    authorizationUrl\n    expiresAt\n  }\n}\n\nmutation CompleteOAuth($input: CompleteOAuthInput!) {\n  completeOAuth(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation LinkOAuth($input: StartOAuthInput!) {\n  linkOAuth(input: $input) {\n    authorizationUrl\n    expiresAt\n  }\n}\n\nmutation UnlinkIdentity($id: ID!) {\n  unlinkIdentity(id: $id) {\n    id\n    hasPassword\n    identities {\n      id\n      provider\n    }\n  }\n}\n\nquery ViewerIdentities {\n  viewer {\n    id\n    email\n    emailVerified\n    hasPassword\n    identities {\n      id\n      provider\n      email\n      emailVerified\n      createdAt\n      lastSignInAt\n    }\n  }\n}':
    types.OAuthProvidersDocument,
  'mutation StartPasskeyRegistration {\n  startPasskeyRegistration {\n    challengeId\n    options\n    expiresAt\n  }\n}\n\nmutation FinishPasskeyRegistration($input: FinishPasskeyRegistrationInput!) {\n  finishPasskeyRegistration(input: $input) {\n    id\n    name\n    backedUp\n    createdAt\n    lastUsedAt\n  }\n}\n\nmutation StartPasskeyAuthentication($input: StartPasskeyAuthenticationInput!) {\n  startPasskeyAuthentication(input: $input) {\n    challengeId\n    options\n    expiresAt\n  }\n}\n\nmutation FinishPasskeyAuthentication($input: FinishPasskeyAuthenticationInput!) {\n  finishPasskeyAuthentication(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation RenamePasskey($id: ID!, $name: String!) {\n  renamePasskey(id: $id, name: $name) {\n    id\n    name\n  }\n}\n\nmutation RemovePasskey($id: ID!) {\n  removePasskey(id: $id)\n}\n\nquery ViewerPasskeys {\n  viewer {\n    id\n    passkeys {\n      id\n      name\n      backedUp\n      createdAt\n      lastUsedAt\n    }\n  }\n}':
    types.StartPasskeyRegistrationDocument,
  'mutation RequestPasswordReset($input: RequestPasswordResetInput!) {\n  requestPasswordReset(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation ResetPassword($input: ResetPasswordInput!) {\n  resetPassword(input: $input) {\n    ...AuthPayloadFields\n  }\n}':
    types.RequestPasswordResetDocument,
  'query ViewerProfile {\n  viewer {\n    id\n    email\n    name\n    organization {\n      name\n    }\n  }\n}': types.ViewerProfileDocument,
  'mutation RequestOtp($input: RequestOtpInput!) {\n  requestOtp(input: $input) {\n    ...ChallengeFields\n  }\n}': types.RequestOtpDocument,
  'mutation ResendOtp($challengeId: ID!) {\n  resendOtp(challengeId: $challengeId) {\n    ...ChallengeFields\n  }\n}': types.ResendOtpDocument,
  'mutation RefreshSession($refreshToken: String) {\n  refreshSession(refreshToken: $refreshToken) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation Logout {\n  logout\n}\n\nmutation LogoutAll {\n  logoutAll\n}\n\nmutation RevokeSession($id: ID!) {\n  revokeSession(id: $id)\n}':
    types.RefreshSessionDocument,
  'mutation Signup($input: SignupInput!) {\n  signup(input: $input) {\n    ...ChallengeFields\n  }\n}': types.SignupDocument,
  'mutation VerifyOtp($input: VerifyOtpInput!) {\n  verifyOtp(input: $input) {\n    ...AuthPayloadFields\n  }\n}': types.VerifyOtpDocument,
  'query Viewer {\n  viewer {\n    ...UserFields\n    sessions {\n      id\n      createdAt\n      lastUsedAt\n      expiresAt\n      userAgent\n      ip\n      current\n    }\n  }\n}\n\nquery ViewerBasic {\n  viewer {\n    id\n    email\n  }\n}\n\nquery ViewerSessionAssurance {\n  viewer {\n    id\n    sessions {\n      id\n      current\n      authenticatorAssuranceLevel\n      lastAuthenticatedAt\n    }\n  }\n}':
    types.ViewerDocument,
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
export function graphql(
  source: 'mutation UpdateProfile($input: UpdateProfileInput!) {\n  updateProfile(input: $input) {\n    ...UserFields\n  }\n}\n\nmutation ChangePassword($input: ChangePasswordInput!) {\n  changePassword(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation SetPassword($input: SetPasswordInput!) {\n  setPassword(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation RequestEmailChange($input: RequestEmailChangeInput!) {\n  requestEmailChange(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation UndoEmailChange($token: String!) {\n  undoEmailChange(token: $token) {\n    ok\n  }\n}\n\nmutation RequestPhoneChange($input: RequestPhoneChangeInput!) {\n  requestPhoneChange(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation DeleteAccount {\n  deleteAccount {\n    scheduledAt\n  }\n}\n\nmutation RequestAccountRecovery($input: RequestAccountRecoveryInput!) {\n  requestAccountRecovery(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation RecoverAccount($input: RecoverAccountInput!) {\n  recoverAccount(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation ExportAccountData {\n  exportAccountData\n}\n\nquery ViewerSecurityEvents($first: Int, $after: String) {\n  viewer {\n    id\n    hasPassword\n    securityEvents(first: $first, after: $after) {\n      nodes {\n        id\n        type\n        outcome\n        method\n        createdAt\n        ip\n        userAgent\n      }\n      endCursor\n      hasNextPage\n    }\n  }\n}',
): (typeof documents)['mutation UpdateProfile($input: UpdateProfileInput!) {\n  updateProfile(input: $input) {\n    ...UserFields\n  }\n}\n\nmutation ChangePassword($input: ChangePasswordInput!) {\n  changePassword(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation SetPassword($input: SetPasswordInput!) {\n  setPassword(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation RequestEmailChange($input: RequestEmailChangeInput!) {\n  requestEmailChange(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation UndoEmailChange($token: String!) {\n  undoEmailChange(token: $token) {\n    ok\n  }\n}\n\nmutation RequestPhoneChange($input: RequestPhoneChangeInput!) {\n  requestPhoneChange(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation DeleteAccount {\n  deleteAccount {\n    scheduledAt\n  }\n}\n\nmutation RequestAccountRecovery($input: RequestAccountRecoveryInput!) {\n  requestAccountRecovery(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation RecoverAccount($input: RecoverAccountInput!) {\n  recoverAccount(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation ExportAccountData {\n  exportAccountData\n}\n\nquery ViewerSecurityEvents($first: Int, $after: String) {\n  viewer {\n    id\n    hasPassword\n    securityEvents(first: $first, after: $after) {\n      nodes {\n        id\n        type\n        outcome\n        method\n        createdAt\n        ip\n        userAgent\n      }\n      endCursor\n      hasNextPage\n    }\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'fragment UserFields on User {\n  id\n  email\n  emailVerified\n  phone\n  phoneVerified\n  name\n  createdAt\n  organization {\n    id\n    name\n    industry\n    teamSize\n    logoUrl\n  }\n}\n\nfragment ChallengeFields on AuthChallenge {\n  challengeId\n  channel\n  purpose\n  destination\n  expiresAt\n  resendAvailableAt\n}\n\nfragment AuthPayloadFields on AuthPayload {\n  accessToken\n  accessTokenExpiresAt\n  refreshToken\n  refreshTokenExpiresAt\n  user {\n    ...UserFields\n  }\n}',
): (typeof documents)['fragment UserFields on User {\n  id\n  email\n  emailVerified\n  phone\n  phoneVerified\n  name\n  createdAt\n  organization {\n    id\n    name\n    industry\n    teamSize\n    logoUrl\n  }\n}\n\nfragment ChallengeFields on AuthChallenge {\n  challengeId\n  channel\n  purpose\n  destination\n  expiresAt\n  resendAvailableAt\n}\n\nfragment AuthPayloadFields on AuthPayload {\n  accessToken\n  accessTokenExpiresAt\n  refreshToken\n  refreshTokenExpiresAt\n  user {\n    ...UserFields\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'mutation Login($input: LoginInput!) {\n  login(input: $input) {\n    ...ChallengeFields\n  }\n}',
): (typeof documents)['mutation Login($input: LoginInput!) {\n  login(input: $input) {\n    ...ChallengeFields\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'mutation RequestMagicLink($input: RequestMagicLinkInput!) {\n  requestMagicLink(input: $input) {\n    ok\n  }\n}\n\nmutation VerifyMagicLink($token: String!) {\n  verifyMagicLink(token: $token) {\n    ...AuthPayloadFields\n  }\n}',
): (typeof documents)['mutation RequestMagicLink($input: RequestMagicLinkInput!) {\n  requestMagicLink(input: $input) {\n    ok\n  }\n}\n\nmutation VerifyMagicLink($token: String!) {\n  verifyMagicLink(token: $token) {\n    ...AuthPayloadFields\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'mutation StartTotpEnrollment {\n  startTotpEnrollment {\n    factorId\n    otpauthUri\n    qrCodeSvg\n    secret\n    expiresAt\n  }\n}\n\nmutation ConfirmTotpEnrollment($input: ConfirmTotpEnrollmentInput!) {\n  confirmTotpEnrollment(input: $input) {\n    codes\n    createdAt\n  }\n}\n\nmutation RemoveMfaFactor($id: ID!) {\n  removeMfaFactor(id: $id)\n}\n\nmutation RegenerateRecoveryCodes {\n  regenerateRecoveryCodes {\n    codes\n    createdAt\n  }\n}\n\nmutation VerifyRecoveryCode($input: VerifyRecoveryCodeInput!) {\n  verifyRecoveryCode(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation RequestReauthentication {\n  requestReauthentication {\n    ...ChallengeFields\n  }\n}\n\nquery ViewerMfa {\n  viewer {\n    id\n    mfaFactors {\n      id\n      type\n      name\n      createdAt\n      lastUsedAt\n    }\n    recoveryCodesRemaining\n    sessions {\n      id\n      current\n      authenticatorAssuranceLevel\n      lastAuthenticatedAt\n    }\n  }\n}',
): (typeof documents)['mutation StartTotpEnrollment {\n  startTotpEnrollment {\n    factorId\n    otpauthUri\n    qrCodeSvg\n    secret\n    expiresAt\n  }\n}\n\nmutation ConfirmTotpEnrollment($input: ConfirmTotpEnrollmentInput!) {\n  confirmTotpEnrollment(input: $input) {\n    codes\n    createdAt\n  }\n}\n\nmutation RemoveMfaFactor($id: ID!) {\n  removeMfaFactor(id: $id)\n}\n\nmutation RegenerateRecoveryCodes {\n  regenerateRecoveryCodes {\n    codes\n    createdAt\n  }\n}\n\nmutation VerifyRecoveryCode($input: VerifyRecoveryCodeInput!) {\n  verifyRecoveryCode(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation RequestReauthentication {\n  requestReauthentication {\n    ...ChallengeFields\n  }\n}\n\nquery ViewerMfa {\n  viewer {\n    id\n    mfaFactors {\n      id\n      type\n      name\n      createdAt\n      lastUsedAt\n    }\n    recoveryCodesRemaining\n    sessions {\n      id\n      current\n      authenticatorAssuranceLevel\n      lastAuthenticatedAt\n    }\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'query OAuthProviders {\n  oauthProviders {\n    id\n    kind\n    name\n  }\n}\n\nmutation StartOAuth($input: StartOAuthInput!) {\n  startOAuth(input: $input) {\n    authorizationUrl\n    expiresAt\n  }\n}\n\nmutation CompleteOAuth($input: CompleteOAuthInput!) {\n  completeOAuth(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation LinkOAuth($input: StartOAuthInput!) {\n  linkOAuth(input: $input) {\n    authorizationUrl\n    expiresAt\n  }\n}\n\nmutation UnlinkIdentity($id: ID!) {\n  unlinkIdentity(id: $id) {\n    id\n    hasPassword\n    identities {\n      id\n      provider\n    }\n  }\n}\n\nquery ViewerIdentities {\n  viewer {\n    id\n    email\n    emailVerified\n    hasPassword\n    identities {\n      id\n      provider\n      email\n      emailVerified\n      createdAt\n      lastSignInAt\n    }\n  }\n}',
): (typeof documents)['query OAuthProviders {\n  oauthProviders {\n    id\n    kind\n    name\n  }\n}\n\nmutation StartOAuth($input: StartOAuthInput!) {\n  startOAuth(input: $input) {\n    authorizationUrl\n    expiresAt\n  }\n}\n\nmutation CompleteOAuth($input: CompleteOAuthInput!) {\n  completeOAuth(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation LinkOAuth($input: StartOAuthInput!) {\n  linkOAuth(input: $input) {\n    authorizationUrl\n    expiresAt\n  }\n}\n\nmutation UnlinkIdentity($id: ID!) {\n  unlinkIdentity(id: $id) {\n    id\n    hasPassword\n    identities {\n      id\n      provider\n    }\n  }\n}\n\nquery ViewerIdentities {\n  viewer {\n    id\n    email\n    emailVerified\n    hasPassword\n    identities {\n      id\n      provider\n      email\n      emailVerified\n      createdAt\n      lastSignInAt\n    }\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'mutation StartPasskeyRegistration {\n  startPasskeyRegistration {\n    challengeId\n    options\n    expiresAt\n  }\n}\n\nmutation FinishPasskeyRegistration($input: FinishPasskeyRegistrationInput!) {\n  finishPasskeyRegistration(input: $input) {\n    id\n    name\n    backedUp\n    createdAt\n    lastUsedAt\n  }\n}\n\nmutation StartPasskeyAuthentication($input: StartPasskeyAuthenticationInput!) {\n  startPasskeyAuthentication(input: $input) {\n    challengeId\n    options\n    expiresAt\n  }\n}\n\nmutation FinishPasskeyAuthentication($input: FinishPasskeyAuthenticationInput!) {\n  finishPasskeyAuthentication(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation RenamePasskey($id: ID!, $name: String!) {\n  renamePasskey(id: $id, name: $name) {\n    id\n    name\n  }\n}\n\nmutation RemovePasskey($id: ID!) {\n  removePasskey(id: $id)\n}\n\nquery ViewerPasskeys {\n  viewer {\n    id\n    passkeys {\n      id\n      name\n      backedUp\n      createdAt\n      lastUsedAt\n    }\n  }\n}',
): (typeof documents)['mutation StartPasskeyRegistration {\n  startPasskeyRegistration {\n    challengeId\n    options\n    expiresAt\n  }\n}\n\nmutation FinishPasskeyRegistration($input: FinishPasskeyRegistrationInput!) {\n  finishPasskeyRegistration(input: $input) {\n    id\n    name\n    backedUp\n    createdAt\n    lastUsedAt\n  }\n}\n\nmutation StartPasskeyAuthentication($input: StartPasskeyAuthenticationInput!) {\n  startPasskeyAuthentication(input: $input) {\n    challengeId\n    options\n    expiresAt\n  }\n}\n\nmutation FinishPasskeyAuthentication($input: FinishPasskeyAuthenticationInput!) {\n  finishPasskeyAuthentication(input: $input) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation RenamePasskey($id: ID!, $name: String!) {\n  renamePasskey(id: $id, name: $name) {\n    id\n    name\n  }\n}\n\nmutation RemovePasskey($id: ID!) {\n  removePasskey(id: $id)\n}\n\nquery ViewerPasskeys {\n  viewer {\n    id\n    passkeys {\n      id\n      name\n      backedUp\n      createdAt\n      lastUsedAt\n    }\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'mutation RequestPasswordReset($input: RequestPasswordResetInput!) {\n  requestPasswordReset(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation ResetPassword($input: ResetPasswordInput!) {\n  resetPassword(input: $input) {\n    ...AuthPayloadFields\n  }\n}',
): (typeof documents)['mutation RequestPasswordReset($input: RequestPasswordResetInput!) {\n  requestPasswordReset(input: $input) {\n    ...ChallengeFields\n  }\n}\n\nmutation ResetPassword($input: ResetPasswordInput!) {\n  resetPassword(input: $input) {\n    ...AuthPayloadFields\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'query ViewerProfile {\n  viewer {\n    id\n    email\n    name\n    organization {\n      name\n    }\n  }\n}',
): (typeof documents)['query ViewerProfile {\n  viewer {\n    id\n    email\n    name\n    organization {\n      name\n    }\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'mutation RequestOtp($input: RequestOtpInput!) {\n  requestOtp(input: $input) {\n    ...ChallengeFields\n  }\n}',
): (typeof documents)['mutation RequestOtp($input: RequestOtpInput!) {\n  requestOtp(input: $input) {\n    ...ChallengeFields\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'mutation ResendOtp($challengeId: ID!) {\n  resendOtp(challengeId: $challengeId) {\n    ...ChallengeFields\n  }\n}',
): (typeof documents)['mutation ResendOtp($challengeId: ID!) {\n  resendOtp(challengeId: $challengeId) {\n    ...ChallengeFields\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'mutation RefreshSession($refreshToken: String) {\n  refreshSession(refreshToken: $refreshToken) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation Logout {\n  logout\n}\n\nmutation LogoutAll {\n  logoutAll\n}\n\nmutation RevokeSession($id: ID!) {\n  revokeSession(id: $id)\n}',
): (typeof documents)['mutation RefreshSession($refreshToken: String) {\n  refreshSession(refreshToken: $refreshToken) {\n    ...AuthPayloadFields\n  }\n}\n\nmutation Logout {\n  logout\n}\n\nmutation LogoutAll {\n  logoutAll\n}\n\nmutation RevokeSession($id: ID!) {\n  revokeSession(id: $id)\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'mutation Signup($input: SignupInput!) {\n  signup(input: $input) {\n    ...ChallengeFields\n  }\n}',
): (typeof documents)['mutation Signup($input: SignupInput!) {\n  signup(input: $input) {\n    ...ChallengeFields\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'mutation VerifyOtp($input: VerifyOtpInput!) {\n  verifyOtp(input: $input) {\n    ...AuthPayloadFields\n  }\n}',
): (typeof documents)['mutation VerifyOtp($input: VerifyOtpInput!) {\n  verifyOtp(input: $input) {\n    ...AuthPayloadFields\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'query Viewer {\n  viewer {\n    ...UserFields\n    sessions {\n      id\n      createdAt\n      lastUsedAt\n      expiresAt\n      userAgent\n      ip\n      current\n    }\n  }\n}\n\nquery ViewerBasic {\n  viewer {\n    id\n    email\n  }\n}\n\nquery ViewerSessionAssurance {\n  viewer {\n    id\n    sessions {\n      id\n      current\n      authenticatorAssuranceLevel\n      lastAuthenticatedAt\n    }\n  }\n}',
): (typeof documents)['query Viewer {\n  viewer {\n    ...UserFields\n    sessions {\n      id\n      createdAt\n      lastUsedAt\n      expiresAt\n      userAgent\n      ip\n      current\n    }\n  }\n}\n\nquery ViewerBasic {\n  viewer {\n    id\n    email\n  }\n}\n\nquery ViewerSessionAssurance {\n  viewer {\n    id\n    sessions {\n      id\n      current\n      authenticatorAssuranceLevel\n      lastAuthenticatedAt\n    }\n  }\n}'];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<infer TType, any> ? TType : never;
