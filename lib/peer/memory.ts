/**
 * An in-memory transport for members in one process (tests, TestingCluster, the simulator's
 * runtime tests): FIFO per pair and channel, delivered on a later turn of the event loop, with
 * partitions that break connections the way a network would.
 * @module
 */
import { describeError } from '../errors.js'
import { escalate } from './boundary.js'
import type { PeerChannel, PeerHandler, PeerHub, PeerTransport } from './transport.js'

/** Connects in-memory transports and decides who can reach whom. */
export class MemoryHub implements PeerHub {
  private readonly members = new Map<number, MemoryTransport>()
  private groups: number[][] | undefined

  /** @param report - Where a message a handler refused, and the broken connection, are reported. @defaultValue nothing */
  constructor(private readonly report: (line: string) => void = () => undefined) {}

  /** Reports `line`; a logger that throws is ignored, as it is called from inside the boundary. */
  log(line: string): void {
    try {
      this.report(line)
    } catch {
      // Nothing to report it to.
    }
  }

  /** Creates the transport of member `id`, delivering to `handler`. */
  join(id: number, handler: PeerHandler): PeerTransport {
    const transport = new MemoryTransport(this, id, handler)
    this.members.set(id, transport)
    return transport
  }

  /** Splits the members into groups that cannot reach each other; connections across groups break. */
  partition(groups: number[][]): void {
    this.groups = groups
    for (const a of this.members.values()) {
      for (const b of this.members.values()) if (a.id !== b.id && !this.reachable(a.id, b.id)) a.breakTo(b.id)
    }
  }

  /** Removes every partition. */
  heal(): void {
    this.groups = undefined
  }

  /** Whether `a` can reach `b` now. */
  reachable(a: number, b: number): boolean {
    if (!this.members.has(b) || this.members.get(b)?.closed === true) return false
    if (this.groups === undefined) return true
    return this.groups.some((g) => g.includes(a) && g.includes(b))
  }

  /** The transport of member `id`, if it joined and is not closed. */
  member(id: number): MemoryTransport | undefined {
    return this.members.get(id)
  }

  /** Forgets a closed member and breaks connections to it. */
  leave(id: number): void {
    for (const other of this.members.values()) if (other.id !== id) other.breakTo(id)
    this.members.delete(id)
  }
}

/** One member's end of a {@link MemoryHub}. */
export class MemoryTransport implements PeerTransport {
  closed = false
  /** Peers with a live "connection", per channel; broken ones are told to both sides. */
  readonly live = new Set<string>()

  constructor(
    private readonly hub: MemoryHub,
    readonly id: number,
    private readonly handler: PeerHandler,
  ) {}

  send(to: number, channel: PeerChannel, message: unknown): void {
    if (this.closed || !this.hub.reachable(this.id, to)) return
    const target = this.hub.member(to)
    // The "connection" exists at both ends from the first message, as a TCP connection would.
    this.live.add(`${to}/${channel}`)
    target?.live.add(`${this.id}/${channel}`)
    // A later turn, like a socket: the sender's step finishes before the receiver's starts.
    setImmediate(() => {
      if (!this.closed && target !== undefined && !target.closed && this.hub.reachable(this.id, to)) target.deliver(this.id, channel, message)
    })
  }

  connected(peer: number, channel: PeerChannel): boolean {
    return this.live.has(`${peer}/${channel}`) && this.hub.reachable(this.id, peer)
  }

  /**
   * Hands a message to this member's handler. What the handler throws breaks the "connection" to
   * `from`, as the TCP transport closes a socket (transport.ts has the contract).
   */
  deliver(from: number, channel: PeerChannel, message: unknown): void {
    this.live.add(`${from}/${channel}`)
    try {
      this.handler.message(from, channel, message)
    } catch (error) {
      this.hub.log(`peer ${this.id}: member ${from}'s ${channel} connection: ${describeError(error)}; connection broken`)
      this.breakTo(from)
      this.escalate(error)
    }
  }

  /** The connection to `peer` broke (partition or close): tell both ends once. */
  breakTo(peer: number): void {
    const other = this.hub.member(peer)
    for (const channel of ['election', 'quorum'] as const) {
      if (this.live.delete(`${peer}/${channel}`)) this.tellDisconnected(peer, channel)
      if (other !== undefined && other.live.delete(`${this.id}/${channel}`)) other.tellDisconnected(this.id, channel)
    }
  }

  private tellDisconnected(peer: number, channel: PeerChannel): void {
    try {
      this.handler.disconnected(peer, channel)
    } catch (error) {
      this.hub.log(`peer ${this.id}: member ${peer}'s ${channel} connection closing: ${describeError(error)}`)
      this.escalate(error)
    }
  }

  private escalate(error: unknown): void {
    escalate(this.handler, error, () => void this.close(), (line) => this.hub.log(`peer ${this.id}: ${line}`))
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.hub.leave(this.id)
  }
}
