/**
 * The simulated network between members, behind the production `PeerHub` interface: messages are
 * encoded and decoded with the production peer codec (as the TCP transport frames them), each
 * connection is FIFO with a seeded latency, connections are independent (so messages reorder
 * across them), and a connection can break (partition, a seeded drop, a crash), losing what it
 * carried and telling both ends, as a TCP reset would. Partitions may be one-way.
 *
 * Two behaviours of the production TCP transport and of ZooKeeper's are kept: the newest election
 * message for a member that cannot be reached is parked and sent once it can be (ZooKeeper's
 * QuorumCnxManager keeps a send queue of one per member), and — as QuorumCnxManager resends the
 * last message of a connection that broke — the first election message on a new connection may be
 * preceded by a duplicate of the last one the broken connection delivered. Faults a test adds on
 * top: extra latency and message loss between two members (loss breaks the connection, since TCP
 * loses nothing without breaking it).
 * @module
 */
import type { Clock, Timer } from '../../clock.js'
import type { PeerChannel, PeerHandler, PeerHub, PeerTransport } from '../../peer/transport.js'
import { decodeValue, encodeValue } from '../../txn/codec.js'
import type { Prng } from './prng.js'

/** One direction of one connection: what is in flight on it. */
interface Link {
  lastAt: number
  readonly timers: Set<Timer>
  /** The bytes of the last message this connection delivered. */
  lastDelivered?: Uint8Array
}

/** Faults a test put on the messages from one member to another. */
interface PairFault {
  /** Extra latency, ms. */
  delayMs: number
  /** Probability that a message is lost, breaking the connection. */
  dropRate: number
}

/** How often a new election connection first redelivers the last message of the broken one. */
const duplicateRate = 0.25

/** The network: who is up, who reaches whom, and every connection's state. */
export class SimNetwork implements PeerHub {
  private readonly transports = new Map<number, SimTransport>()
  /** Directed pairs that cannot talk: `a>b` blocks messages from a to b. */
  private readonly blocked = new Set<string>()
  /** Messages delivered and lost, for reports. */
  readonly stats = { delivered: 0, lost: 0, breaks: 0, duplicated: 0, parked: 0 }
  /** Extra latency and loss by directed pair `a>b`. */
  private readonly faults = new Map<string, PairFault>()
  /** The newest election message each member could not deliver, by directed pair `a>b`. */
  private readonly parked = new Map<string, unknown>()
  /** The last message delivered by the newest connection that broke, by `a>b/channel`. */
  readonly lastOfBroken = new Map<string, Uint8Array>()
  /** How each member's process runs what arrives for it (deferred while it is paused). */
  readonly runners = new Map<number, (work: () => void) => void>()
  /** Errors a handler threw, which a production transport would escalate: each fails the run. */
  readonly errors: string[] = []

  constructor(
    readonly clock: Clock,
    readonly prng: Prng,
    readonly latencyMs: { min: number; max: number } = { min: 1, max: 10 },
    readonly log: (line: string) => void = () => {},
  ) {}

  join(id: number, handler: PeerHandler): PeerTransport {
    this.transports.get(id)?.die()
    // A new process remembers nothing its earlier incarnation meant to send.
    for (const map of [this.parked, this.lastOfBroken]) {
      for (const key of [...map.keys()]) if (key.startsWith(`${id}>`)) map.delete(key)
    }
    const transport = new SimTransport(this, id, handler)
    this.transports.set(id, transport)
    this.flushParked()
    return transport
  }

  /** The live transport of member `id`. */
  member(id: number): SimTransport | undefined {
    const t = this.transports.get(id)
    return t === undefined || t.closed ? undefined : t
  }

  /** Whether a message from `a` can reach `b` now. */
  reaches(a: number, b: number): boolean {
    return this.member(a) !== undefined && this.member(b) !== undefined && !this.blocked.has(`${a}>${b}`)
  }

  /** Only members of the same group reach each other; connections across groups break. */
  partition(groups: readonly (readonly number[])[]): void {
    this.blocked.clear()
    const ids = [...this.transports.keys()]
    for (const a of ids) {
      for (const b of ids) {
        if (a !== b && !groups.some((g) => g.includes(a) && g.includes(b))) this.blocked.add(`${a}>${b}`)
      }
    }
    this.breakBlocked()
  }

