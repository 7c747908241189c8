import { Arg, Authorized, Ctx, Query, Resolver } from 'type-graphql';
import type { Context } from '../../src/graphql/context';
import type { HelloService } from './hello.service';

@Resolver()
export class HelloResolver {
  constructor(private readonly greeter: HelloService) {}

  @Authorized()
  @Query(() => String, { description: 'A greeting for `name` (at most HELLO_MAX_NAME_LENGTH characters); mails the viewer a notice.' })
  async hello(@Arg('name', () => String) name: string, @Ctx() ctx: Context): Promise<string> {
    const viewer = await ctx.requireViewer();
    return this.greeter.greet(viewer.userId, name, ctx.meta);
  }
}
