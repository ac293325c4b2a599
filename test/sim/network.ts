/**
 * The simulated network: one FIFO queue per ordered pair of members, as one TCP connection each
 * way. Delays never reorder a queue; dropping a connection loses what it held in both directions;
 * a partition loses whatever tries to cross it. Duplicates are injected only as an explicit test
 * that the core tolerates them.
 * @module
 */
import type { ZabMessage } from '../../lib/zab/index.js'

interface InFlight {
  readonly at: number
  readonly message: ZabMessage
}

/** A message due for delivery. */
export interface Delivery {
  readonly from: number
  readonly to: number
  readonly message: ZabMessage
}

export class SimNetwork {
  readonly #queues = new Map<string, { from: number; to: number; items: InFlight[] }>()
  readonly #cut = new Set<string>()
  // Ends whose socket died and which have not been told yet: their writes vanish, as on a dead
  // TCP socket, so a session can never continue over a later connection.
  readonly #deadEnds = new Set<string>()

  send(from: number, to: number, message: ZabMessage, at: number): void {
    if (this.#cut.has(key(from, to)) || this.#deadEnds.has(key(from, to))) return
    const queue = this.#queue(from, to)
    // FIFO: a message never overtakes an earlier one on the same connection.
    const last = queue.items.at(-1)?.at ?? 0
    queue.items.push({ at: Math.max(at, last), message })
  }

  /** Messages due at `now`, at most one per connection per call, in queue order per connection. */
  due(now: number): Delivery[] {
    const out: Delivery[] = []
    for (const queue of this.#queues.values()) {
      const head = queue.items[0]
      if (head !== undefined && head.at <= now) out.push({ from: queue.from, to: queue.to, message: head.message })
    }
    return out
  }

  /** Removes the head of the from→to connection after delivering it. */
  shift(from: number, to: number): void {
    this.#queues.get(key(from, to))?.items.shift()
  }

  /**
   * The connection between `a` and `b` breaks: in-flight messages both ways are lost, and each
   * end's writes are lost until that end is told with {@link noticed}.
   */
  dropConnection(a: number, b: number): void {
    this.#queues.get(key(a, b))?.items.splice(0)
    this.#queues.get(key(b, a))?.items.splice(0)
    this.#deadEnds.add(key(a, b))
    this.#deadEnds.add(key(b, a))
  }

  /** Whether `member`'s end of its connection to `peer` is dead and not yet noticed. */
  isDead(member: number, peer: number): boolean {
    return this.#deadEnds.has(key(member, peer))
  }

  /** `member` learned its connection to `peer` died; its next writes open a new connection. */
  noticed(member: number, peer: number): void {
    this.#deadEnds.delete(key(member, peer))
  }

  /** A crashed process's sockets are gone; the restarted one opens new connections. */
  restarted(member: number, members: readonly number[]): void {
    for (const other of members) this.noticed(member, other)
  }

  /** Cuts every link between the two sides; connections across are dropped. */
  partition(sideA: readonly number[], sideB: readonly number[]): void {
    for (const a of sideA) {
      for (const b of sideB) {
        this.#cut.add(key(a, b))
        this.#cut.add(key(b, a))
        this.dropConnection(a, b)
      }
    }
  }

  heal(): void {
    this.#cut.clear()
  }

  isCut(a: number, b: number): boolean {
    return this.#cut.has(key(a, b))
  }

  inFlight(): number {
    let count = 0
    for (const queue of this.#queues.values()) count += queue.items.length
    return count
  }

  #queue(from: number, to: number) {
    const k = key(from, to)
    let queue = this.#queues.get(k)
    if (queue === undefined) {
      queue = { from, to, items: [] }
      this.#queues.set(k, queue)
    }
    return queue
  }
}

function key(from: number, to: number): string {
  return `${from}>${to}`
}