  /** Messages from `from` to `to` are lost (one way); the connection between them breaks. */
  blockOneWay(from: number, to: number): void {
    this.blocked.add(`${from}>${to}`)
    this.breakBlocked()
  }

  /** Every member reaches every other again; parked election messages go out. */
  heal(): void {
    this.blocked.clear()
    this.flushParked()
  }

  /** Messages from `from` to `to` are lost again: the one-way block is lifted. */
  unblockOneWay(from: number, to: number): void {
    this.blocked.delete(`${from}>${to}`)
    this.flushParked()
  }

  /** Adds `ms` of latency to every message from `from` to `to` (0 removes it). */
  delay(from: number, to: number, ms: number): void {
    this.fault(from, to).delayMs = ms
  }

  /**
   * Loses each message from `from` to `to` with probability `rate` (0 stops it). TCP loses nothing
   * without breaking the connection, so a loss breaks it, as a reset would.
   */
  drop(from: number, to: number, rate: number): void {
    this.fault(from, to).dropRate = rate
  }

  /** Removes every delay and loss a test added. */
  clearFaults(): void {
    this.faults.clear()
  }

  private fault(from: number, to: number): PairFault {
    const key = `${from}>${to}`
    let fault = this.faults.get(key)
    if (fault === undefined) this.faults.set(key, (fault = { delayMs: 0, dropRate: 0 }))
    return fault
  }

  /** The faults on messages from `from` to `to`, if a test added any. */
  faultOf(from: number, to: number): PairFault | undefined {
    return this.faults.get(`${from}>${to}`)
  }

  /** Keeps the newest election message `from` could not send to `to`, for when it can. */
  park(from: number, to: number, message: unknown): void {
    this.parked.set(`${from}>${to}`, message)
    this.stats.parked++
  }

  private flushParked(): void {
    for (const [key, message] of [...this.parked]) {
      const [from, to] = key.split('>').map(Number) as [number, number]
      if (!this.reaches(from, to)) continue
      this.parked.delete(key)
      this.member(from)?.send(to, 'election', message)
    }
  }

  /** Breaks the connection between `a` and `b` on `channel` (both directions), as a reset. */
  breakConnection(a: number, b: number, channel: PeerChannel): void {
    const ta = this.transports.get(a)
    const tb = this.transports.get(b)
    const had = (ta?.drop(b, channel) ?? false) || (tb?.drop(a, channel) ?? false)
    if (!had) return
    this.stats.breaks++
    this.log(`net: ${a}<->${b} ${channel} connection broken`)
    ta?.tell(b, channel)
    tb?.tell(a, channel)
  }

  private breakBlocked(): void {
    for (const key of this.blocked) {
      const [a, b] = key.split('>').map(Number) as [number, number]
      for (const channel of ['election', 'quorum'] as const) this.breakConnection(a, b, channel)
    }
  }

  /** A connection's latency for the next message, ms. */
  latency(): number {
    return this.prng.int(this.latencyMs.min, this.latencyMs.max)
  }
}

/** One member's end of the simulated network. */
export class SimTransport implements PeerTransport {
  closed = false
  /** Outgoing links by `peer/channel`; a link exists from the first message until it breaks. */
  private readonly links = new Map<string, Link>()
  /** Incoming connections seen, by `peer/channel`. */
  private readonly incoming = new Set<string>()

  constructor(
    private readonly net: SimNetwork,
    readonly id: number,
    private readonly handler: PeerHandler,
  ) {}

