/**
 * The bench's list options (bench/lib/options.ts): `npm run bench -- --only …` splits at commas, `bench:designs --designs`
 * at `|`, since its designs' names hold commas.
 */
import { listOption } from '../../bench/lib/options';

const DESIGNS = ['current', 'bare claim, deleted', 'queue only'] as const;
const fail = (message: string): never => {
  throw new Error(message);
};

it('gives every choice when the option is absent, and the named ones in their order otherwise', () => {
  expect(listOption(['--rounds', '3'], 'designs', DESIGNS, '|', fail)).toEqual([...DESIGNS]);
  expect(listOption(['--designs', 'queue only|bare claim, deleted'], 'designs', DESIGNS, '|', fail)).toEqual([
    'queue only',
    'bare claim, deleted',
  ]);
  expect(listOption(['--only', 'burndown, enqueue'], 'only', ['enqueue', 'burndown'], ',', fail)).toEqual([
    'burndown',
    'enqueue',
  ]);
});

it('names an unknown choice and the choices, and an option without a value', () => {
  expect(() => listOption(['--designs', 'curent|queue only'], 'designs', DESIGNS, '|', fail)).toThrow(
    'unknown designs: curent (choose from current | bare claim, deleted | queue only)',
  );
  // Split at commas, a design's name would be two unknown items.
  expect(() => listOption(['--designs', 'bare claim, deleted'], 'designs', DESIGNS, ',', fail)).toThrow(
    'unknown designs: bare claim, deleted (choose from current, bare claim, deleted, queue only)',
  );
  expect(() => listOption(['--designs'], 'designs', DESIGNS, '|', fail)).toThrow('--designs needs a value');
});
