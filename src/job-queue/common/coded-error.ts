/** An error with a string code from its module's enum; the exception filter maps the code to GraphQL and HTTP. */
export class CodedError<Code extends string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
