/**
 * Connect strings (`h1:2181,h2:2181/app`) and the order in which a client tries their hosts
 * (apache/zookeeper ConnectStringParser and StaticHostProvider): shuffled once, then round robin.
 * @module
 */
import { zkError } from '../errors.js'
import { connectStringHostsMax } from '../limits.js'
import { pathProblem } from '../path.js'

/** ZooKeeper's client port when a host names none. */
export const clientPortDefault = 2181

/** One server address of a connect string. */
export interface HostAddress {
  /** Host name or IP address (IPv6 without brackets). */
  host: string
  /** TCP port. */
  port: number
}

/** A parsed connect string. */
export interface ConnectString {
  /** The servers, in the order written. */
  hosts: HostAddress[]
  /** The chroot every path is relative to, or `''` for none (a chroot of `/` is none). */
  chroot: string
}

/**
 * Parses `host[:port][,host[:port]...][/chroot]`. IPv6 addresses go in brackets (`[::1]:2181`).
 * Throws BADARGUMENTS naming what is wrong.
 */
export function parseConnectString(connectString: string): ConnectString {
  if (typeof connectString !== 'string') throw new TypeError('connectString must be a string')
  const slash = connectString.indexOf('/')
  const hostPart = slash < 0 ? connectString : connectString.slice(0, slash)
  const chroot = slash < 0 ? '' : connectString.slice(slash)
  if (chroot !== '') {
    const problem = pathProblem(chroot)
    if (problem !== undefined) throw zkError('BADARGUMENTS', undefined, `Invalid chroot "${chroot}" in connect string: ${problem}`)
  }
  const hosts = hostPart
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(parseHost)
  if (hosts.length === 0) throw zkError('BADARGUMENTS', undefined, `connect string "${connectString}" names no host`)
  if (hosts.length > connectStringHostsMax) {
    throw zkError('BADARGUMENTS', undefined, `connect string names ${hosts.length} hosts, over connectStringHostsMax (${connectStringHostsMax})`)
  }
  return { hosts, chroot: chroot === '/' ? '' : chroot }
}

function parseHost(text: string): HostAddress {
  let host: string
  let portText: string | undefined
  if (text.startsWith('[')) {
    const close = text.indexOf(']')
    if (close < 0) throw zkError('BADARGUMENTS', undefined, `unclosed [ in host "${text}"`)
    host = text.slice(1, close)
    const rest = text.slice(close + 1)
    if (rest !== '' && !rest.startsWith(':')) throw zkError('BADARGUMENTS', undefined, `unexpected "${rest}" after host "${text}"`)
    portText = rest === '' ? undefined : rest.slice(1)
  } else {
    const colon = text.lastIndexOf(':')
    host = colon < 0 ? text : text.slice(0, colon)
    portText = colon < 0 ? undefined : text.slice(colon + 1)
  }
  const port = portText === undefined ? clientPortDefault : Number(portText)
  if (host === '' || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw zkError('BADARGUMENTS', undefined, `invalid host "${text}" in connect string (expected host:port)`)
  }
  return { host, port }
}

/** `host:port`, with brackets around an IPv6 address. */
export function formatHost(address: HostAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`
}

/**
 * The order of connection attempts: the hosts shuffled once (so clients spread over the
 * ensemble), then tried round robin. `next()` says when a whole round has failed, so the caller
 * can back off before the next round instead of spinning.
 */
export class HostProvider {
  private readonly hosts: HostAddress[]
  private index = -1
  private triedSinceConnected = 0

  /**
   * @param hosts - the servers.
   * @param random - a source of numbers in [0, 1) for the shuffle; pass a seeded one for tests.
   * @param shuffle - false keeps the written order.
   */
  constructor(hosts: readonly HostAddress[], random: () => number = Math.random, shuffle = true) {
    this.hosts = [...hosts]
    if (shuffle) {
      for (let i = this.hosts.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1))
        const a = this.hosts[i]!
        this.hosts[i] = this.hosts[j]!
        this.hosts[j] = a
      }
    }
  }

  /** Number of hosts. */
  get size(): number {
    return this.hosts.length
  }

  /** The hosts in the order they are tried. */
  get order(): readonly HostAddress[] {
    return this.hosts
  }

  /** The next host to try, and whether every host has been tried since the last connection. */
  next(): { address: HostAddress; roundFailed: boolean } {
    this.index = (this.index + 1) % this.hosts.length
    const roundFailed = this.triedSinceConnected >= this.hosts.length
    if (roundFailed) this.triedSinceConnected = 0
    this.triedSinceConnected++
    return { address: this.hosts[this.index]!, roundFailed }
  }

  /** A connection succeeded: the next failure starts a fresh round. */
  connected(): void {
    this.triedSinceConnected = 0
  }
}
