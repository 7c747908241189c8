/**
 * Gathers the calls made during one turn of the event loop and runs them as one batch (one statement, one
 * round trip) at the end of the turn (setImmediate). Under load many requests finish in the same turn (one
 * read from each pooled connection); alone, a call waits for nothing but the end of its turn.
 *
 * `run` gets the items in call order and answers one result per item, in the same order; it must write all
 * or nothing (one statement). When a batch of several fails with an error `retryAlone` accepts (an error
 * one item can cause, such as a foreign-key violation for an account erased meanwhile; by default none),
 * its items are run again alone, one after another, so the bad item fails only its own call. Any other
 * failure (PostgreSQL out of reach, a statement timeout) fails the whole batch at once: retrying item by
 * item would only multiply the load when the database is already struggling. At most `maxBatch` items go
 * into one run; the rest start the next batch at once.
 */
export class TurnBatcher<In, Out> {
  private pending: { item: In; resolve: (out: Out) => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;

  constructor(
    private readonly run: (items: In[]) => Promise<Out[]>,
    private readonly options: { maxBatch?: number; retryAlone?: (error: unknown) => boolean } = {},
  ) {}

  add(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.options.maxBatch ?? 500);
      void this.execute(batch);
    }
  }

  private async execute(batch: TurnBatcher<In, Out>['pending']): Promise<void> {
    try {
      const outs = await this.run(batch.map((b) => b.item));
      if (outs.length !== batch.length) throw new Error(`batch answered ${outs.length} results for ${batch.length} items`);
      batch.forEach((b, i) => b.resolve(outs[i]!));
    } catch (error) {
      if (batch.length > 1 && this.options.retryAlone?.(error)) {
        for (const b of batch) await this.execute([b]);
      } else {
        for (const b of batch) b.reject(error);
      }
    }
  }
}
