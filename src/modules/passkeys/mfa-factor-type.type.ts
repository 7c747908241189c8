import { registerEnumType } from 'type-graphql';

/**
 * The contract's factor types. The second-factor module (issue #11) owns MfaFactor and mfaFactors; this copy
 * exists so the passkey module builds on a branch without it (the lead keeps one definition when merging).
 */
export enum MfaFactorType {
  TOTP = 'TOTP',
  PASSKEY = 'PASSKEY',
}

registerEnumType(MfaFactorType, { name: 'MfaFactorType' });
