/**
 * Validation rules that bound the work one GraphQL document can ask for:
 * - depth: how many selection sets deep an operation goes (MediaInfo.entries nests);
 * - cost: every field costs 1, and what is selected under a list field counts `listFactor`
 *   times (a list is assumed to hold that many items) — a playlist's entries' formats add up.
 * Fragments are expanded where they are spread. Both rules run in the validation step, so an
 * over-limit query is refused before any resolver runs.
 */
import type { ASTVisitor, GraphQLNamedType, GraphQLSchema, OperationDefinitionNode, SelectionSetNode, ValidationContext, ValidationRule } from 'graphql';
import { graphql } from './graphql-lib.js';

const { GraphQLError, Kind, getNamedType, getNullableType, isInterfaceType, isListType, isObjectType } = graphql;

/** Calls `fn` with the selection sets of the fragments and inline fragments in `set`, expanded once per path. */
function forEachExpanded(
  context: ValidationContext,
  set: SelectionSetNode,
  seenFragments: ReadonlySet<string>,
  fn: (selections: SelectionSetNode, typeName: string | undefined, seen: ReadonlySet<string>) => void,
): void {
  for (const selection of set.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      fn(selection.selectionSet, selection.typeCondition?.name.value, seenFragments);
    } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const name = selection.name.value;
      const fragment = context.getFragment(name);
      // a fragment cycle is reported by the spec's own rule; here it just stops counting
      if (fragment && !seenFragments.has(name)) fn(fragment.selectionSet, fragment.typeCondition.name.value, new Set([...seenFragments, name]));
    }
  }
}

function selectionDepth(context: ValidationContext, set: SelectionSetNode, seenFragments: ReadonlySet<string>): number {
  let deepest = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD && selection.selectionSet) {
      deepest = Math.max(deepest, 1 + selectionDepth(context, selection.selectionSet, seenFragments));
    }
  }
  forEachExpanded(context, set, seenFragments, (inner, _type, seen) => {
    deepest = Math.max(deepest, selectionDepth(context, inner, seen));
  });
  return deepest;
}

function selectionCost(
  context: ValidationContext,
  set: SelectionSetNode,
  parent: GraphQLNamedType | undefined,
  listFactor: number,
  seenFragments: ReadonlySet<string>,
): number {
  const schema = context.getSchema();
  let total = 0;
  for (const selection of set.selections) {
    if (selection.kind !== Kind.FIELD) continue;
    const field = parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[selection.name.value] : undefined;
    if (!field || !selection.selectionSet) {
      total += 1;
      continue;
    }
    const multiplier = isListType(getNullableType(field.type)) ? listFactor : 1;
    total += 1 + multiplier * selectionCost(context, selection.selectionSet, getNamedType(field.type), listFactor, seenFragments);
  }
  forEachExpanded(context, set, seenFragments, (inner, typeName, seen) => {
    const type = typeName ? schema.getType(typeName) ?? undefined : parent;
    total += selectionCost(context, inner, type, listFactor, seen);
  });
  return total;
}

function rootType(schema: GraphQLSchema, node: OperationDefinitionNode): GraphQLNamedType | undefined {
  const type = node.operation === 'query' ? schema.getQueryType() : node.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  return type ?? undefined;
}

/** Refuses operations nested deeper than `maxDepth` selection sets (`{ a { b } }` is 2). */
export function depthLimitRule(maxDepth: number): ValidationRule {
  return (context): ASTVisitor => ({
    OperationDefinition(node) {
      const depth = selectionDepth(context, node.selectionSet, new Set());
      if (depth > maxDepth) {
        context.reportError(new GraphQLError(`The query is ${depth} levels deep, more than the depth limit of ${maxDepth}.`, { nodes: [node] }));
      }
    },
  });
}

/** Refuses operations whose cost is above `maxCost`. */
export function costLimitRule(options: { maxCost: number; listFactor?: number }): ValidationRule {
  const listFactor = options.listFactor ?? 10;
  return (context): ASTVisitor => ({
    OperationDefinition(node) {
      const cost = selectionCost(context, node.selectionSet, rootType(context.getSchema(), node), listFactor, new Set());
      if (cost > options.maxCost) {
        context.reportError(new GraphQLError(`The query costs ${cost}, more than the limit of ${options.maxCost}; ask for fewer fields or lists.`, { nodes: [node] }));
      }
    },
  });
}
