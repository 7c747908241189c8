import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum WebhookDeliveryStatus {
  PENDING = 'PENDING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}
registerEnumType(WebhookDeliveryStatus, { name: 'WebhookDeliveryStatus' });

@ObjectType('WebhookDelivery', { simpleResolvers: true })
export class WebhookDeliveryType {
  @Field(() => ID)
  id: string;

  @Field(() => ID)
  eventId: string;

  @Field(() => String)
  eventType: string;

  @Field(() => WebhookDeliveryStatus)
  status: WebhookDeliveryStatus;

  @Field(() => Int)
  attempts: number;

  @Field(() => Date, { nullable: true })
  lastAttemptAt: Date | null;

  @Field(() => Date, { nullable: true })
  nextAttemptAt: Date | null;

  @Field(() => Int, { nullable: true })
  responseStatusCode: number | null;

  @Field(() => String, { nullable: true, description: 'The first 1024 bytes of the last response body, as UTF-8.' })
  responseBody: string | null;

  @Field(() => String, { nullable: true, description: 'timeout, connection_failed, tls_failed, blocked_address, redirect or http_status.' })
  error: string | null;

  @Field(() => Date)
  createdAt: Date;
}

@ObjectType('WebhookDeliveryConnection', { simpleResolvers: true })
export class WebhookDeliveryConnectionType {
  @Field(() => [WebhookDeliveryType])
  nodes: WebhookDeliveryType[];

  @Field(() => String, { nullable: true })
  endCursor: string | null;

  @Field(() => Boolean)
  hasNextPage: boolean;
}

@ObjectType('WebhookEndpoint')
export class WebhookEndpointType {
  @Field(() => ID)
  id: string;

  @Field(() => ID, { nullable: true, description: 'null: a global endpoint (admins), which gets every event.' })
  organizationId: string | null;

  @Field(() => String)
  url: string;

  @Field(() => String, { nullable: true })
  description: string | null;

  @Field(() => [String], { description: '[] means every type.' })
  eventTypes: string[];

  @Field(() => Boolean)
  enabled: boolean;

  @Field(() => String, { nullable: true, description: 'FAILING (disabled by Warden) or MANUAL; null while enabled.' })
  disabledReason: string | null;

  @Field(() => Date)
  createdAt: Date;
}

@ObjectType('WebhookEndpointSecret', { description: 'secret: whsec_ + base64 of 32 random bytes, shown once.', simpleResolvers: true })
export class WebhookEndpointSecretType {
  @Field(() => WebhookEndpointType)
  endpoint: WebhookEndpointType;

  @Field(() => String)
  secret: string;
}
