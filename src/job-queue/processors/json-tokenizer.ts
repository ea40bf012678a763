/**
 * A streaming JSON (RFC 8259) tokenizer: text goes in piece by piece, the structure comes out as calls on a handler,
 * and memory stays proportional to the nesting depth (strings reach the handler in pieces, numbers are checked by a
 * state machine, never kept). Any deviation from the grammar throws JsonSyntaxError with its line and column.
 */

export type JsonValueType = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';
export type JsonContainer = 'object' | 'array';

export interface JsonTokenHandler {
  /** A value begins, inside `depth` containers (0: the top-level value); `parent` is the innermost one. */
  value(type: JsonValueType, depth: number, parent: JsonContainer | null): void;
  /** An object key begins, inside `depth` containers (1: a key of the top-level object). */
  key?(depth: number): void;
  /** The next piece of the string value being read (keys are not passed on). */
  text?(piece: string): void;
}

export class JsonSyntaxError extends Error {
  constructor(
    readonly detail: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${detail} at line ${line}, column ${column}`);
    this.name = 'JsonSyntaxError';
  }
}

enum State {
  Value,
  ValueOrClose,
  Key,
  KeyOrClose,
  Colon,
  After,
  String,
  Escape,
  Unicode,
  Literal,
  Number,
}
/** Where a number is: after '-', after a leading 0, in the integer, after '.', in the fraction, after 'e', after its sign, in the exponent. */
enum Num {
  Minus,
  Zero,
  Int,
  Dot,
  Frac,
  Exp,
  ExpSign,
  ExpDigits,
}

// eslint-disable-next-line no-control-regex -- a JSON string may not hold U+0000 to U+001F unescaped (RFC 8259, section 7)
const STRING_RUN = /[^"\\\u0000-\u001f]+/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const NUMBER_COMPLETE = new Set([Num.Zero, Num.Int, Num.Frac, Num.ExpDigits]);
const isDigit = (char: string) => char >= '0' && char <= '9';

/**
 * Objects and arrays open at once, at most: the stack of open containers is the tokenizer's only memory that grows
 * with the input, and a file of '[' grew it until V8 ended the process (170 MB of them: "Fatal JavaScript invalid
 * size error", 2.6 GB resident). Deeper nesting is refused as malformed; Python's json module stops near 1,000.
 */
export const MAX_NESTING = 10_000;

export class JsonTokenizer {
  private state = State.Value;
  private readonly stack: JsonContainer[] = [];
  private line: number;
  private lineStart = 0;
  /** Characters of the input before the current piece. */
  private offset = 0;
  private inKey = false;
  private number = Num.Minus;
  private literal = '';
  private literalIndex = 0;
  private unicode = 0;
  private unicodeDigits = 0;
  private pendingText = '';
  private sawValue = false;

  constructor(
    private readonly handler: JsonTokenHandler,
    firstLine = 1,
  ) {
    this.line = firstLine;
  }

  write(chunk: string): void {
    let index = 0;
    while (index < chunk.length) {
      const char = chunk[index];
      switch (this.state) {
        case State.String: {
          STRING_RUN.lastIndex = index;
          if (STRING_RUN.test(chunk)) {
            if (!this.inKey) this.pendingText += chunk.slice(index, STRING_RUN.lastIndex);
            index = STRING_RUN.lastIndex;
            continue;
          }
          if (char === '"') this.endString();
          else if (char === '\\') this.state = State.Escape;
          else this.fail('unescaped control character in a string', chunk, index);
          break;
        }
        case State.Escape:
          if (char === 'u') {
            this.state = State.Unicode;
            this.unicode = this.unicodeDigits = 0;
            break;
          }
          if (!(char in ESCAPES)) this.fail('invalid escape in a string', chunk, index);
          this.addText(ESCAPES[char]);
          this.state = State.String;
          break;
        case State.Unicode: {
          const digit = parseInt(char, 16);
          if (Number.isNaN(digit)) this.fail('invalid \\u escape in a string', chunk, index);
          this.unicode = this.unicode * 16 + digit;
          if (++this.unicodeDigits === 4) {
            this.addText(String.fromCharCode(this.unicode));
            this.state = State.String;
          }
          break;
        }
        case State.Literal:
          if (char !== this.literal[this.literalIndex])
            this.fail(`invalid literal (expected ${this.literal})`, chunk, index);
          if (++this.literalIndex === this.literal.length) this.state = State.After;
          break;
        case State.Number:
          if (!this.numberAccepts(char)) {
            if (!NUMBER_COMPLETE.has(this.number)) this.fail('invalid number', chunk, index);
            this.state = State.After;
            continue; // the character that ended the number is read again
          }
          break;
        default:
          if (char === ' ' || char === '\t' || char === '\r') break;
          if (char === '\n') {
            this.line++;
            this.lineStart = this.offset + index + 1;
            break;
          }
          this.structural(char, chunk, index);
      }
      index++;
    }
    this.flushText(false);
    this.offset += chunk.length;
  }

  /** The input is complete. Returns false when it held nothing but whitespace (allowed only with `allowEmpty`). */
  end(allowEmpty = false): boolean {
    if (this.state === State.Number && NUMBER_COMPLETE.has(this.number)) this.state = State.After;
    if (this.state === State.After && this.stack.length === 0) return true;
    if (this.state === State.Value && !this.sawValue) {
      if (allowEmpty) return false;
      this.fail('expected a value but the input is empty');
    }
    const open = this.stack[this.stack.length - 1];
    const what = [State.String, State.Escape, State.Unicode].includes(this.state)
      ? 'an unterminated string'
      : this.state === State.Number || this.state === State.Literal
        ? `an incomplete ${this.state === State.Number ? 'number' : 'literal'}`
        : `an unclosed ${open}`;
    this.fail(`unexpected end of input in ${what}`);
  }

  private structural(char: string, chunk: string, index: number): void {
    const state = this.state;
    if (state === State.Value || state === State.ValueOrClose) {
      if (char === ']' && state === State.ValueOrClose) return this.close();
      return this.startValue(char, chunk, index);
    }
    if (state === State.Key || state === State.KeyOrClose) {
      if (char === '}' && state === State.KeyOrClose) return this.close();
      if (char !== '"') this.fail(`expected a double-quoted key but found ${quote(char)}`, chunk, index);
      this.handler.key?.(this.stack.length);
      this.inKey = true;
      this.state = State.String;
      return;
    }
    if (state === State.Colon) {
      if (char !== ':') this.fail(`expected ':' after a key but found ${quote(char)}`, chunk, index);
      this.state = State.Value;
      return;
    }
    const open = this.stack[this.stack.length - 1];
    if (!open) this.fail(`unexpected ${quote(char)} after the end of the JSON value`, chunk, index);
    const closer = open === 'object' ? '}' : ']';
    if (char === ',') this.state = open === 'object' ? State.Key : State.Value;
    else if (char === closer) this.close();
    else this.fail(`expected ',' or '${closer}' but found ${quote(char)}`, chunk, index);
  }

  private startValue(char: string, chunk: string, index: number): void {
    const type = valueType(char);
    if (!type) this.fail(`expected a value but found ${quote(char)}`, chunk, index);
    this.handler.value(type, this.stack.length, this.stack[this.stack.length - 1] ?? null);
    this.sawValue = true;
    if (type === 'object' || type === 'array') {
      if (this.stack.length === MAX_NESTING) this.fail(`nesting deeper than ${MAX_NESTING} levels`, chunk, index);
      this.stack.push(type);
      this.state = type === 'object' ? State.KeyOrClose : State.ValueOrClose;
    } else if (type === 'string') {
      this.inKey = false;
      this.state = State.String;
    } else if (type === 'number') {
      this.number = char === '-' ? Num.Minus : char === '0' ? Num.Zero : Num.Int;
      this.state = State.Number;
    } else {
      this.literal = char === 't' ? 'true' : char === 'f' ? 'false' : 'null';
      this.literalIndex = 1;
      this.state = State.Literal;
    }
  }

  private close(): void {
    this.stack.pop();
    this.state = State.After;
  }

  /** Moves the number's state machine on by one character; false when the character cannot continue the number. */
  private numberAccepts(char: string): boolean {
    const digit = isDigit(char);
    const exponent = char === 'e' || char === 'E';
    let next: Num | null;
    switch (this.number) {
      case Num.Minus:
        next = char === '0' ? Num.Zero : digit ? Num.Int : null;
        break;
      case Num.Zero:
      case Num.Int:
        next = digit && this.number === Num.Int ? Num.Int : char === '.' ? Num.Dot : exponent ? Num.Exp : null;
        break;
      case Num.Dot:
      case Num.Frac:
        next = digit ? Num.Frac : exponent && this.number === Num.Frac ? Num.Exp : null;
        break;
      case Num.Exp:
        next = char === '+' || char === '-' ? Num.ExpSign : digit ? Num.ExpDigits : null;
        break;
      default:
        next = digit ? Num.ExpDigits : null;
    }
    if (next === null) return false;
    this.number = next;
    return true;
  }

  private endString(): void {
    this.flushText(true);
    this.state = this.inKey ? State.Colon : State.After;
    this.inKey = false;
  }

  private addText(text: string): void {
    if (!this.inKey) this.pendingText += text;
  }

  /** Hands on the text read so far, holding back a lone high surrogate whose pair may come in the next piece. */
  private flushText(stringEnded: boolean): void {
    let text = this.pendingText;
    if (!text) return;
    const last = text.charCodeAt(text.length - 1);
    this.pendingText = '';
    if (!stringEnded && last >= 0xd800 && last <= 0xdbff) {
      this.pendingText = text[text.length - 1];
      text = text.slice(0, -1);
    }
    if (text) this.handler.text?.(text);
  }

  private fail(detail: string, chunk?: string, index?: number): never {
    const position = chunk === undefined ? this.offset : this.offset + index!;
    throw new JsonSyntaxError(detail, this.line, position - this.lineStart + 1);
  }
}

function valueType(char: string): JsonValueType | null {
  if (char === '{') return 'object';
  if (char === '[') return 'array';
  if (char === '"') return 'string';
  if (char === '-' || isDigit(char)) return 'number';
  if (char === 't' || char === 'f') return 'boolean';
  if (char === 'n') return 'null';
  return null;
}

const quote = (char: string) => JSON.stringify(char);
