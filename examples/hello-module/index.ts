import type { WardenModule } from '../../src/modules/module';
import { helloDeclarations } from './hello.declarations';
import { HelloResolver } from './hello.resolver';
import { HelloService } from './hello.service';

type HelloLimits = { readonly [K in keyof typeof helloDeclarations.limits]: number };

/**
 * An example capability (docs/architecture.md "Adding a capability: the hello example"): one query, one audit
 * event, one limit, one error code, one notice mail. Not in the product's list: its test composes
 * `[...wardenModules, helloModule]`.
 */
export const helloModule: WardenModule = {
  name: 'hello',
  build(kernel) {
    const hello = new HelloService({
      db: kernel.db,
      audit: kernel.audit,
      notices: kernel.notices,
      // Listed in src/modules/declarations.ts, `Limits` names helloMaxNameLength; outside it, it is widened here.
      maxNameLength: (kernel.limits as typeof kernel.limits & HelloLimits).helloMaxNameLength,
      productName: kernel.config.productName,
    });
    return { instances: [hello, new HelloResolver(hello)] };
  },
  entities: [],
  resolvers: [HelloResolver],
  ...helloDeclarations,
};
