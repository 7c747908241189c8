import { Field, ID, InputType } from 'type-graphql';
import { WebAuthnAuthenticationResponseScalar, WebAuthnRegistrationResponseScalar } from './webauthn-json.type';

@InputType('StartPasskeyAuthenticationInput', { description: 'Omit email for usernameless sign-in and browser autofill.' })
export class StartPasskeyAuthenticationInput {
  @Field(() => String, { nullable: true })
  email?: string | null;
}

@InputType('FinishPasskeyRegistrationInput')
export class FinishPasskeyRegistrationInput {
  @Field(() => ID)
  challengeId: string;

  @Field(() => WebAuthnRegistrationResponseScalar)
  response: unknown;

  @Field(() => String, { nullable: true })
  name?: string | null;
}

@InputType('FinishPasskeyAuthenticationInput')
export class FinishPasskeyAuthenticationInput {
  @Field(() => ID)
  challengeId: string;

  @Field(() => WebAuthnAuthenticationResponseScalar)
  response: unknown;
}
