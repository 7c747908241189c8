import type { WardenModule } from '../../src/modules/module';
import type { SettingValues } from '../../src/modules/declaration-types';
import { helloDeclarations } from './hello.declarations';
import { HelloResolver } from './hello.resolver';
import { HelloService } from './hello.service';

type HelloLimits = { readonly [K in keyof typeof helloDeclarations.limits]: number };
type HelloSettings = SettingValues<typeof helloDeclarations.settings>;

/**
 * An example capability (docs/architecture.md "Adding a capability: the hello example"): one query, one audit
 * event, one limit, one setting, one error code, one notice mail. Not in the product's list: its test composes
 * `[...wardenModules, helloModule]`.
 */
export const helloModule: WardenModule = {
  name: 'hello',
  build(kernel) {
    const hello = new HelloService({
      db: kernel.db,
      audit: kernel.audit,
      notices: kernel.notices,
      // Listed in src/modules/declarations.ts, `Limits` and `Settings` name these keys; outside it, they are widened here.
      maxNameLength: (kernel.limits as typeof kernel.limits & HelloLimits).helloMaxNameLength,
      greeting: (kernel.config.settings as typeof kernel.config.settings & HelloSettings).helloGreeting,
      productName: kernel.config.productName,
    });
    return { instances: [hello, new HelloResolver(hello)] };
  },
  entities: [],
  resolvers: [HelloResolver],
  ...helloDeclarations,
};
