/**
 * A loopback TCP proxy that a test can make slow, lossy, cut or frozen: the faults of the testing
 * kit for members that talk over real sockets. Each accepted connection is relayed to one target
 * port. Bytes from the connecting side to the target go "forward", the answers "back", and each
 * direction takes its own faults, so a one-way partition drops one direction only.
 *
 * As on a real network, a lost chunk breaks the connection (TCP loses nothing without breaking),
 * and a frozen link holds bytes until it thaws (a paused process reads nothing, but the kernel
 * keeps what arrives).
 * @module
 */
import { connect, createServer, type Server, type Socket } from 'node:net'
import type { Prng } from './sim/prng.js'

/** Faults on one direction of a link. */
export interface DirectionFaults {
  /** Every chunk waits this long, ms (order is kept). */
  delayMs: number
  /** Probability that a chunk is lost, breaking the connection. */
  dropRate: number
  /** Nothing passes; connections break, and new ones are refused. */
  blocked: boolean
}

const noFaults = (): DirectionFaults => ({ delayMs: 0, dropRate: 0, blocked: false })

/** One relayed connection and its two sockets. */
interface Relay {
  readonly near: Socket
  readonly far: Socket
  /** Chunks held while the link is frozen, per direction. */
  readonly held: { forward: Buffer[]; back: Buffer[] }
  /** When the last chunk of each direction is due out, so a delay keeps the order. */
  readonly lastAt: { forward: number; back: number }
}

/** A proxy from a loopback port of its own to {@link FaultyLink.targetPort}. */
export class FaultyLink {
  readonly forward = noFaults()
  readonly back = noFaults()
  private readonly relays = new Set<Relay>()
  private frozen = false
  private closed = false
  /** The port the proxy listens on (127.0.0.1). */
  port = 0
  /** The loopback port it relays to; set it before the first connection arrives. */
  targetPort = 0

  private constructor(
    private readonly server: Server,
    private readonly prng: Prng,
  ) {}

  /**
   * Starts a proxy on a free loopback port. Set {@link FaultyLink.targetPort} before anything
   * connects: listening first keeps the proxies' ports out of the way of the targets' own.
   */
  static async start(prng: Prng): Promise<FaultyLink> {
    let link: FaultyLink | undefined
    const server = createServer((socket) => link?.accept(socket))
    link = new FaultyLink(server, prng)
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    server.unref()
    const address = server.address()
    link.port = typeof address === 'object' && address !== null ? address.port : 0
    return link
  }

  private accept(near: Socket): void {
    if (this.closed || this.targetPort === 0 || this.forward.blocked || this.back.blocked) return void near.destroy()
    const far = connect({ host: '127.0.0.1', port: this.targetPort })
    const relay: Relay = { near, far, held: { forward: [], back: [] }, lastAt: { forward: 0, back: 0 } }
    this.relays.add(relay)
    const end = (): void => this.cut(relay)
    near.on('data', (chunk: Buffer) => this.pass(relay, 'forward', chunk)).on('error', end).on('close', end)
    far.on('data', (chunk: Buffer) => this.pass(relay, 'back', chunk)).on('error', end).on('close', end)
  }

  private pass(relay: Relay, direction: 'forward' | 'back', chunk: Buffer): void {
    const faults = this[direction]
    if (faults.blocked || (faults.dropRate > 0 && this.prng.chance(faults.dropRate))) return this.cut(relay)
    if (this.frozen) return void relay.held[direction].push(chunk)
    const out = direction === 'forward' ? relay.far : relay.near
    if (faults.delayMs <= 0 && relay.lastAt[direction] <= Date.now()) return void out.write(chunk)
    const at = Math.max(relay.lastAt[direction], Date.now() + faults.delayMs)
    relay.lastAt[direction] = at
    setTimeout(() => {
      if (this.relays.has(relay)) out.write(chunk)
    }, at - Date.now()).unref()
  }

  private cut(relay: Relay): void {
    if (!this.relays.delete(relay)) return
    relay.near.destroy()
    relay.far.destroy()
  }

  /** Breaks every connection through the link at once (both ends see it close). */
  cutAll(): void {
    for (const relay of [...this.relays]) this.cut(relay)
  }

  /** Applies `faults` to one direction; a block breaks the connections at once. */
  set(direction: 'forward' | 'back', faults: Partial<DirectionFaults>): void {
    Object.assign(this[direction], faults)
    if (this[direction].blocked) this.cutAll()
  }

  /** Holds every byte either way until {@link FaultyLink.thaw}. */
  freeze(): void {
    this.frozen = true
  }

  /** Lets the held bytes through, in order, and relays again. */
  thaw(): void {
    this.frozen = false
    for (const relay of this.relays) {
      for (const chunk of relay.held.forward.splice(0)) relay.far.write(chunk)
      for (const chunk of relay.held.back.splice(0)) relay.near.write(chunk)
    }
  }

  /** Removes every fault (frozen bytes are let through). */
  heal(): void {
    Object.assign(this.forward, noFaults())
    Object.assign(this.back, noFaults())
    this.thaw()
  }

  /** Stops listening and breaks every connection. */
  async close(): Promise<void> {
    this.closed = true
    this.cutAll()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}
