import { Field, ID, InputType } from 'type-graphql';

@InputType('UpdateProfileInput')
export class UpdateProfileInput {
  @Field(() => String, { nullable: true })
  name?: string | null;
}

@InputType('ChangePasswordInput')
export class ChangePasswordInput {
  @Field(() => String)
  currentPassword: string;

  @Field(() => String)
  newPassword: string;
}

@InputType('SetPasswordInput')
export class SetPasswordInput {
  @Field(() => String)
  newPassword: string;
}

@InputType('RequestEmailChangeInput')
export class RequestEmailChangeInput {
  @Field(() => String)
  newEmail: string;
}

@InputType('RequestPhoneChangeInput')
export class RequestPhoneChangeInput {
  @Field(() => String)
  phone: string;
}

@InputType('RecoverAccountInput')
export class RecoverAccountInput {
  @Field(() => ID)
  challengeId: string;

  @Field(() => String)
  code: string;
}

@InputType('RequestAccountRecoveryInput')
export class RequestAccountRecoveryInput {
  @Field(() => String)
  email: string;
}
