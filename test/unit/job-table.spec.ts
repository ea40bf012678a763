import { JobTable } from '../../src/job-queue/common/job-table';

describe('JobTable: the jobs running in a process', () => {
  it('adds and removes by slot, and finds by id: size, lookups, ids and values', () => {
    const table = new JobTable<{ n: number }>();
    const a = table.add('a', { n: 1 });
    const b = table.add('b', { n: 2 });
    const c = table.add('c', { n: 3 });
    expect([table.size, table.get('b'), table.get('d')]).toEqual([3, { n: 2 }, undefined]);
    expect(table.remove(a)).toBe(true);
    expect(table.remove(a)).toBe(false); // removed already
    expect([table.size, table.get('a')]).toEqual([2, undefined]);
    expect(table.ids().sort()).toEqual(['b', 'c']);
    expect(table.remove(c)).toBe(true); // the last one: nothing moves
    expect(table.remove(b)).toBe(true);
    expect([table.size, table.ids(), table.values(), table.byId().size]).toEqual([0, [], [], 0]);
  });

  it('keeps a job added twice apart: by id it finds the newer, removing either leaves the other', () => {
    const table = new JobTable<string>();
    const before = table.add('x', 'before');
    const older = table.add('job', 'older attempt');
    const newer = table.add('job', 'newer attempt');
    // Removing the first slot moves the last into its place, ahead of the older attempt.
    table.remove(before);
    expect([table.get('job'), table.byId().get('job')]).toEqual(['newer attempt', 'newer attempt']);
    table.remove(older);
    expect([table.size, table.get('job')]).toEqual([1, 'newer attempt']);
    table.add('job', 'third');
    table.remove(newer);
    expect([table.size, table.get('job'), table.values()]).toEqual([1, 'third', ['third']]);
  });

  it('holds as many jobs as come and go, removed in any order, and is empty again after', () => {
    const table = new JobTable<number>();
    for (let round = 0; round < 50; round++) {
      const slots = Array.from({ length: 200 }, (_, i) => table.add(`job-${round}-${i}`, i));
      const order = [...slots.keys()].sort((x, y) => ((x * 7919) % 200) - ((y * 7919) % 200));
      expect(order.filter((index) => !table.remove(slots[index]))).toEqual([]);
    }
    expect([table.size, table.ids()]).toEqual([0, []]);
    const kept = table.add('kept', 1);
    expect([table.get('kept'), table.remove(kept), table.get('kept')]).toEqual([1, true, undefined]);
  });
});
