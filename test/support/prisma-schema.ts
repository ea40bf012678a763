import { readFileSync } from 'node:fs';
import path from 'node:path';

/** A small reader of the Prisma schema language: enough to compare the two schemas and derive tables from them. */
export interface PrismaField {
  name: string;
  /** The type without ? or [] (a scalar, an enum or a model). */
  type: string;
  optional: boolean;
  list: boolean;
  /** @id, @map("x"), @db.Timestamptz(3), ... with whitespace collapsed. */
  attributes: string[];
  docs: string[];
}

export interface PrismaBlock {
  kind: string;
  name: string;
  docs: string[];
  /** Fields of a model, values of an enum. */
  fields: PrismaField[];
  /** @@index(...), @@map(...), ... */
  blockAttributes: string[];
  /** key = value lines of a generator or datasource. */
  settings: Record<string, string>;
}

export interface PrismaSchema {
  /** The `//` comment lines before the first block. */
  header: string[];
  blocks: PrismaBlock[];
}

export const PRISMA_SCHEMA_FILES = {
  sqlite: path.resolve(__dirname, '../../prisma/sqlite/schema.prisma'),
  postgresql: path.resolve(__dirname, '../../prisma/postgresql/schema.prisma'),
} as const;

export function readPrismaSchema(provider: keyof typeof PRISMA_SCHEMA_FILES): PrismaSchema {
  return parsePrismaSchema(readFileSync(PRISMA_SCHEMA_FILES[provider], 'utf8'));
}

/** Splits `@a @b(x, "y)") @c` into its attributes, keeping parentheses and strings whole. */
export function splitAttributes(text: string): string[] {
  const attributes: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const char of text.trim()) {
    if (char === '"' && !current.endsWith('\\')) quoted = !quoted;
    if (!quoted && char === '(') depth++;
    if (!quoted && char === ')') depth--;
    if (!quoted && depth === 0 && char === '@' && current.trim() !== '' && !current.endsWith('@')) {
      attributes.push(current.trim());
      current = '';
    }
    current += char;
  }
  if (current.trim()) attributes.push(current.trim());
  return attributes.map((attribute) => attribute.replace(/\s+/g, ' '));
}

function parseField(line: string, docs: string[]): PrismaField {
  const match = /^(\w+)(?:\s+(\w+)(\[\])?(\?)?)?\s*(.*)$/.exec(line);
  if (!match) throw new Error(`Unreadable Prisma field line: ${line}`);
  const [, name, type = '', list, optional, rest] = match;
  return {
    name,
    type,
    list: list !== undefined,
    optional: optional !== undefined,
    attributes: splitAttributes(rest),
    docs,
  };
}

export function parsePrismaSchema(text: string): PrismaSchema {
  const schema: PrismaSchema = { header: [], blocks: [] };
  let block: PrismaBlock | null = null;
  let docs: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('///')) {
      docs.push(line.slice(3).trim());
    } else if (line.startsWith('//')) {
      if (!block && schema.blocks.length === 0) schema.header.push(line);
    } else if (!block) {
      const open = /^(\w+)\s+(\w+)\s*\{$/.exec(line);
      if (!open) throw new Error(`Unexpected Prisma line outside a block: ${line}`);
      block = { kind: open[1], name: open[2], docs, fields: [], blockAttributes: [], settings: {} };
      docs = [];
    } else if (line === '}') {
      schema.blocks.push(block);
      block = null;
    } else if (line.startsWith('@@')) {
      block.blockAttributes.push(...splitAttributes(line));
    } else if (block.kind === 'generator' || block.kind === 'datasource') {
      const [key, ...value] = line.split('=');
      block.settings[key.trim()] = value.join('=').trim();
    } else {
      block.fields.push(parseField(line, docs));
      docs = [];
    }
  }
  if (block) throw new Error(`Unclosed Prisma block ${block.kind} ${block.name}`);
  return schema;
}

/** Models, enums and the like, without @db.* native types: what must be identical between the providers. */
export function dataModel(schema: PrismaSchema): PrismaBlock[] {
  return schema.blocks
    .filter((block) => block.kind !== 'generator' && block.kind !== 'datasource')
    .map((block) => ({
      ...block,
      fields: block.fields.map((field) => ({
        ...field,
        attributes: field.attributes.filter((a) => !a.startsWith('@db.')),
      })),
    }));
}

/** The blocks of a kind (generator, datasource, model, enum). */
export const blocksOf = (schema: PrismaSchema, kind: string) => schema.blocks.filter((block) => block.kind === kind);

const mapped = (attributes: string[], fallback: string, prefix: '@map' | '@@map') =>
  /^@@?map\("([^"]+)"\)$/.exec(attributes.find((a) => a.startsWith(`${prefix}(`)) ?? '')?.[1] ?? fallback;

export const tableOf = (model: PrismaBlock) => mapped(model.blockAttributes, model.name, '@@map');

export interface ModelColumn {
  field: string;
  column: string;
  nullable: boolean;
}

/** The columns a model stores: its scalar and enum fields (relation fields are not columns). */
export function columnsOf(model: PrismaBlock, schema: PrismaSchema): ModelColumn[] {
  const models = new Set(blocksOf(schema, 'model').map((block) => block.name));
  return model.fields
    .filter((field) => !models.has(field.type))
    .map((field) => ({
      field: field.name,
      column: mapped(field.attributes, field.name, '@map'),
      nullable: field.optional,
    }));
}

export interface ModelIndex {
  name: string;
  unique: boolean;
}

/** The indexes Prisma names for a model's @unique, @@unique and @@index (its default {table}_{columns}_idx/_key). */
export function indexesOf(model: PrismaBlock, schema: PrismaSchema): ModelIndex[] {
  const table = tableOf(model);
  const columnOf = new Map(columnsOf(model, schema).map((column) => [column.field, column.column]));
  const named = (fields: string[], suffix: string) =>
    `${table}_${fields.map((field) => columnOf.get(field) ?? field).join('_')}_${suffix}`;
  const fieldIndexes = model.fields
    .filter((field) => field.attributes.some((a) => a === '@unique' || a.startsWith('@unique(')))
    .map((field) => ({ name: named([field.name], 'key'), unique: true }));
  const blockIndexes = model.blockAttributes.flatMap((attribute) => {
    const match = /^@@(index|unique)\(\[([^\]]*)\]/.exec(attribute);
    if (!match) return [];
    const explicit = /map:\s*"([^"]+)"/.exec(attribute)?.[1];
    const fields = match[2]
      .replace(/\([^)]*\)/g, '')
      .split(',')
      .map((part) => part.trim());
    const unique = match[1] === 'unique';
    return [{ name: explicit ?? named(fields, unique ? 'key' : 'idx'), unique }];
  });
  return [...fieldIndexes, ...blockIndexes];
}
