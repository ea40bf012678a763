/** POST /graphql with a JSON body; throws on GraphQL errors. */
export async function graphql<T>(port: number, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length || !body.data)
    throw new Error(`GraphQL: ${body.errors?.map((error) => error.message).join('; ') ?? response.status}`);
  return body.data;
}
