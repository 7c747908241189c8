import { Arg, Authorized, Ctx, Directive, ID, Mutation, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { RateLimit } from '../../graphql/decorators/rate-limit';
import { OrganizationRoleType } from './organizations.types';
import { CreateRoleInput, UpdateRoleInput } from './roles.inputs';
import type { RoleDefinition } from './permissions';
import { RolesService } from './roles.service';
import { actorOf } from './organizations.resolver';
import { requiresScopes } from './requires-scopes';

const MANAGE = requiresScopes('roles:manage');

function toRole(role: RoleDefinition): OrganizationRoleType {
  return { ...role, permissions: [...role.permissions] };
}

/** createRole, updateRole, deleteRole (contract, third part). Thin: one service call each. */
@Resolver()
export class RolesResolver {
  constructor(private readonly roles: RolesService) {}

  @Authorized()
  @RateLimit('organizations.create-role')
  @Directive(MANAGE)
  @Mutation(() => OrganizationRoleType)
  async createRole(@Arg('input', () => CreateRoleInput) input: CreateRoleInput, @Ctx() ctx: Context): Promise<OrganizationRoleType> {
    return toRole(await this.roles.create(await actorOf(ctx), input, ctx.meta));
  }

  @Authorized()
  @RateLimit('organizations.update-role')
  @Directive(MANAGE)
  @Mutation(() => OrganizationRoleType)
  async updateRole(@Arg('input', () => UpdateRoleInput) input: UpdateRoleInput, @Ctx() ctx: Context): Promise<OrganizationRoleType> {
    return toRole(await this.roles.update(await actorOf(ctx), input, ctx.meta));
  }

  @Authorized()
  @RateLimit('organizations.delete-role')
  @Directive(MANAGE)
  @Mutation(() => Boolean, { description: 'BAD_USER_INPUT (reason ROLE_IN_USE) while a member or a pending invitation holds it.' })
  async deleteRole(@Arg('organizationId', () => ID) organizationId: string, @Arg('key', () => String) key: string, @Ctx() ctx: Context): Promise<boolean> {
    await this.roles.delete(await actorOf(ctx), { organizationId, key }, ctx.meta);
    return true;
  }
}
