import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** A federation entity (FEDERATION_ENABLED, docs/federation.md): other subgraphs extend it by id. */
@Directive('@key(fields: "id")')
@ObjectType('Organization')
export class OrganizationType {
  @Field(() => ID)
  id: string;

  @Field(() => String)
  name: string;

  @Field(() => String, { nullable: true })
  industry: string | null;

  @Field(() => String, { nullable: true })
  teamSize: string | null;

  @Field(() => String, { nullable: true })
  logoUrl: string | null;
}
