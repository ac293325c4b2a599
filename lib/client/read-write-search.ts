/**
 * The search for a read-write server while a client is connected to a read-only one (ZooKeeper's
 * ClientCnxn.SendThread `pingRwServer`): every `pingRwTimeout` it asks the next server of the
 * connect string `isro` on a separate short-lived connection, doubling the wait from 100 ms up to
 * 60 s; the first server that answers `rw` is handed over, and the client reconnects there.
 *
 * Bounded and timer-safe: one probe at a time, each with a deadline and a cap on the bytes read;
 * the timers are the client's clock's (unref'd in real time); `stop()` ends the search and
 * destroys a probe in flight.
 * @module
 */
import type { Socket } from 'node:net'
import type { Clock, Timer } from '../clock.js'
import { isroAnswerBytesMax, isroProbeTimeoutMs, pingRwTimeoutMsMax, pingRwTimeoutMsMin } from '../limits.js'
import { formatHost, type HostAddress } from './connect-string.js'
import type { ClientLogger } from './events.js'

/** The wait before the look after one that waited `previousMs` (ClientCnxn: doubled, at most maxPingRwTimeout). */
export function nextPingRwTimeoutMs(previousMs: number): number {
  return Math.min(previousMs * 2, pingRwTimeoutMsMax)
}

/** What one `isro` probe learned: the server's answer, or nothing (refused, silent, garbled). */
export type IsroAnswer = 'rw' | 'ro' | undefined

/** Asks `address` `isro` over its own connection; never rejects. */
export type IsroProbe = (address: HostAddress) => Promise<IsroAnswer>

/** Settings of a {@link ReadWriteSearch}. */
export interface ReadWriteSearchOptions {
  /** The connect string's servers, in the order the client tries them. */
  hosts: readonly HostAddress[]
  clock: Clock
  logger: ClientLogger
  /** How a server is asked; {@link probeIsro} over TCP unless a test passes another. */
  probe: IsroProbe
  /** A read-write server was found: the client reconnects to it. Called at most once per start. */
  found: (address: HostAddress) => void
}

/** One search, restarted each time the client connects to a read-only server. */
export class ReadWriteSearch {
  private timer: Timer | undefined
  private waitMs = pingRwTimeoutMsMin
  private next = 0
  private generation = 0
  private skip = ''

  constructor(private readonly options: ReadWriteSearchOptions) {}

  /** Starts looking (again), leaving out `current`, the read-only server the client is on. */
  start(current: string): void {
    this.stop()
    this.skip = current
    this.schedule()
  }

  /** Stops looking; a probe in flight is dropped and its answer ignored. */
  stop(): void {
    this.generation++
    this.timer?.cancel()
    this.timer = undefined
  }

  private schedule(): void {
    const generation = this.generation
    this.timer = this.options.clock.setTimer(this.waitMs, () => {
      this.timer = undefined
      this.waitMs = nextPingRwTimeoutMs(this.waitMs)
      void this.look(generation)
    })
  }

  private async look(generation: number): Promise<void> {
    const address = this.pick()
    if (address === undefined) return
    const answer = await this.options.probe(address)
    if (generation !== this.generation) return
    if (answer !== 'rw') return this.schedule()
    // ClientCnxn: the wait starts over from minPingRwTimeout once a read-write server is found.
    this.waitMs = pingRwTimeoutMsMin
    this.options.logger.info(`found a read-write server: ${formatHost(address)}`)
    this.options.found(address)
  }

  // The next server in turn other than the one the client is on; undefined when it is the only one.
  private pick(): HostAddress | undefined {
    const hosts = this.options.hosts
    for (let tried = 0; tried < hosts.length; tried++) {
      const address = hosts[this.next % hosts.length] as HostAddress
      this.next = (this.next + 1) % hosts.length
      if (formatHost(address) !== this.skip) return address
    }
    return undefined
  }
}

/**
 * Asks a server `isro` over the connection `open` makes (plain or TLS, as the client's own), and
 * reads its answer until it closes: `'rw'`, `'ro'`, or undefined when the connection fails, the
 * answer is something else, or nothing arrives within 1 s. `ready` is the event after which the
 * word may be sent (`connect`, or `secureConnect` over TLS).
 */
export function probeIsro(open: () => Socket, ready: 'connect' | 'secureConnect'): Promise<IsroAnswer> {
  return new Promise((resolve) => {
    let text = ''
    let settled = false
    const socket = open()
    const settle = (answer: IsroAnswer) => {
      if (settled) return
      settled = true
      clearTimeout(deadline)
      socket.destroy()
      resolve(answer)
    }
    const deadline = setTimeout(() => settle(undefined), isroProbeTimeoutMs)
    deadline.unref()
    socket.unref()
    socket.on(ready, () => socket.end('isro'))
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1')
      if (text.length > isroAnswerBytesMax) settle(undefined)
    })
    socket.on('error', () => settle(undefined))
    socket.on('close', () => {
      const answer = text.trim()
      settle(answer === 'rw' || answer === 'ro' ? answer : undefined)
    })
  })
}
