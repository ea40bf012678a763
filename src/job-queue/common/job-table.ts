/**
 * The jobs running in this process, by id: what a Map would hold, for tables that live as long as the process and
 * take in and let go of every job that runs here.
 *
 * Why not a Map: a Map's table is replaced each time it grows or shrinks, and V8 leaves in the replaced table a
 * pointer to its successor (for iterators that were walking it). A table that lived long enough to be moved to the
 * old generation keeps, once replaced and dead, every later table and every job in them alive through the next minor
 * collections, which move them to the old generation too, until a full collection: in the bench's burn-down (20,000
 * no-op jobs, two such Maps, each filled and emptied by every claimed batch) the worker then moved ~2 MB to the old
 * generation at every minor collection instead of ~0.15, and peaked at 139 MB of RSS instead of 109, with 20-25 % more
 * CPU. Which of the two a run fell into hung on as little as 2 MB more or less at boot. An object in dictionary mode
 * replaces its table without such a link.
 */
export class JobTable<V> {
  private readonly byId: Record<string, V> = Object.create(null) as Record<string, V>;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(id: string): V | undefined {
    return this.byId[id];
  }

  set(id: string, value: V): void {
    if (!(id in this.byId)) this.count++;
    this.byId[id] = value;
  }

  delete(id: string): boolean {
    if (!(id in this.byId)) return false;
    delete this.byId[id];
    this.count--;
    return true;
  }

  ids(): string[] {
    return Object.keys(this.byId);
  }

  values(): V[] {
    return Object.values(this.byId);
  }
}