  send(to: number, channel: PeerChannel, message: unknown): void {
    if (this.closed) return
    if (!this.net.reaches(this.id, to)) {
      if (channel === 'election') this.net.park(this.id, to, message)
      this.net.stats.lost++
      return
    }
    const fault = this.net.faultOf(this.id, to)
    if (fault !== undefined && fault.dropRate > 0 && this.net.prng.chance(fault.dropRate)) {
      this.net.stats.lost++
      this.net.breakConnection(this.id, to, channel)
      return
    }
    const key = `${to}/${channel}`
    let link = this.links.get(key)
    if (link === undefined) {
      link = { lastAt: 0, timers: new Set() }
      this.links.set(key, link)
      // ZooKeeper resends the last message of a broken election connection on the new one.
      const previous = this.net.lastOfBroken.get(`${this.id}>${key}`)
      this.net.lastOfBroken.delete(`${this.id}>${key}`)
      if (channel === 'election' && previous !== undefined && this.net.prng.chance(duplicateRate)) {
        this.net.stats.duplicated++
        this.transmit(to, channel, key, link, previous)
      }
    }
    // The production codec: what arrives is what the TCP transport would decode.
    this.transmit(to, channel, key, link, encodeValue(message), fault?.delayMs ?? 0)
  }

  /** Puts `bytes` on `link`, delivered in order after a seeded latency (plus `extraMs`). */
  private transmit(to: number, channel: PeerChannel, key: string, link: Link, bytes: Uint8Array, extraMs = 0): void {
    const now = this.net.clock.now()
    const at = Math.max(link.lastAt, now + this.net.latency() + extraMs)
    link.lastAt = at
    const current = link
    const timer: Timer = this.net.clock.setTimer(at - now, () => {
      current.timers.delete(timer)
      const target = this.net.member(to)
      if (target === undefined || !this.net.reaches(this.id, to) || this.links.get(key) !== current) {
        this.net.stats.lost++
        return
      }
      // A paused process reads its socket only when it resumes; the connection may break meanwhile.
      const run = this.net.runners.get(to) ?? ((work: () => void) => work())
      run(() => {
        if (this.net.member(to) !== target || this.links.get(key) !== current) {
          this.net.stats.lost++
          return
        }
        this.net.stats.delivered++
        current.lastDelivered = bytes
        target.deliver(this.id, channel, decodeValue(bytes))
      })
    })
    link.timers.add(timer)
  }

  connected(peer: number, channel: PeerChannel): boolean {
    const key = `${peer}/${channel}`
    return (this.links.has(key) || this.incoming.has(key)) && this.net.reaches(this.id, peer)
  }

  /** A message from `from`: the handler's throw breaks that connection, as a closed socket. */
  deliver(from: number, channel: PeerChannel, message: unknown): void {
    this.incoming.add(`${from}/${channel}`)
    try {
      this.handler.message(from, channel, message)
    } catch (error) {
      // A refused message is a peer breaking the protocol: among honest members, a bug.
      this.net.log(`net: member ${this.id} refused a message from ${from}: ${String(error)}`)
      this.net.errors.push(`member ${this.id} refused a message from ${from}: ${String(error)}`)
      this.net.breakConnection(this.id, from, channel)
    }
  }

  /** Forgets the connection to `peer` on `channel`, losing what it carried; true if there was one. */
  drop(peer: number, channel: PeerChannel): boolean {
    const key = `${peer}/${channel}`
    const link = this.links.get(key)
    if (link !== undefined) {
      for (const timer of link.timers) timer.cancel()
      this.net.stats.lost += link.timers.size
      this.links.delete(key)
      if (link.lastDelivered !== undefined) this.net.lastOfBroken.set(`${this.id}>${key}`, link.lastDelivered)
    }
    const had = this.incoming.delete(key)
    return link !== undefined || had
  }

  /** Tells this member the connection to `peer` broke. */
  tell(peer: number, channel: PeerChannel): void {
    if (this.closed) return
    try {
      this.handler.disconnected(peer, channel)
    } catch (error) {
      // The production transports escalate an invariant broken here; the simulation reports it.
      this.net.log(`net: member ${this.id} threw on a broken connection: ${String(error)}`)
      this.net.errors.push(`member ${this.id}: ${String(error)}`)
    }
  }

  /** The process died: its connections break at the other ends. */
  die(): void {
    if (this.closed) return
    this.closed = true
    for (const key of [...this.links.keys(), ...this.incoming]) {
      const [peer, channel] = key.split('/') as [string, PeerChannel]
      const other = this.net.member(Number(peer))
      this.drop(Number(peer), channel)
      if (other !== undefined && other.drop(this.id, channel)) other.tell(this.id, channel)
    }
  }

  async close(): Promise<void> {
    this.die()
  }
}
