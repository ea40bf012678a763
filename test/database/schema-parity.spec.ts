import { readFileSync } from 'node:fs';
import { loadMigrations } from '../../src/job-queue/database/migrator';
import { describePostgres, usingPostgres } from '../support/database';
import {
  type DatabaseFacts,
  type MigrationTarget,
  migrationWithSql,
  openPostgresTarget,
  openSqliteTarget,
} from '../support/migrated-database';
import {
  blocksOf,
  columnsOf,
  dataModel,
  indexesOf,
  parsePrismaSchema,
  PRISMA_SCHEMA_FILES,
  type PrismaSchema,
  readPrismaSchema,
  tableOf,
} from '../support/prisma-schema';

const sqliteSchema = readPrismaSchema('sqlite');
const postgresSchema = readPrismaSchema('postgresql');

/** Generator and datasource blocks without the settings that may differ between the providers. */
function configuration(schema: PrismaSchema) {
  const without = (settings: Record<string, string>, keys: string[]) =>
    Object.fromEntries(Object.entries(settings).filter(([key]) => !keys.includes(key)));
  return {
    generators: blocksOf(schema, 'generator').map((block) => ({
      ...block,
      settings: without(block.settings, ['output']),
    })),
    datasources: blocksOf(schema, 'datasource').map((block) => ({
      ...block,
      settings: without(block.settings, ['provider', 'url']),
    })),
  };
}

describe('Prisma schemas (prisma/sqlite and prisma/postgresql)', () => {
  it('declare the same models: names, fields, types, optionality, attributes but @db.*, docs', () => {
    expect(dataModel(sqliteSchema)).toEqual(dataModel(postgresSchema));
  });

  it('differ otherwise only in the header comment, the generator output and the datasource provider and url', () => {
    expect(configuration(sqliteSchema)).toEqual(configuration(postgresSchema));
    expect(blocksOf(sqliteSchema, 'datasource')[0].settings.provider).toBe('"sqlite"');
    expect(blocksOf(postgresSchema, 'datasource')[0].settings.provider).toBe('"postgresql"');
  });

  it('are read completely (the comparison is not vacuous)', () => {
    expect(blocksOf(sqliteSchema, 'model').map((model) => model.name)).toEqual([
      'StoredFile',
      'ProcessingJob',
      'JobAttempt',
      'JobCount',
    ]);
    const job = blocksOf(sqliteSchema, 'model')[1];
    expect(job.fields.find((field) => field.name === 'bytesProcessed')).toMatchObject({
      type: 'BigInt',
      optional: true,
      attributes: ['@map("bytes_processed")'],
    });
    expect(job.blockAttributes).toContain('@@index([createdAt, id])');
  });

  it('would report a drift in optionality or attributes, and ignores only @db.*', () => {
    const text = readFileSync(PRISMA_SCHEMA_FILES.postgresql, 'utf8');
    const drifted = (from: string, to: string) => {
      expect(text).toContain(from);
      return dataModel(parsePrismaSchema(text.replace(from, to)));
    };
    expect(drifted('mimeType     String? ', 'mimeType     String  ')).not.toEqual(dataModel(sqliteSchema));
    expect(drifted('@default(2)', '@default(3)')).not.toEqual(dataModel(sqliteSchema));
    expect(drifted('@map("run_at") @db.Timestamptz(3)', '@map("run_at") @db.Timestamp(6)')).toEqual(
      dataModel(sqliteSchema),
    );
  });
});

/**
 * Indexes a model declares that PostgreSQL does without. There a job's state is a row of its own, each status has a
 * partial index, and the listing orders by the record's creation time: (status, created_at) on the state served no
 * query and cost each claim and completion an index entry (migration 20261206140000_state_status_index_dropped).
 * SQLite, whose job is one table, keeps it for its listing by status.
 */
const NOT_ON_POSTGRES = ['processing_jobs_status_created_at_idx'];

const declaredOn = (provider: MigrationTarget['provider'], index: { name: string }) =>
  provider === 'sqlite' || !NOT_ON_POSTGRES.includes(index.name);

