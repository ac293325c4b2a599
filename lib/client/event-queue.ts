/**
 * A bounded queue that turns pushed events into an async iterator: the plumbing under
 * `zk.watch()` and `zk.sessionEvents()`. Pull-based consumers that fall behind get an error
 * rather than unbounded memory use.
 * @module
 */

/** An async iterator fed by `push`, ended by `end` or `fail`, cancelled by `return()` or a signal. */
export class EventQueue<T> implements AsyncIterableIterator<T> {
  private readonly buffered: T[] = []
  private waiter: { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void } | undefined
  private finished = false
  private failure: unknown = undefined
  private readonly onEnd: (() => void) | undefined

  /**
   * @param eventsBufferedMax - unread events allowed before the iterator fails with `overflow()`.
   * @param overflow - the error to fail with when the buffer overflows.
   * @param onEnd - called once when the iterator ends for any reason (to unsubscribe).
   */
  constructor(
    private readonly eventsBufferedMax: number,
    private readonly overflow: () => Error,
    onEnd?: () => void,
  ) {
    this.onEnd = onEnd
  }

  /** True once the queue has ended (no more events will be delivered). */
  get done(): boolean {
    return this.finished
  }

  /** Delivers one event (dropped after the end). */
  push(event: T): void {
    if (this.finished) return
    const waiter = this.waiter
    if (waiter !== undefined) {
      this.waiter = undefined
      waiter.resolve({ value: event, done: false })
      return
    }
    if (this.buffered.length >= this.eventsBufferedMax) return this.fail(this.overflow())
    this.buffered.push(event)
  }

  /** Ends the iteration after the buffered events. */
  end(): void {
    if (this.finished) return
    this.finished = true
    this.waiter?.resolve({ value: undefined, done: true })
    this.waiter = undefined
    this.onEnd?.()
  }

  /** Fails the iteration: buffered events are still read, then `next()` rejects with `error`. */
  fail(error: unknown): void {
    if (this.finished) return
    this.failure = error
    this.finished = true
    this.waiter?.reject(error)
    this.waiter = undefined
    this.onEnd?.()
  }

  /** The next event. */
  next(): Promise<IteratorResult<T>> {
    const event = this.buffered.shift()
    if (event !== undefined) return Promise.resolve({ value: event, done: false })
    if (this.finished) {
      const failure = this.failure
      this.failure = undefined
      return failure === undefined ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(failure)
    }
    if (this.waiter !== undefined) return Promise.reject(new TypeError('next() called again before the previous call settled'))
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject }
    })
  }

  /** Stops the iteration (what `break` in a `for await` loop calls). */
  return(): Promise<IteratorResult<T>> {
    this.buffered.length = 0
    this.failure = undefined
    this.end()
    return Promise.resolve({ value: undefined, done: true })
  }

  /** This queue is its own iterator. */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this
  }
}
