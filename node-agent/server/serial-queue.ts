/**
 * One lock for the pool's state: the runtime serializes calls per container only, so ADDs,
 * DELs and GCs of different pods arrive together and must not interleave their pool changes.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
