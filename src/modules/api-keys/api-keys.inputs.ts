import { Field, ID, InputType, Int } from 'type-graphql';

@InputType('CreateApiKeyInput')
export class CreateApiKeyInput {
  @Field(() => ID, { nullable: true, description: 'null: a personal key.' })
  organizationId?: string | null;

  @Field(() => String)
  name: string;

  @Field(() => [String])
  scopes: string[];

  @Field(() => Date, { nullable: true, description: 'In the future; null: never expires.' })
  expiresAt?: Date | null;

  @Field(() => [String], { nullable: true, defaultValue: [] })
  allowedOperations?: string[] | null;

  @Field(() => Int, { nullable: true, description: '1 to API_KEY_RATE_LIMIT_PER_MINUTE (the default).' })
  rateLimitPerMinute?: number | null;
}
