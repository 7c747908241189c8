import type { WardenModule } from '../module';
import { EntityPrivacyResolver } from './entity-privacy.resolver';

/**
 * Warden as an Apollo Federation 2 subgraph (docs/federation.md). The subgraph schema itself is built in
 * src/graphql/federation.ts when FEDERATION_ENABLED=true; this module keeps User's contact fields viewer-only.
 */
export const federationModule: WardenModule = {
  name: 'federation',
  build: () => ({ instances: [new EntityPrivacyResolver()] }),
  entities: [],
  resolvers: [EntityPrivacyResolver],
};
