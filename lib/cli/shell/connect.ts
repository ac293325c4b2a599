/**
 * Opening the shell's session with bounded attempts, and saying why it failed: nothing listening
 * (ECONNREFUSED), an unknown host, or a server that is up but not serving (no quorum), instead of
 * retrying silently as zkCli.sh does.
 * @module
 */
import { connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { tlsConnectOptions } from '../../client/tcp-connection.js'
import { connect, parseConnectString, ZooKeeperError, type HostAddress, type TcpTlsOptions, type WatchCallback, type ZooKeeperClient } from '../../index.js'
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

function open(address: HostAddress, tls: TcpTlsOptions | undefined): { socket: Socket; ready: string } {
  if (tls === undefined) return { socket: netConnect({ host: address.host, port: address.port }), ready: 'connect' }
  return { socket: tlsConnect(tlsConnectOptions(address, tls)), ready: 'secureConnect' }
}

/** Sends a four-letter word (over TLS with `tls`) and resolves with the answer, or undefined when none came in time. */
export function fourLetterWord(address: HostAddress, word: string, timeoutMs: number, tls?: TcpTlsOptions): Promise<string | undefined> {
  return new Promise((resolve) => {
    const { socket, ready } = open(address, tls)
    let text = ''
    const done = (answer: string | undefined): void => {
      clearTimeout(timer)
      socket.destroy()
      resolve(answer)
    }
    const timer = setTimeout(() => done(undefined), timeoutMs)
    socket.once(ready, () => socket.write(word))
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8')
      if (text.length > shellFourLetterWordCharsMax) done(text)
    })
    socket.once('end', () => done(text))
    socket.once('error', () => done(undefined))
  })
}

/**
 * Whether a TLS session with `address` works: the handshake, then a `ruok` the server answers (or
 * refuses by its whitelist) and closes. A TLSv1.3 server that refuses the client's certificate
 * says so only after the handshake, which the `ruok` waits for. Resolves undefined when it works,
 * else why not.
 */
export function tlsProbe(address: HostAddress, tls: TcpTlsOptions, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = tlsConnect(tlsConnectOptions(address, tls))
    const done = (problem: string | undefined): void => {
      clearTimeout(timer)
      socket.destroy()
      resolve(problem)
    }
    const timer = setTimeout(() => done(`no TLS answer from ${formatAddress(address)} within ${timeoutMs} ms`), timeoutMs)
    socket.once('secureConnect', () => socket.write('ruok'))
    socket.once('data', () => done(undefined))
    socket.once('end', () => done(undefined))
    socket.once('error', (error: NodeJS.ErrnoException) => done(tlsAdvice(address, error)))
  })
}

/**
 * Whether the server at `address` answers a TLS handshake (a secureClientPort), checked with no
 * certificate and no verification: a plain-text shell says so instead of blaming the quorum.
 */
export function speaksTls(address: HostAddress, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tlsConnect(tlsConnectOptions(address, { rejectUnauthorized: false, hostnameVerification: false }))
    const done = (tls: boolean): void => {
      clearTimeout(timer)
      socket.destroy()
      resolve(tls)
    }
    const timer = setTimeout(() => done(false), timeoutMs)
    socket.once('secureConnect', () => done(true))
    // An alert from the server (it wants a certificate, say) is TLS too; a plain-text server's
    // answer is no TLS record at all (WRONG_VERSION_NUMBER), or a closed connection.
    socket.once('error', (error: NodeJS.ErrnoException) => done(/^ERR_SSL_/.test(error.code ?? '') && !/WRONG_VERSION_NUMBER|PACKET_LENGTH/.test(error.code ?? '')))
  })
}

/** The advice for a plain-text shell at a port that speaks TLS. */
export function speaksTlsMessage(hosts: readonly string[]): string {
  return (
    `${hosts.join(',')} speaks TLS (a secureClientPort), and this shell spoke plain text.\n` +
    'Connect with --tls --ca ca.pem (and --cert/--key when it wants client certificates), or -client-configuration with zookeeper.client.secure=true.'
  )
}

/** A TLS failure as the shell reports it, with what to change. */
function tlsAdvice(address: HostAddress, error: NodeJS.ErrnoException): string {
  // OpenSSL's messages carry its file and line; the reason alone is what a reader needs.
  const reason = /:SSL routines:[^:]*:([^:]+):/.exec(error.message)?.[1] ?? error.message.split('\n')[0] ?? ''
  const where = `TLS with ${formatAddress(address)} failed: ${reason}`
  const code = error.code ?? ''
  if (/CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE/.test(code)) return `${where}\nThe server wants a client certificate it trusts: give --cert and --key (or zookeeper.ssl.keyStore.location).`
  if (/UNABLE_TO_GET_ISSUER|SELF_SIGNED|UNABLE_TO_VERIFY|CERT_UNTRUSTED/.test(code)) return `${where}\nThe server's certificate is not vouched for by the CAs given: check --ca (or zookeeper.ssl.trustStore.location).`
  if (/ALTNAME|HOSTNAME/.test(code)) return `${where}\nThe server's certificate does not name ${address.host}: connect by a name it has, or set -Dzookeeper.ssl.hostnameVerification=false.`
  if (/WRONG_VERSION_NUMBER|ECONNRESET/.test(code)) return `${where}\nIs this the server's secureClientPort? A plain-text port does not speak TLS.`
  return where
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
  /** Connect with TLS. @defaultValue plain text */
  tls?: TcpTlsOptions | undefined
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
  const tls = options.tls
  if (tls !== undefined) {
    // A TLS problem (an untrusted certificate, a missing client certificate) is said at once,
    // instead of after the session timeout of retries.
    const listening = hosts.filter((_, i) => probes[i] === 'listening')
    const failures = await Promise.all(listening.map((h) => tlsProbe(h, tls, probeMs)))
    if (failures.length > 0 && failures.every((f) => f !== undefined)) return { error: failures[0] ?? '' }
  }
  const problems: string[] = []
  const logger = { info: () => {}, warn: (message: string) => void problems.push(message) }
  try {
    const client = await connect(connectString, { sessionTimeoutMs: options.sessionTimeoutMs, initialConnectTimeoutMs: options.sessionTimeoutMs, logger, ...(tls === undefined ? {} : { tls }) })
    client.onStateChange((event) => options.onEvent(event))
    return { client }
  } catch (error) {
    return { error: await diagnose(error, hosts, names, problems, probeMs, tls) }
  }
}

async function diagnose(error: unknown, hosts: readonly HostAddress[], names: readonly string[], problems: readonly string[], probeMs: number, tls: TcpTlsOptions | undefined): Promise<string> {
  if (tls === undefined && (await Promise.all(hosts.map((h) => speaksTls(h, probeMs)))).some(Boolean)) return speaksTlsMessage(names)
  const answers = await Promise.all(hosts.map((h) => fourLetterWord(h, 'srvr', probeMs, tls)))
  const refusedSession = error instanceof ZooKeeperError && error.code === 'SESSIONEXPIRED'
  if (answers.some((a) => a?.includes(notServingText)) || refusedSession) return notServingMessage(names)
  const last = problems.at(-1)
  if (last !== undefined && /closed the connection/.test(last)) return notServingMessage(names)
  if (last !== undefined && /ECONNREFUSED/.test(last)) return refusedMessage(names)
  const reason = error instanceof Error ? error.message : String(error)
  return `Unable to connect to ${names.join(',')}: ${reason}${last === undefined ? '' : ` (last problem: ${last})`}`
}
