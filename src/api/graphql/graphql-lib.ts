/**
 * graphql-js, loaded the way mercurius loads it (CommonJS). graphql 16 ships a CommonJS and an
 * ES module build; a schema made by one is rejected by the other ("from another module or
 * realm"), and bundler-style resolvers (vitest) pick the ES build for an `import`. Requiring it
 * here guarantees our validation rules and errors share mercurius' instance everywhere.
 */
import { createRequire } from 'node:module';

export const graphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');
