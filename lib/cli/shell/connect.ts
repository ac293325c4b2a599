/**
 * Opening the shell's session with bounded attempts, and saying why it failed: nothing listening
 * (ECONNREFUSED), an unknown host, or a server that is up but not serving (no quorum), instead of
 * retrying silently as zkCli.sh does.
 * @module
 */
import { connect as netConnect } from 'node:net'
import { connect, parseConnectString, ZooKeeperError, type HostAddress, type WatchCallback, type ZooKeeperClient } from '../../index.js'
import { shellFourLetterWordCharsMax, shellProbeTimeoutMsMax } from '../../limits.js'

/** What ZooKeeper (and Paddock) answer `srvr` with while they have no quorum. */
const notServingText = 'not currently serving requests'

/** What a TCP probe of one host found. */
export type ProbeResult = 'listening' | 'refused' | 'unknownHost' | 'unreachable'

/** Tries a TCP connection to `address` and closes it at once. */
export function probe(address: HostAddress, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: address.host, port: address.port })
    const done = (result: ProbeResult): void => {
      clearTimeout(timer)
      socket.destroy()
      resolve(result)
    }
    const timer = setTimeout(() => done('unreachable'), timeoutMs)
    socket.once('connect', () => done('listening'))
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') return done('refused')
      if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') return done('unknownHost')
      done('unreachable')
    })
  })
}

/** Sends a four-letter word and resolves with the answer, or undefined when none came in time. */
export function fourLetterWord(address: HostAddress, word: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: address.host, port: address.port })
    let text = ''
    const done = (answer: string | undefined): void => {
      clearTimeout(timer)
      socket.destroy()
      resolve(answer)
    }
    const timer = setTimeout(() => done(undefined), timeoutMs)
    socket.once('connect', () => socket.write(word))
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8')
      if (text.length > shellFourLetterWordCharsMax) done(text)
    })
    socket.once('end', () => done(text))
    socket.once('error', () => done(undefined))
  })
}

function formatAddress(address: HostAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`
}

/** The troubleshooting advice for hosts where nothing listens. */
export function refusedMessage(hosts: readonly string[]): string {
  return (
    `Unable to connect to ${hosts.join(',')}: connection refused (ECONNREFUSED), nothing is listening there.\n` +
    'Is the server running? Try `paddock server status`, and check that -server names the clientPort of zoo.cfg.'
  )
}

/** The advice for a server that is up but does not grant sessions. */
export function notServingMessage(hosts: readonly string[]): string {
  return (
    `${hosts.join(',')} is running but refused the session: it is not serving requests (no quorum, no leader elected).\n` +
    'Check that a majority of the ensemble is up and can reach each other on the quorum and election ports,\n' +
    'and that each server\'s myid matches its server.N line in zoo.cfg; `paddock server status` on each host shows its Mode.'
  )
}

/** Options of {@link openSession}. */
export interface OpenSessionOptions {
  /** Requested session timeout; also bounds how long connecting may take, ms. */
  sessionTimeoutMs: number
  /** Called for every session state change, with the event zkCli's default watcher prints. */
  onEvent: WatchCallback
}

/** The session, or why there is none. */
export type OpenSessionResult = { client: ZooKeeperClient } | { error: string }

/**
 * Opens a session within the session timeout. Hosts are probed first, so a server that is not
 * running is reported at once; when the session still fails, the last connection problem and a
 * `srvr` four-letter word tell a stopped server from one without a quorum.
 */
export async function openSession(connectString: string, options: OpenSessionOptions): Promise<OpenSessionResult> {
  let hosts: HostAddress[]
  try {
    hosts = parseConnectString(connectString).hosts
  } catch (error) {
    return { error: (error as Error).message }
  }
  const names = hosts.map(formatAddress)
  const probeMs = Math.min(shellProbeTimeoutMsMax, options.sessionTimeoutMs)
  const probes = await Promise.all(hosts.map((h) => probe(h, probeMs)))
  if (probes.every((p) => p === 'unknownHost')) return { error: `Unable to connect to ${names.join(',')}: unknown host (check the host names in -server)` }
  if (probes.every((p) => p === 'refused' || p === 'unknownHost')) return { error: refusedMessage(names) }
  const problems: string[] = []
  const logger = { info: () => {}, warn: (message: string) => void problems.push(message) }
  try {
    const client = await connect(connectString, { sessionTimeoutMs: options.sessionTimeoutMs, initialConnectTimeoutMs: options.sessionTimeoutMs, logger })
    client.onStateChange((event) => options.onEvent(event))
    return { client }
  } catch (error) {
    return { error: await diagnose(error, hosts, names, problems, probeMs) }
  }
}

async function diagnose(error: unknown, hosts: readonly HostAddress[], names: readonly string[], problems: readonly string[], probeMs: number): Promise<string> {
  const answers = await Promise.all(hosts.map((h) => fourLetterWord(h, 'srvr', probeMs)))
  const refusedSession = error instanceof ZooKeeperError && error.code === 'SESSIONEXPIRED'
  if (answers.some((a) => a?.includes(notServingText)) || refusedSession) return notServingMessage(names)
  const last = problems.at(-1)
  if (last !== undefined && /closed the connection/.test(last)) return notServingMessage(names)
  if (last !== undefined && /ECONNREFUSED/.test(last)) return refusedMessage(names)
  const reason = error instanceof Error ? error.message : String(error)
  return `Unable to connect to ${names.join(',')}: ${reason}${last === undefined ? '' : ` (last problem: ${last})`}`
}
