import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType('ApiKey', { simpleResolvers: true })
export class ApiKeyType {
  @Field(() => ID)
  id: string;

  @Field(() => String)
  name: string;

  @Field(() => String, { description: 'wdn_ + 12 characters: the public part of the key; the client_id at /oauth/token.' })
  prefix: string;

  @Field(() => ID, { nullable: true, description: 'null: a personal key of createdByUserId.' })
  organizationId: string | null;

  @Field(() => ID, { nullable: true })
  createdByUserId: string | null;

  @Field(() => [String])
  scopes: string[];

  @Field(() => [String], { description: 'Lower-case hex SHA-256 of the operation documents it may run; [] means any.' })
  allowedOperations: string[];

  @Field(() => Int)
  rateLimitPerMinute: number;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'Up to a minute behind.' })
  lastUsedAt: Date | null;

  @Field(() => Date, { nullable: true })
  expiresAt: Date | null;
}

@ObjectType('ApiKeySecret', { description: 'secret: wdn_<prefix>_<secret>_<checksum>, shown once.' })
export class ApiKeySecretType {
  @Field(() => ApiKeyType)
  apiKey: ApiKeyType;

  @Field(() => String)
  secret: string;
}
