import { newId } from '../../src/job-queue/common/ids';

describe('newId', () => {
  it('makes 25-character base-36 ids, all distinct, in creation order, across refills of its random pool', () => {
    // 20,000 ids draw 220,000 random bytes: the 8 KiB pool is refilled ~27 times.
    const ids = Array.from({ length: 20_000 }, () => newId());
    expect(ids.filter((id) => !/^c[0-9a-z]{24}$/.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id, index) => index > 0 && ids[index - 1] >= id)).toEqual([]);
  });

  it('starts with the time in base 36, and its random part varies in every position', () => {
    const before = Date.now();
    const ids = Array.from({ length: 2_000 }, () => newId());
    const times = ids.map((id) => parseInt(id.slice(1, 10), 36));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(before);
    expect(Math.max(...times)).toBeLessThanOrEqual(Date.now());
    // Each of the 11 random characters takes many values (32 possible): none is stuck.
    const valuesAt = Array.from({ length: 11 }, (_, position) => new Set(ids.map((id) => id[14 + position])).size);
    expect(valuesAt.filter((values) => values < 30)).toEqual([]);
  });
});
