import { CappedText } from './text-decoding';

/** What a CSV column holds, judged from every value seen in it (empty cells do not change a column's type). */
export type ColumnType = 'integer' | 'number' | 'boolean' | 'date' | 'string' | 'empty';

/** The delimiters a .csv may use, in the order that wins a tie. */
export const CSV_DELIMITERS = [',', ';', '|', '\t'] as const;

/**
 * The delimiter of the first record: the candidate seen most often outside double quotes (a quoted field may
 * hold delimiters and line breaks). Comma when none appears.
 */
export function detectDelimiter(head: string): string {
  const counts = new Map<string, number>(CSV_DELIMITERS.map((delimiter) => [delimiter, 0]));
  let quoted = false;
  for (const char of head) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) break;
    else if (!quoted && counts.has(char)) counts.set(char, counts.get(char)! + 1);
  }
  let best: string = CSV_DELIMITERS[0];
  for (const [delimiter, count] of counts) if (count > counts.get(best)!) best = delimiter;
  return best;
}

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOLEAN = /^(?:true|false)$/i;
const DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** The type of one cell: integer, number (decimal or exponent), boolean (true/false), ISO date, empty or string. */
export function cellType(value: string): ColumnType {
  const trimmed = value.trim();
  if (!trimmed) return 'empty';
  if (INTEGER.test(trimmed)) return 'integer';
  if (NUMBER.test(trimmed)) return 'number';
  if (BOOLEAN.test(trimmed)) return 'boolean';
  if (DATE.test(trimmed) && !Number.isNaN(Date.parse(trimmed.replace(' ', 'T')))) return 'date';
  return 'string';
}

/** A column's type after one more value: empty yields to anything, integer widens to number, else mixed is string. */
export function mergeType(column: ColumnType, cell: ColumnType): ColumnType {
  if (column === 'empty' || column === cell) return cell;
  if (cell === 'empty') return column;
  if ((column === 'integer' && cell === 'number') || (column === 'number' && cell === 'integer')) return 'number';
  return 'string';
}

/**
 * Whether the first row names the columns: every cell a non-numeric, non-empty string, no two alike, and the second
 * row differs in type (some cell of it is not a string). A table of one row has no header.
 */
export function looksLikeHeader(first: string[], second: string[] | undefined): boolean {
  if (!second) return false;
  const names = first.map((cell) => cell.trim());
  if (!first.every((cell) => cellType(cell) === 'string')) return false;
  if (new Set(names).size !== names.length) return false;
  return second.some((cell) => !['string', 'empty'].includes(cellType(cell)));
}

function lineBreaks(cell: string): number {
  let count = 0;
  for (let index = cell.indexOf('\n'); index !== -1; index = cell.indexOf('\n', index + 1)) count++;
  return count;
}

/** Line breaks and tabs inside a cell become spaces, so that the text keeps one row per line, cells tab-separated. */
const cellText = (cell: string) => cell.replace(/\r\n|[\r\n\t]/g, ' ');

/**
 * A table read record by record: its text (capped) and, in memory of the order of its columns only, their types.
 * The first record waits for the second to tell whether it is a header.
 */
export class TableSummary {
  readonly text: CappedText;
  private records = 0;
  /** Lines of the file the records read so far span (a quoted cell may hold line breaks). */
  lines = 0;
  private width = 0;
  private first: string[] | null = null;
  private header: string[] | null = null;
  private decided = false;
  private types: ColumnType[] = [];

  constructor(maxTextBytes: number) {
    this.text = new CappedText(maxTextBytes);
  }

  add(record: string[]): void {
    if (this.records > 0) this.text.append('\n');
    this.text.append(record.map(cellText).join('\t'));
    this.records++;
    this.lines += 1 + record.reduce((breaks, cell) => breaks + lineBreaks(cell), 0);
    if (this.records === 1) {
      this.first = record;
      this.width = record.length;
      this.types = record.map(() => 'empty');
      return;
    }
    if (!this.decided) this.decide(record);
    this.count(record);
  }

  summary() {
    if (!this.decided) this.decide(undefined);
    const columns = this.header ?? Array.from({ length: this.width }, (_, index) => `column_${index + 1}`);
    return {
      hasHeader: this.header !== null,
      columns,
      rowCount: this.records - (this.header ? 1 : 0),
      columnTypes: Object.fromEntries(columns.map((name, index) => [name, this.types[index]])),
    };
  }

  private decide(second: string[] | undefined): void {
    this.decided = true;
    if (!this.first) return;
    if (looksLikeHeader(this.first, second)) this.header = this.first.map((cell) => cell.trim());
    else this.count(this.first);
    this.first = null;
  }

  private count(record: string[]): void {
    for (let index = 0; index < record.length; index++)
      this.types[index] = mergeType(this.types[index] ?? 'empty', cellType(record[index]));
  }
}
