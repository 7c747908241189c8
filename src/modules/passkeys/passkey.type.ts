import { Field, ID, ObjectType } from 'type-graphql';
import { WebAuthnAuthenticationOptionsScalar, WebAuthnRegistrationOptionsScalar } from './webauthn-json.type';

@ObjectType('Passkey')
export class PasskeyType {
  @Field(() => ID)
  id: string;

  @Field(() => String, { nullable: true })
  name: string | null;

  @Field(() => Boolean, { description: 'A synced passkey (iCloud Keychain, Google Password Manager…), usable on the owner’s other devices.' })
  backedUp: boolean;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  lastUsedAt: Date | null;
}

@ObjectType('PasskeyRegistrationStart')
export class PasskeyRegistrationStartType {
  @Field(() => ID)
  challengeId: string;

  @Field(() => WebAuthnRegistrationOptionsScalar)
  options: unknown;

  @Field(() => Date)
  expiresAt: Date;
}

@ObjectType('PasskeyAuthenticationStart')
export class PasskeyAuthenticationStartType {
  @Field(() => ID)
  challengeId: string;

  @Field(() => WebAuthnAuthenticationOptionsScalar)
  options: unknown;

  @Field(() => Date)
  expiresAt: Date;
}
