import { Field, ID, InputType } from 'type-graphql';

@InputType('CreateWebhookEndpointInput', { description: 'organizationId null: a global endpoint (admins only).' })
export class CreateWebhookEndpointInput {
  @Field(() => ID, { nullable: true })
  organizationId?: string | null;

  @Field(() => String)
  url: string;

  @Field(() => [String], { nullable: true, defaultValue: [] })
  eventTypes?: string[] | null;

  @Field(() => String, { nullable: true })
  description?: string | null;
}

@InputType('UpdateWebhookEndpointInput', { description: 'Omitted fields stay. enabled: true re-enables and restarts the failure clock.' })
export class UpdateWebhookEndpointInput {
  @Field(() => ID)
  id: string;

  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => [String], { nullable: true })
  eventTypes?: string[] | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;
}
