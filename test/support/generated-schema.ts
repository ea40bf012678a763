import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NestFactory } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { type GraphQLSchema, printSchema } from 'graphql';
import { AppModule } from '../../src/app.module';

/** The committed generated schema, written by `npm run schema:write`. */
export const SCHEMA_FILE = path.resolve(__dirname, '../../src/schema.gql');
/** The public contract the generated schema must not break. */
export const CONTRACT_FILE = path.resolve(__dirname, '../contract/schema.graphql');

const HEADER = `# Generated from the code-first resolvers by \`npm run schema:write\` (test/support/print-schema.ts). Do not edit.
# test/graphql/contract.spec.ts fails when this file is out of date or breaks test/contract/schema.graphql.
`;

/**
 * The schema the service serves: the real AppModule (the same GraphQLModule options, sortSchema included)
 * booted without listening, against a throwaway SQLite file with the workers off.
 */
export async function buildGeneratedSchema(): Promise<GraphQLSchema> {
  const dir = mkdtempSync(path.join(tmpdir(), 'file-jobs-schema-'));
  const app = await NestFactory.create(
    AppModule.forRoot({
      port: 0,
      production: true,
      jobQueue: {
        databaseUrl: `file:${path.join(dir, 'queue.db')}`,
        storageDir: path.join(dir, 'files'),
        workersEnabled: false,
      },
    }),
    { logger: ['error'], abortOnError: false },
  );
  try {
    await app.init();
    return app.get(GraphQLSchemaHost).schema;
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The text of src/schema.gql for a schema: a header, then graphql-js printSchema. */
export function schemaFileText(schema: GraphQLSchema): string {
  return `${HEADER}\n${printSchema(schema)}\n`;
}
