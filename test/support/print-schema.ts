/**
 * Writes the generated GraphQL schema to src/schema.gql (`npm run schema:write`). Commit the result:
 * test/graphql/contract.spec.ts fails when it is out of date.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildGeneratedSchema, SCHEMA_FILE, schemaFileText } from './generated-schema';

async function main(): Promise<void> {
  const schema = await buildGeneratedSchema();
  writeFileSync(SCHEMA_FILE, schemaFileText(schema));
  console.log(`Wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
