import { upload } from '../support/api-helpers';
import { denseDocxFile, docxFile, pdfFile } from '../support/binary-samples';
import { databaseLabel } from '../support/database';
import { type TestApp, useTestApp, waitFor } from '../support/test-app';

const JOB = `query($id: ID!) {
  job(id: $id) { status errorCode errorMessage errorRecoverable retryCount extractedText }
}`;

/** The heap each parser thread may use here: ample for real documents of a few pages, not for a ZIP bomb. */
const HEAP_MB = 64;

/**
 * Each PDF and DOCX is parsed in a thread whose heap is capped (maxParserHeapMb): a file whose parse needs more fails
 * alone, FILE_TOO_LARGE, not retried, and the service goes on with the next job.
 */
describe(`Parsers within a heap of their own (${databaseLabel})`, () => {
  let service: TestApp;
  useTestApp({ queue: { maxParserHeapMb: HEAP_MB } }, (started) => ({ service } = started));

  async function finished(name: string, content: Buffer) {
    const response = await upload(service, { name, content: content as unknown as string }).expect(201);
    return waitFor(async () => {
      const { data } = await service.gql(JOB, { id: response.body.job.id });
      return ['COMPLETED', 'FAILED'].includes(data.job.status) ? data.job : null;
    }, 60_000);
  }

  it('fails a DOCX whose XML needs more heap than that, FILE_TOO_LARGE at its first attempt', async () => {
    const bomb = await denseDocxFile(24);
    expect(bomb.length).toBeLessThan(200_000);
    expect(await finished('bomb.docx', bomb)).toEqual({
      status: 'FAILED',
      errorCode: 'FILE_TOO_LARGE',
      errorMessage: `bomb.docx is too large to parse: its parse needs more than the ${HEAP_MB} MB a parser may use (maxParserHeapMb)`,
      errorRecoverable: false,
      retryCount: 0,
      extractedText: null,
    });
  });

  it('reads a DOCX and a PDF of a few pages within the same heap, after the one that did not fit', async () => {
    const created = new Date('2024-05-06T07:08:09Z');
    const docx = await docxFile({ paragraphs: ['Within bounds', 'Second paragraph'], created, modified: created });
    expect(await finished('small.docx', docx)).toMatchObject({
      status: 'COMPLETED',
      extractedText: 'Within bounds\n\nSecond paragraph',
    });
    const pdf = await pdfFile({ pages: ['Page one', 'Page two'] });
    expect(await finished('small.pdf', pdf)).toMatchObject({
      status: 'COMPLETED',
      extractedText: 'Page one\fPage two',
    });
  });
});
