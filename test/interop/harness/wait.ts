/**
 * Bounded waiting: every wait in the interop suite ends, with an error that says what never came.
 * @module
 */

/** Resolves with `promise`, or rejects after `timeoutMs` naming what was awaited. */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * Polls `condition` every `intervalMs` until it returns a value other than undefined/false, for at
 * most `timeoutMs`. Only for conditions that raise no event (a JVM starting to answer `ruok`).
 */
export async function pollUntil<T>(
  condition: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs: number; intervalMs: number; what: string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const value = await condition()
      if (value !== undefined && value !== false) return value
    } catch (error) {
      lastError = error
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? `: ${lastError.message}` : ''
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}${cause}`)
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs))
  }
}

/** A promise with its resolve function, for turning one callback into an awaitable event. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/**
 * A queue of events that a test awaits one by one: `next()` resolves with the next pushed value,
 * or rejects after `timeoutMs`.
 */
export class EventQueue<T> {
  private readonly items: T[] = []
  private readonly waiters: Array<(value: T) => void> = []

  constructor(
    private readonly what: string,
    private readonly timeoutMs = 10_000,
  ) {}

  push = (value: T): void => {
    const waiter = this.waiters.shift()
    if (waiter !== undefined) waiter(value)
    else this.items.push(value)
  }

  next(): Promise<T> {
    const item = this.items.shift()
    if (item !== undefined) return Promise.resolve(item)
    let waiter!: (value: T) => void
    const wait = new Promise<T>((resolve) => {
      waiter = resolve
      this.waiters.push(resolve)
    })
    return withTimeout(wait, this.timeoutMs, this.what).catch((error: unknown) => {
      // A timed-out waiter must not swallow the next value.
      this.waiters.splice(this.waiters.indexOf(waiter), 1)
      throw error
    })
  }

  /** Values pushed and not yet taken. */
  get pending(): readonly T[] {
    return this.items
  }
}
