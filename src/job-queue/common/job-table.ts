/** A job's place in a JobTable: what removes it. */
export interface JobTableSlot {
  readonly id: string;
}

interface Slot<V> extends JobTableSlot {
  value: V;
  /** The order of additions (removal moves slots within the list). */
  seq: number;
  /** Its index in the table's list; -1 once removed. */
  at: number;
}

/**
 * The jobs running in this process: added and removed once per job on the hot path, looked up by id only on rare
 * ones (a cancel, a lease renewal, a progress update from outside the processor).
 *
 * A list with swap-removal by slot, not a table by id. A Map's table is replaced each time it grows or shrinks, and
 * V8 leaves in the replaced table a pointer to its successor (for iterators that were walking it): a table that lived
 * long enough to be moved to the old generation kept, once replaced and dead, every later table and every job in
 * them alive through the next minor collections. In the bench's burn-down (20,000 no-op jobs, two such tables, each
 * filled and emptied by every claimed batch) the worker then moved ~2 MB to the old generation at every minor
 * collection instead of ~0.15, and peaked at 139 MB of RSS instead of 109. An object in dictionary mode, used next,
 * had no such link, but each new id was a string for V8 to internalize as a property name: 0.4-0.7 µs a job for the
 * addition and removal, against 0.01-0.1 here (a loop of 200,000 ids in batches of 256, Node 22). Lookups by id
 * walk the list: a few hundred jobs at the most (the pool's concurrency, up to twice that while outcomes commit).
 */
export class JobTable<V> {
  private readonly slots: Slot<V>[] = [];
  private added = 0;

  get size(): number {
    return this.slots.length;
  }

  add(id: string, value: V): JobTableSlot {
    const slot: Slot<V> = { id, value, seq: this.added++, at: this.slots.length };
    this.slots.push(slot);
    return slot;
  }

  /** Removes what `add` put at `slot`; false when it was removed already. */
  remove(removed: JobTableSlot): boolean {
    const slot = removed as Slot<V>;
    if (slot.at === -1 || this.slots[slot.at] !== slot) return false;
    const last = this.slots.pop()!;
    if (last !== slot) {
      this.slots[slot.at] = last;
      last.at = slot.at;
    }
    slot.at = -1;
    return true;
  }

  /** The value of the job, the one added last if it was added twice (an attempt still ending beside a new one). */
  get(id: string): V | undefined {
    let found: Slot<V> | undefined;
    for (const slot of this.slots) if (slot.id === id && (!found || slot.seq > found.seq)) found = slot;
    return found?.value;
  }

  /** The values by id, for looking many up at once (for an id added twice, the one added last). */
  byId(): Map<string, V> {
    const oldestFirst = [...this.slots].sort((a, b) => a.seq - b.seq);
    return new Map(oldestFirst.map((slot) => [slot.id, slot.value]));
  }

  ids(): string[] {
    return this.slots.map((slot) => slot.id);
  }

  values(): V[] {
    return this.slots.map((slot) => slot.value);
  }
}
