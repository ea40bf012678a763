import type { PublicErrorCode } from './public-error';

/**
 * An error with a string code from its module's enum. Each module says, beside its enum, which public code (GraphQL
 * `extensions.code`, HTTP status) each of its codes is, so the exception filter in common/ needs no module's types.
 */
export abstract class CodedError<Code extends string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }

  abstract get publicCode(): PublicErrorCode;

  /** The module's own code, shown beside the public one as `extensions.reason`. */
  get reason(): string | undefined {
    return this.code;
  }
}
