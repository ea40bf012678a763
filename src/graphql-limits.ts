import type { ApolloServerPlugin } from '@apollo/server';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  specifiedRules,
  validate,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

/** The `extensions.code` of an operation refused for its size before it runs. */
export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';

/**
 * Static limits on an operation's document, checked at validation (before anything runs), over HTTP and
 * graphql-ws alike. Measured without them: 1,000 aliases of `jobs(first: 100) { edges { node { attempts {
 * number } } } }` ran 106 s and left a 3 GB heap; two at once killed the process.
 */
export interface GraphQLLimits {
  /** Aliased fields per operation (GRAPHQL_MAX_ALIASES). */
  maxAliases: number;
  /** Selection depth, introspection excepted (GRAPHQL_MAX_DEPTH). */
  maxDepth: number;
  /** graphql-armor's static cost: object 2, scalar 1, each level deeper ×1.5; list sizes (`first`) not counted (GRAPHQL_MAX_COST). */
  maxCost: number;
  /** Directives per operation (GRAPHQL_MAX_DIRECTIVES). */
  maxDirectives: number;
}

/** The deepest real operation (`jobs { edges { node { attempts { number } } } }`) is 5 levels and costs about 40. */
export const DEFAULT_GRAPHQL_LIMITS: GraphQLLimits = {
  maxAliases: 30,
  maxDepth: 10,
  maxCost: 5_000,
  maxDirectives: 50,
};

const SETTING: Record<keyof GraphQLLimits, string> = {
  maxAliases: 'GRAPHQL_MAX_ALIASES',
  maxDepth: 'GRAPHQL_MAX_DEPTH',
  maxCost: 'GRAPHQL_MAX_COST',
  maxDirectives: 'GRAPHQL_MAX_DIRECTIVES',
};

/** Reports armor's refusal as our own error: the limit's setting named, code QUERY_TOO_COMPLEX. */
function reject(limit: keyof GraphQLLimits) {
  return {
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) => {
        const message = `${error.message.replace(/^Syntax Error: /, '')} (${SETTING[limit]})`;
        context?.reportError(
          new GraphQLError(message, { extensions: { code: QUERY_TOO_COMPLEX, limit: SETTING[limit] } }),
        );
      },
    ],
  };
}

/** graphql-armor's validation rules for these limits. */
export function graphqlLimitRules(limits: GraphQLLimits): ValidationRule[] {
  return [
    maxAliasesRule({ n: limits.maxAliases, ...reject('maxAliases') }),
    maxDepthRule({ n: limits.maxDepth, ...reject('maxDepth') }),
    costLimitRule({ maxCost: limits.maxCost, ...reject('maxCost') }),
    maxDirectivesRule({ n: limits.maxDirectives, ...reject('maxDirectives') }),
  ] as ValidationRule[];
}

/** graphql-ws's `validate`: the standard rules plus the limits (a refused subscribe answers these errors). */
export function validateWithLimits(limits: GraphQLLimits) {
  const rules = [...specifiedRules, ...graphqlLimitRules(limits)];
  return (schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[] => validate(schema, document, rules);
}

/**
 * Apollo reports every validation error as GRAPHQL_VALIDATION_FAILED, overwriting the rule's code; this puts
 * QUERY_TOO_COMPLEX back on the limits' errors (they keep their other extensions, `limit` among them).
 */
export const graphqlLimitErrorsPlugin: ApolloServerPlugin = {
  // Apollo's hooks return promises; nothing here waits.
  requestDidStart: () =>
    Promise.resolve({
      willSendResponse: ({ response }) => {
        const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
        for (const error of errors) {
          if (error.extensions?.limit) (error.extensions as Record<string, unknown>).code = QUERY_TOO_COMPLEX;
        }
        return Promise.resolve();
      },
    }),
};
