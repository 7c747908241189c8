import { Field, ObjectType } from 'type-graphql';

@ObjectType('RequestAccepted')
export class RequestAcceptedType {
  @Field(() => Boolean)
  ok: boolean;
}
