import { JobTable } from '../../src/job-queue/common/job-table';

describe('JobTable: the jobs running in a process, by id', () => {
  it('keeps what a Map would: size, lookups, removal, ids and values', () => {
    const table = new JobTable<{ n: number }>();
    const first = { n: 1 };
    table.set('a', first);
    table.set('b', { n: 2 });
    table.set('a', { n: 3 }); // replaced, not counted twice
    expect(table.size).toBe(2);
    expect(table.get('a')).toEqual({ n: 3 });
    expect(table.get('c')).toBeUndefined();
    expect(table.delete('a')).toBe(true);
    expect(table.delete('a')).toBe(false);
    expect(table.size).toBe(1);
    expect(table.ids()).toEqual(['b']);
    expect(table.values()).toEqual([{ n: 2 }]);
  });

  it("takes ids that an object's own prototype would answer to", () => {
    const table = new JobTable<number>();
    expect(table.get('toString')).toBeUndefined();
    expect(table.delete('constructor')).toBe(false);
    table.set('__proto__', 1);
    table.set('hasOwnProperty', 2);
    expect([table.size, table.get('__proto__'), table.get('hasOwnProperty')]).toEqual([2, 1, 2]);
    expect(table.ids().sort()).toEqual(['__proto__', 'hasOwnProperty']);
  });

  it('holds as many jobs as come and go, and is empty again after', () => {
    const table = new JobTable<number>();
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 200; i++) table.set(`job-${round}-${i}`, i);
      for (let i = 0; i < 200; i++) table.delete(`job-${round}-${i}`);
    }
    expect([table.size, table.ids()]).toEqual([0, []]);
  });
});