const targets: [string, () => Promise<MigrationTarget>][] = [
  ['SQLite', openSqliteTarget],
  ...(usingPostgres ? [['PostgreSQL', openPostgresTarget] as [string, () => Promise<MigrationTarget>]] : []),
];

describe.each(targets)('%s migrations (src/job-queue/database/migrator.ts)', (_label, open) => {
  let target: MigrationTarget;
  let firstRun: string[];

  beforeAll(async () => {
    target = await open();
    firstRun = await target.migrate();
  });

  afterAll(async () => {
    await target?.close();
  });

  it('apply every committed migration once; a second run applies nothing', async () => {
    const committed = loadMigrations(target.provider).map((migration) => migration.name);
    expect(committed.length).toBeGreaterThan(0);
    expect(firstRun).toEqual(committed);
    const before = await target.facts();
    expect(await target.migrate()).toEqual([]);
    expect(await target.appliedCount()).toBe(committed.length);
    expect(await target.facts()).toEqual(before);
  });

  it('refuse a migration whose file changed after it was applied, and apply nothing else', async () => {
    const [first, ...rest] = loadMigrations(target.provider);
    const edited = migrationWithSql(first, `${first.sql}\n-- edited after it was applied\n`);
    const added = migrationWithSql(
      { ...first, name: '29991231000000_added_later' },
      'CREATE TABLE "never_applied" ("id" TEXT);',
    );
    await expect(target.migrate([edited, ...rest, added])).rejects.toThrow(
      `Migration ${first.name} was changed after it was applied (checksum mismatch)`,
    );
    expect(Object.keys(await target.facts())).not.toContain('never_applied');
    expect(await target.appliedCount()).toBe(rest.length + 1);
  });

  it('create the tables, columns, nullability and named indexes of the Prisma models', async () => {
    const facts = await target.facts();
    const models = blocksOf(sqliteSchema, 'model');
    expect(Object.keys(facts).sort()).toEqual(['_prisma_migrations', ...models.map(tableOf)].sort());
    for (const model of models) {
      const table = facts[tableOf(model)];
      const expectedColumns = columnsOf(model, sqliteSchema).map(({ column, nullable }) => ({
        name: column,
        nullable,
      }));
      expect({ model: model.name, columns: table.columns }).toEqual({
        model: model.name,
        columns: [...expectedColumns].sort((a, b) => a.name.localeCompare(b.name)),
      });
      for (const index of indexesOf(model, sqliteSchema).filter((index) => declaredOn(target.provider, index))) {
        expect({ model: model.name, index: table.indexes.find((actual) => actual.name === index.name) }).toEqual({
          model: model.name,
          index: { ...index, partial: false },
        });
      }
    }
  });
});

describePostgres('SQLite and PostgreSQL migrations', () => {
  let sqlite: MigrationTarget;
  let postgres: MigrationTarget;

  beforeAll(async () => {
    [sqlite, postgres] = await Promise.all([openSqliteTarget(), openPostgresTarget()]);
    await Promise.all([sqlite.migrate(), postgres.migrate()]);
  });

  afterAll(async () => {
    await Promise.all([sqlite?.close(), postgres?.close()]);
  });

  it('create identical tables, column names, nullability and index names (unique and partial alike)', async () => {
    const [sqliteFacts, postgresFacts] = await Promise.all([sqlite.facts(), postgres.facts()]);
    expect(Object.keys(sqliteFacts).length).toBeGreaterThan(1);
    expect(postgresFacts).toEqual(withoutIndexes(sqliteFacts, NOT_ON_POSTGRES));
  });

  it('differ only in indexes that SQLite has (an exception naming an index neither has would hide nothing)', async () => {
    const sqliteIndexes = Object.values(await sqlite.facts()).flatMap((table) => table.indexes.map((i) => i.name));
    expect(NOT_ON_POSTGRES.filter((name) => sqliteIndexes.includes(name))).toEqual(NOT_ON_POSTGRES);
  });
});

function withoutIndexes(facts: DatabaseFacts, names: string[]): DatabaseFacts {
  return Object.fromEntries(
    Object.entries(facts).map(([table, { columns, indexes }]) => [
      table,
      { columns, indexes: indexes.filter((index) => !names.includes(index.name)) },
    ]),
  );
}
