/**
 * The HTTP admin server, in the manner of ZooKeeper's AdminServer (off by default, enabled by
 * `admin.serverPort`): `GET /commands` lists the commands, `GET /commands/<name>` answers one as
 * JSON (`POST` for the commands that change something), and `GET /metrics` exports the member's
 * figures in Prometheus text format.
 *
 * The commands that reveal or replace the whole tree, or cut clients off (`snapshot`, `restore`,
 * `shed_connections`), need an `Authorization` header whose ids hold every permission on `/`, as
 * in ZooKeeper 3.9 (./admin-auth.ts). The others are open, as in ZooKeeper, so it defends them as
 * it can: a command with a side effect runs only on POST (a link, a prefetch or an image tag cannot
 * trigger it), and a request whose Host header does not name this server is refused, so a web page
 * cannot reach a loopback admin server by rebinding its own host name to 127.0.0.1 (DNS rebinding).
 *
 * With `admin.console.enabled` it also serves the web console under `/console/`
 * (lib/console), over in-process sessions on this member; {@link startConsoleServer} serves the
 * console alone, with the same Host and Origin checks, for `paddock ui`. Either speaks HTTPS
 * instead of HTTP when given a key and certificate ({@link AdminTlsOptions}), and the admin server
 * can ask for a client certificate, which the `x509` scheme then authenticates.
 *
 * This is the thin shell: it parses requests and writes responses. The answers come from the
 * pure modules lib/server/admin-commands.ts and lib/server/prometheus.ts. Nothing else in Paddock
 * imports node:http.
 * @module
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer, type ServerOptions as HttpsServerOptions } from 'node:https'
import { isIP, type AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { ServerSpec } from '../config/zoo-cfg.js'
import { createConsole, type Console } from '../console/console.js'
import type { CommandJson, ConfigurationJson } from '../console/api-types.js'
import { histogramJson, type MemberReport } from '../console/members.js'
import { sessionsFromAdmin, type MemberSessionsReport } from '../console/sessions.js'
import { adminConnectionsMax, adminHeaderBytesMax, adminRequestTimeoutMs } from '../limits.js'
import type { ACL } from '../protocol/data.js'
import type { ClientPortStats, DirectorySizes, ServerInfo } from '../wire/four-letter-words.js'
import { adminCommands, adminJson, findAdminCommand, runAdminCommand, type AdminAnswer, type AdminCommand, type AdminContext, type AdminEffect, type AdminEnsemble } from '../server/admin-commands.js'
import type { ServerMode } from '../server/pipeline-types.js'
import { latencyBucketsMs, type MemberMetrics } from '../server/metrics.js'
import { formatPrometheus, prometheusContentType, type MetricsSnapshot } from '../server/prometheus.js'
import type { LastSnapshot } from '../server/replication.js'
import type { Pipeline } from '../server/pipeline.js'
import { connectInProcess } from './in-process.js'
import { adminAuthRefusal, type AdminAuthorizer } from './admin-auth.js'
import { AdminBackupCommands, backupCommandNames, backupCommandOf, type AdminBackupSource } from './admin-backup.js'
import { adminJsonContentType, send, sendJson } from './admin-http.js'
import { isShedCommand, shedCommandNames, shedConnections } from './admin-shed.js'

/** Address the admin server binds unless told otherwise (loopback: most of its commands are open). */
export const adminServerHostDefault = '127.0.0.1'

/** Where the commands live, as ZooKeeper's `admin.commandURL`. */
export const adminCommandUrlDefault = '/commands'

/**
 * The commands that change something, by primary name: they run only on POST. (ZooKeeper 3.9
 * runs these on GET; only its `restore` and `shed_connections` are POST commands.)
 */
export const adminPostCommands: ReadonlySet<string> = new Set(['connection_stat_reset', 'set_trace_mask', 'stat_reset'])

/** The HTTP method a command answers: POST for one that changes something, GET otherwise. */
export function adminCommandMethod(command: AdminCommand): 'GET' | 'POST' {
  return adminPostCommands.has(command.names[0] ?? '') ? 'POST' : 'GET'
}

/** The member's figures the admin server reads; a {@link Pipeline} has them all. */
export interface AdminMember {
  /** Request, log sync and election counters. */
  readonly metrics: MemberMetrics
  /** The member's role now, as srvr reports it (`standalone` for a server alone in its configuration). */
  readonly mode: ServerMode
  /** The zxid of the last applied transaction. */
  readonly lastProcessedZxid: number
  /** The tree, for its znode count and the ACL of `/` (which the authenticated commands check). */
  readonly tree: { readonly size: number; get(path: string): { readonly acl: readonly ACL[] } | undefined }
  /** The digest super user and skipACL, which the authenticated commands honour as the client port does. */
  readonly options: { readonly superDigest: string | undefined; readonly skipACL: boolean }
  /** The watch manager, for its watch count. */
  readonly watches: { readonly size: number }
  /** The session tracker, for its session count. */
  readonly sessions: { readonly size: number }
  /** The local sessions (`localSessionsEnabled`), for their count. */
  readonly localSessions?: { readonly size: number }
}

/**
 * The server's figures as the client port sees them (a `MemberClientPortBackend`, the same one
 * the client port uses, so the trace mask is one for both).
 */
export interface AdminBackend {
  /** The four-letter-word figures. */
  serverInfo(): ServerInfo
  /** Measures the bytes under the server's directories; absent when it keeps none (both 0). */
  directorySizes?(): Promise<DirectorySizes>
  /** The trace mask `gtmk` reports; `set_trace_mask` sets it. */
  traceMask: bigint
}

/** The client port as the admin server sees it: its figures and the resets `crst`/`srst` make. */
export interface AdminClientPort {
  /** Where it listens. */
  readonly address: { host: string; port: number }
  /** Connections and traffic. */
  stats(): ClientPortStats
  /** Resets every connection's statistics. */
  resetConnectionStats(): void
  /** Resets the port's latency and packet counts. */
  resetServerStats(): void
  /** Closes `percentage` (0 to 100) of the client connections, chosen at random; returns how many (`shed_connections`). */
  shedConnections(percentage: number): number
}

/** An ensemble member's configuration and ZAB view, for `lead`, `voting_view`, `obsr` and `zabstate`. */
export interface AdminEnsembleSource {
  /** This member's id. */
  readonly myid: number
  /** Every member of the configuration. */
  readonly servers: readonly ServerSpec[]
  /** The ZAB core's view now. */
  status(): AdminEnsemble['status']
}

/** What the admin server reports on. */
export interface AdminSources {
  /** The member behind the server. */
  member: AdminMember
  /** The four-letter-word figures. */
  backend: AdminBackend
  /** The client port, for connections and traffic; absent for a server reachable only in-process. */
  clientPort?: AdminClientPort | undefined
  /** The ensemble; absent for a standalone server. */
  ensemble?: AdminEnsembleSource | undefined
  /** Where the newest snapshot is known (the durable log or the ensemble runtime); absent in memory. */
  snapshots?: { readonly lastSnapshot: LastSnapshot | undefined } | undefined
  /** The text of the configuration file the server started from, for `initial_configuration`. */
  initialConfiguration?: string | undefined
  /** The member's health, for `/metrics` (`paddock_health`). */
  health?: (() => { state: string }) | undefined
  /** The `snapshot` and `restore` commands' settings and member; absent: both answer as disabled. */
  backup?: AdminBackupSource | undefined
}

/** Options of {@link startAdminServer}. */
export interface AdminServerOptions {
  /** Address to bind. @defaultValue '127.0.0.1' */
  host?: string
  /** Port to bind (ZooKeeper's `admin.serverPort`); 0 picks a free one. */
  port: number
  /** Path prefix of the commands (ZooKeeper's `admin.commandURL`). @defaultValue '/commands' */
  commandUrl?: string
  /** The web console to serve under {@link adminConsoleUrl}; none when absent. */
  console?: Console
  /** Serve HTTPS with this key and certificate instead of HTTP (ZooKeeper's `admin.forceHttps`). */
  tls?: AdminTlsOptions | undefined
  /**
   * The client certificate subject that is the super user of the `x509` scheme (ZooKeeper's
   * `zookeeper.X509AuthenticationProvider.superUser`); none when absent.
   */
  x509SuperUser?: string | undefined
}

/**
 * HTTPS for the admin server or the console alone: the server's private key and certificate
 * chain, as PEM. Browsers and clients then reach it at `https://`; plain HTTP is not served.
 * With `needClientAuth` the handshake also asks for a client certificate that `ca` vouches for.
 */
export interface AdminTlsOptions {
  /** The private key, PEM (absent with `pfx`). */
  key?: string | Buffer | undefined
  /** The certificate chain, PEM (the server's certificate first; absent with `pfx`). */
  cert?: string | Buffer | undefined
  /** A PKCS12 bundle of the key and chain, instead of `key` and `cert`. */
  pfx?: Buffer | undefined
  /** Passphrase of an encrypted `key`. */
  passphrase?: string | undefined
  /**
   * Refuse, during the handshake, a client without a certificate that `ca` vouches for
   * (ZooKeeper's `admin.needClientAuth`); its subject is then what the `x509` scheme
   * authenticates. @defaultValue false
   */
  needClientAuth?: boolean | undefined
  /** The CA certificates, PEM, that vouch for client certificates (ZooKeeper's `ssl.quorum.trustStore`); needed with `needClientAuth`. */
  ca?: string | Buffer | undefined
}

/** Where the admin server serves the web console (with a trailing slash: the page's URLs are relative). */
export const adminConsoleUrl = '/console/'

/** A running admin server. */
export interface AdminServer {
  /** The bound address. */
  readonly address: { host: string; port: number }
  /** `https` when it serves TLS, `http` otherwise. */
  readonly protocol: 'http' | 'https'
  /** Stops listening and ends every connection; resolves once closed. Safe to call twice. */
  close(): Promise<void>
}

/** Starts the admin server over `sources`; resolves once it listens. */
export async function startAdminServer(sources: AdminSources, options: AdminServerOptions): Promise<AdminServer> {
  const host = options.host ?? adminServerHostDefault
  const commandUrl = (options.commandUrl ?? adminCommandUrlDefault).replace(/\/+$/, '')
  const startedMs = Date.now()
  const web = options.console
  const authorize = authorizer(sources, options.x509SuperUser)
  const backup = new AdminBackupCommands(sources.backup ?? backupDisabled, authorize)
  return listen({ host, port: options.port, setting: 'admin.serverPort', web, tls: options.tls }, (hosts, req, res) => {
    if (web !== undefined && consoleRequest(web, hosts, req, res)) return Promise.resolve()
    return handle({ sources, backup, authorize }, commandUrl, startedMs, hosts, req, res)
  })
}

/** Checks credentials against the member serving now (a restore replaces it) and its ACL of `/`. */
function authorizer(sources: AdminSources, x509SuperUser: string | undefined): AdminAuthorizer {
  return (req) => {
    const { tree, options } = sources.member
    return adminAuthRefusal(req, { aclOf: (path) => tree.get(path)?.acl, superDigest: options.superDigest, skipACL: options.skipACL, x509SuperUser })
  }
}

/** Options of {@link startConsoleServer}. */
export interface ConsoleServerOptions {
  /** Address to bind. @defaultValue '127.0.0.1' */
  host?: string
  /** Port to bind; 0 picks a free one. */
  port: number
  /** Serve HTTPS with this key and certificate instead of HTTP. */
  tls?: AdminTlsOptions | undefined
}

/**
 * Serves `console` alone at the root of an HTTP server (what `paddock ui` runs), with the admin
 * server's Host and Origin checks; closing the server closes the console.
 */
export function startConsoleServer(console: Console, options: ConsoleServerOptions): Promise<AdminServer> {
  return listen({ host: options.host ?? adminServerHostDefault, port: options.port, setting: '--port', web: console, tls: options.tls }, (hosts, req, res) => {
    const refused = refusedOrigin(hosts, req)
    if (refused !== undefined) {
      req.resume()
      sendJson(res, refused.status, { error: refused.error })
      return Promise.resolve()
    }
    const target = requestTarget(req.url)
    if (target === undefined) {
      req.resume()
      sendJson(res, 400, { error: 'Bad request path' })
      return Promise.resolve()
    }
    return console.handle(req, res, target.path, new URLSearchParams([...target.args]))
  })
}

type Handler = (hosts: HostRule, req: IncomingMessage, res: ServerResponse) => Promise<void>

/** Where and how {@link listen} binds; `setting` names what chose the port, for errors. */
interface Listening {
  readonly host: string
  readonly port: number
  readonly setting: string
  readonly web: Console | undefined
  readonly tls: AdminTlsOptions | undefined
}

/** Binds an HTTP (or, with `tls`, HTTPS) server with the admin server's bounds. */
async function listen({ host, port, setting, web, tls }: Listening, handler: Handler): Promise<AdminServer> {
  let hosts: HostRule | undefined
  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    // A bug in a command must not take the server down: answer 500 and go on.
    const failed = (error: unknown) => send(res, 500, adminJsonContentType, adminJson({ error: `internal error: ${String(error)}` }))
    try {
      if (hosts === undefined) throw new Error('request before the admin server listens')
      handler(hosts, req, res).catch(failed)
    } catch (error) {
      failed(error)
    }
  }
  const server = tls === undefined ? createHttpServer({ maxHeaderSize: adminHeaderBytesMax }, answer) : createHttpsServer({ maxHeaderSize: adminHeaderBytesMax, ...httpsOptions(tls) }, answer)
  server.maxConnections = adminConnectionsMax
  server.requestTimeout = adminRequestTimeoutMs
  server.headersTimeout = adminRequestTimeoutMs
  server.on('clientError', (_error, socket) => socket.destroy())
  // A TLS handshake that fails (a client that does not trust the certificate) ends that connection only.
  server.on('tlsClientError', (_error, socket) => socket.destroy())
  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => reject(new Error(`admin server cannot listen on ${host}:${port} (${setting}): ${error.message}`, { cause: error }))
    server.once('error', failed)
    server.listen(port, host, () => {
      server.off('error', failed)
      resolve()
    })
  })
  hosts = hostRule(host, server.address() as AddressInfo, tls !== undefined)
  return new AdminServerImpl(server, host, web, tls === undefined ? 'http' : 'https')
}

/** node:https's options for `tls`: a client certificate is asked for, and required, only with `needClientAuth`. */
function httpsOptions(tls: AdminTlsOptions): HttpsServerOptions {
  const { key, cert, pfx, passphrase, ca, needClientAuth } = tls
  const clientAuth = needClientAuth === true ? { requestCert: true, rejectUnauthorized: true, ca } : {}
  return { key, cert, pfx, passphrase, ...clientAuth }
}

/**
 * Hands a request under {@link adminConsoleUrl} to the console, after the Host and Origin checks
 * (its POST bodies are the console's to read); false for any other path.
 */
function consoleRequest(web: Console, hosts: HostRule, req: IncomingMessage, res: ServerResponse): boolean {
  const target = requestTarget(req.url)
  const bare = adminConsoleUrl.slice(0, -1)
  if (target === undefined || (target.path !== bare && !target.path.startsWith(adminConsoleUrl))) return false
  const refused = refusedOrigin(hosts, req)
  req.on('error', () => undefined)
  if (refused !== undefined) {
    req.resume()
    sendJson(res, refused.status, { error: refused.error })
  } else if (target.path === bare) {
    req.resume()
    res.writeHead(308, { Location: adminConsoleUrl, 'Content-Length': 0 })
    res.end()
  } else {
    void web.handle(req, res, target.path.slice(bare.length), new URLSearchParams([...target.args]))
  }
  return true
}

/**
 * The commands a member's console offers: the admin server's read-only ones, those it answers on
 * GET (a command that changes something is a POST command, and the console never runs it).
 */
const consoleAdminCommands: readonly CommandJson[] = adminCommands
  .filter((c) => adminCommandMethod(c) === 'GET')
  .map((c) => ({ name: c.names[0] ?? '', aliases: c.names.slice(1), kind: 'admin' }))

/** A read-only command's answer as the admin server would send it; undefined for any other name. */
async function consoleCommandOutput(sources: AdminSources, startedMs: number, name: string): Promise<string | undefined> {
  const command = findAdminCommand(name)
  if (command === undefined || adminCommandMethod(command) !== 'GET') return undefined
  const answer = await answerCommand(sources, startedMs, name)
  return answer.effect === undefined ? adminJson(answer.body) : undefined
}

/** The member's sessions from its `connections`, `dump` and `watches` commands. */
function memberSessions(sources: AdminSources, startedMs: number, name: string): MemberSessionsReport {
  const body = (command: string) => runAdminCommand(command, serving(sources), () => context(sources, startedMs, undefined)).body
  const [connections, dump, watches] = [body('connections'), body('dump'), body('watches')]
  const refused = [connections, dump, watches].find((b) => typeof b['error'] === 'string')
  const sessions = sessionsFromAdmin({ connections, dump, watches }, Date.now())
  return { name, sessions, ...(refused === undefined ? {} : { error: String(refused['error']) }) }
}

/** The member's request latency (every operation together) and log fsync histograms. */
function memberHistograms(metrics: MemberMetrics): NonNullable<MemberReport['histograms']> {
  return { latency: histogramJson(latencyBucketsMs, [...metrics.requests.values()]), fsync: histogramJson(latencyBucketsMs, [metrics.logSync]) }
}

/** The member's configuration: every server of its ensemble (a standalone server has none). */
function memberConfiguration(ensemble: AdminEnsembleSource | undefined): ConfigurationJson | undefined {
  if (ensemble === undefined) return undefined
  const servers = ensemble.servers.map((s) => ({
    id: s.id,
    address: `${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.quorumPort}:${s.electionPort}`,
    role: s.role,
    ...(s.clientPort === undefined ? {} : { client: `${s.clientAddress ?? '0.0.0.0'}:${s.clientPort}` }),
  }))
  return { source: `member ${ensemble.myid}'s configuration`, servers }
}

/**
 * The console of a member: in-process sessions on it, and its own figures, sessions, commands and
 * configuration (the members of an ensemble each serve their own console; `paddock ui --connect`
 * shows them all).
 */
function memberConsole(sources: AdminSources & { readonly member: Pipeline }): Console {
  const startedMs = Date.now()
  const name = sources.ensemble === undefined ? 'standalone' : `member ${sources.ensemble.myid}`
  return createConsole({
    target: name,
    openSession: () => connectInProcess(sources.member),
    members: (): Promise<MemberReport[]> => {
      const answer = runAdminCommand('monitor', serving(sources), () => context(sources, startedMs, undefined))
      return Promise.resolve([{ name, mntr: answer.body, histograms: memberHistograms(sources.member.metrics) }])
    },
    sessions: () => Promise.resolve([memberSessions(sources, startedMs, name)]),
    configuration: () => Promise.resolve(memberConfiguration(sources.ensemble)),
    commands: consoleAdminCommands,
    runCommand: (member, command) => (member === name ? consoleCommandOutput(sources, startedMs, command) : Promise.resolve(undefined)),
  })
}

/**
 * Starts the admin server when `adminServerPort` is set, for `createServer` and `startMember`
 * (over HTTPS with `adminServerTls`); resolves to undefined otherwise.
 */
export function startAdminServerIfEnabled(
  sources: AdminSources & { readonly member: Pipeline },
  options: { adminServerPort?: number | undefined; adminServerHost?: string | undefined; adminConsoleEnabled?: boolean | undefined; adminServerTls?: AdminTlsOptions | undefined; adminX509SuperUser?: string | undefined },
): Promise<AdminServer | undefined> {
  if (options.adminServerPort === undefined) return Promise.resolve(undefined)
  const web = options.adminConsoleEnabled === true ? { console: memberConsole(sources) } : {}
  const { adminServerPort: port, adminServerHost: host, adminServerTls: tls, adminX509SuperUser: x509SuperUser } = options
  return startAdminServer(sources, { port, host: host ?? adminServerHostDefault, tls, x509SuperUser, ...web })
}

class AdminServerImpl implements AdminServer {
  private closing: Promise<void> | undefined

  constructor(
    private readonly server: ReturnType<typeof createHttpServer> | ReturnType<typeof createHttpsServer>,
    private readonly host: string,
    private readonly web: Console | undefined,
    readonly protocol: 'http' | 'https',
  ) {}

  get address(): { host: string; port: number } {
    return { host: this.host, port: (this.server.address() as AddressInfo).port }
  }

  close(): Promise<void> {
    this.closing ??= Promise.all([
      new Promise<void>((resolve) => {
        this.server.close(() => resolve())
        this.server.closeAllConnections()
      }),
      this.web?.close(),
    ]).then(() => undefined)
    return this.closing
  }
}

/** A disabled backup source: what an admin server started without one answers. */
const backupDisabled: AdminBackupSource = {
  snapshotEnabled: false,
  restoreEnabled: false,
  allowRemote: false,
  rateLimiterIntervalMs: 0,
  capture: () => {
    throw new Error('snapshot is disabled')
  },
  restoreRefusal: () => 'restore is disabled',
  restore: () => Promise.reject(new Error('restore is disabled')),
}

/** What one admin server's requests are answered from. */
interface Serving {
  readonly sources: AdminSources
  readonly backup: AdminBackupCommands
  readonly authorize: AdminAuthorizer
}

async function handle({ sources, backup, authorize }: Serving, commandUrl: string, startedMs: number, hosts: HostRule, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Only `restore` and `shed_connections` read a body; every other request's is drained so the connection can be reused.
  req.on('error', () => undefined)
  const refused = refusedOrigin(hosts, req)
  const target = requestTarget(req.url)
  const route = target === undefined ? undefined : routeOf(commandUrl, target.path)
  if (refused !== undefined || route?.kind !== 'command' || route.reads !== true || req.method !== 'POST') req.resume()
  if (refused !== undefined) return sendJson(res, refused.status, { error: refused.error })
  if (target === undefined) return sendJson(res, 400, { error: 'Bad request path' })
  const { path, args } = target
  if (route === undefined) return sendJson(res, 404, { error: `Not found: ${path}; see ${commandUrl} and /metrics` })
  if (route.method !== undefined && req.method !== route.method) {
    res.setHeader('Allow', route.method)
    return sendJson(res, 405, { error: `Method ${req.method ?? ''} not allowed for ${path}; use ${route.method}` })
  }
  if (route.kind === 'command' && route.special === 'snapshot') return backup.snapshot(req, res, serving(sources), args)
  if (route.kind === 'command' && route.special === 'restore') return backup.restore(req, res, serving(sources))
  if (route.kind === 'command' && route.special === 'shed') return shedConnections(req, res, serving(sources), authorize, sources.clientPort)
  if (route.kind === 'command') return runCommand(sources, startedMs, route.name, route.method, args, res)
  if (route.kind === 'metrics') return send(res, 200, prometheusContentType, formatPrometheus({ ...metricsSnapshot(sources.member, sources.health), quota: sources.backend.serverInfo().quota }))
  sendJson(res, 200, commandList(commandUrl))
}

/**
 * What a path names, and the one method it answers (none for an unknown command: 404 whatever the
 * method). `special` marks the authenticated commands, which their own modules serve; `reads` those
 * that read the request body.
 */
type Route =
  | { kind: 'metrics' | 'list'; method: 'GET' }
  | { kind: 'command'; name: string; method: 'GET' | 'POST' | undefined; special?: 'snapshot' | 'restore' | 'shed'; reads?: boolean }

function routeOf(commandUrl: string, path: string): Route | undefined {
  if (path === '/metrics') return { kind: 'metrics', method: 'GET' }
  if (path === commandUrl || path === `${commandUrl}/`) return { kind: 'list', method: 'GET' }
  if (!path.startsWith(`${commandUrl}/`)) return undefined
  const name = path.slice(commandUrl.length + 1)
  const backup = backupCommandOf(name)
  if (backup === 'snapshot') return { kind: 'command', name, method: 'GET', special: backup }
  if (backup === 'restore') return { kind: 'command', name, method: 'POST', special: backup, reads: true }
  if (isShedCommand(name)) return { kind: 'command', name, method: 'POST', special: 'shed', reads: true }
  const command = findAdminCommand(name)
  return { kind: 'command', name, method: command === undefined ? undefined : adminCommandMethod(command) }
}

/**
 * Which Host headers name this server: its bound address, the configured host, and loopback by
 * name and number, each with the bound port. Bound to every address, any IP address and the
 * machine's host name are accepted too: a DNS-rebinding page can only make a browser send a
 * host name the attacker controls, never an IP address or this machine's own name.
 */
interface HostRule {
  readonly names: ReadonlySet<string>
  readonly anyAddress: boolean
  readonly port: number
  /** Served over TLS: a Host without a port means 443, and an Origin is `https:`. */
  readonly secure: boolean
}

const wildcardAddresses = new Set(['0.0.0.0', '::', ''])

function hostRule(configured: string, bound: AddressInfo, secure: boolean): HostRule {
  const names = new Set(['localhost', '127.0.0.1', '::1', hostName(configured), hostName(bound.address)])
  const anyAddress = wildcardAddresses.has(hostName(configured)) || wildcardAddresses.has(hostName(bound.address))
  if (anyAddress) {
    const machine = os.hostname().toLowerCase()
    names.add(machine)
    names.add(machine.split('.')[0] ?? machine)
  }
  return { names, anyAddress, port: bound.port, secure }
}

/** A host as a Host header carries it, lower case and without an IPv6 literal's brackets. */
function hostName(host: string): string {
  const lower = host.toLowerCase()
  return lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower
}

/** Splits `name`, `name:port`, `[v6]` or `[v6]:port`; the port is `defaultPort` when absent (80 for http, 443 for https). */
function parseAuthority(authority: string, defaultPort: number): { name: string; port: number } | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(authority)
  if (match === null) return undefined
  return { name: hostName(match[1] ?? ''), port: match[2] === undefined ? defaultPort : Number(match[2]) }
}

function namesThisServer(hosts: HostRule, authority: string): boolean {
  const parsed = parseAuthority(authority, hosts.secure ? 443 : 80)
  if (parsed === undefined || parsed.port !== hosts.port) return false
  return hosts.names.has(parsed.name) || (hosts.anyAddress && isIP(parsed.name) !== 0)
}

/**
 * Refuses a request whose Host does not name this server (421, Misdirected Request), or that a
 * browser sent from another site's page (an Origin that does not name it either: 403).
 */
function refusedOrigin(hosts: HostRule, req: IncomingMessage): { status: number; error: string } | undefined {
  const host = req.headers.host ?? ''
  if (!namesThisServer(hosts, host)) {
    return { status: 421, error: `Host ${JSON.stringify(host)} does not name this admin server; use the address it listens on (admin.serverAddress) or localhost, with port ${hosts.port}` }
  }
  const origin = req.headers.origin
  if (origin !== undefined && !namesThisServer(hosts, originAuthority(origin, hosts.secure ? 'https:' : 'http:'))) {
    return { status: 403, error: `Origin ${JSON.stringify(origin)} may not use this admin server` }
  }
  return undefined
}

/** The host and port of an Origin of the scheme this server speaks; '' for any other. */
function originAuthority(origin: string, scheme: 'http:' | 'https:'): string {
  try {
    const url = new URL(origin)
    return url.protocol === scheme ? url.host : ''
  } catch {
    return ''
  }
}

/**
 * Runs one command: measures the directories first when it prints their sizes (file-system I/O,
 * awaited here, never in the pure command code), then reads every other figure at one moment,
 * then carries out what the command asks for.
 */
async function runCommand(sources: AdminSources, startedMs: number, name: string, method: 'GET' | 'POST' | undefined, args: ReadonlyMap<string, string>, res: ServerResponse): Promise<void> {
  const answer = await answerCommand(sources, startedMs, name, args)
  if (answer.effect !== undefined && method !== 'POST') {
    // A command that changes something but is missing from adminPostCommands: a bug, refused.
    return sendJson(res, 500, { command: name, error: `internal error: ${name} changes something but is not a POST command` })
  }
  if (answer.effect !== undefined) carryOut(sources, answer.effect)
  sendJson(res, answer.status, answer.body)
}

/** Answers one command, after measuring the directories when it prints their sizes; carries nothing out. */
async function answerCommand(sources: AdminSources, startedMs: number, name: string, args: ReadonlyMap<string, string> = new Map()): Promise<AdminAnswer> {
  const command = findAdminCommand(name)
  let directories: DirectorySizes | undefined
  if (command?.readsDirectories === true && (!command.serverRequired || serving(sources))) {
    directories = (await sources.backend.directorySizes?.()) ?? { dataDirBytes: 0, dataLogDirBytes: 0 }
  }
  return runAdminCommand(name, serving(sources), () => context(sources, startedMs, directories), args)
}

function serving(sources: AdminSources): boolean {
  return sources.member.mode !== 'looking'
}

/** The same resets the four-letter words crst and srst make, on the same client port. */
function carryOut(sources: AdminSources, effect: AdminEffect): void {
  switch (effect.type) {
    case 'resetConnectionStats':
      return sources.clientPort?.resetConnectionStats()
    case 'resetServerStats':
      return sources.clientPort?.resetServerStats()
    case 'setTraceMask':
      sources.backend.traceMask = effect.traceMask
  }
}

/** The decoded path and query parameters of a request target, or undefined for one that does not parse. */
function requestTarget(url: string | undefined): { path: string; args: Map<string, string> } | undefined {
  if (url === undefined || !url.startsWith('/')) return undefined
  try {
    const parsed = new URL(url, 'http://admin.invalid')
    // The first value of a repeated parameter wins, as a servlet's getParameter.
    const args = new Map<string, string>()
    for (const [key, value] of parsed.searchParams) if (!args.has(key)) args.set(key, value)
    return { path: decodeURIComponent(parsed.pathname), args }
  } catch {
    return undefined
  }
}

/**
 * `GET /commands`: every command with its aliases, link, method and whether it needs an
 * `Authorization` header (ZooKeeper serves an HTML list of links).
 */
function commandList(commandUrl: string): Record<string, unknown> {
  const entry = ([name = '', ...aliases]: readonly string[], method: 'GET' | 'POST', authenticated: boolean) => ({ name, aliases, url: `${commandUrl}/${name}`, method, authenticated })
  return {
    commands: [
      ...adminCommands.map((c) => entry(c.names, adminCommandMethod(c), false)),
      entry(backupCommandNames.snapshot, 'GET', true),
      entry(backupCommandNames.restore, 'POST', true),
      entry(shedCommandNames, 'POST', true),
    ],
    metrics: '/metrics',
  }
}

function context(sources: AdminSources, startedMs: number, directories: DirectorySizes | undefined): AdminContext {
  const { ensemble, clientPort } = sources
  return {
    server: sources.backend.serverInfo(),
    port: clientPort?.stats() ?? noClientPortStats(startedMs),
    directories,
    metrics: sources.member.metrics,
    ensemble: ensemble === undefined ? undefined : { myid: ensemble.myid, servers: ensemble.servers, status: ensemble.status() },
    lastSnapshot: sources.snapshots?.lastSnapshot,
    initialConfiguration: sources.initialConfiguration,
    clientAddress: clientPort?.address,
    systemProperties: systemProperties(),
  }
}

/**
 * `sysp`: the runtime's properties under Java's system property names where Node has the same
 * fact (`os.*`, `user.*`, the separators, `java.io.tmpdir` as `os.tmpdir`), and Node's own under
 * `node.*`. Sorted by name, as ZooKeeper sorts them. Environment variables are not included: they
 * are not properties, and often hold secrets.
 */
function systemProperties(): [string, string][] {
  const properties: [string, string][] = [
    ['file.separator', path.sep],
    ['line.separator', os.EOL],
    ['path.separator', path.delimiter],
    ['os.arch', os.arch()],
    ['os.name', os.type()],
    ['os.version', os.release()],
    ['os.tmpdir', os.tmpdir()],
    ['user.dir', process.cwd()],
    ['user.home', os.homedir()],
    ['user.name', safe(() => os.userInfo().username)],
    ['user.timezone', Intl.DateTimeFormat().resolvedOptions().timeZone],
    ['node.exec.path', process.execPath],
    ['node.exec.argv', process.execArgv.join(' ')],
    ['node.pid', String(process.pid)],
    ['node.platform', process.platform],
    ['node.release.name', process.release.name],
  ]
  for (const [name, version] of Object.entries(process.versions)) if (version !== undefined) properties.push([`node.versions.${name}`, version])
  return properties.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

function safe(read: () => string): string {
  try {
    return read()
  } catch {
    return ''
  }
}

function metricsSnapshot(member: AdminMember, health: AdminSources['health']): MetricsSnapshot {
  return {
    ...(health === undefined ? {} : { health: health().state }),
    metrics: member.metrics,
    role: member.mode,
    znodeCount: member.tree.size,
    watchCount: member.watches.size,
    sessionCount: member.sessions.size,
    localSessionCount: member.localSessions?.size ?? 0,
    lastZxid: member.lastProcessedZxid,
  }
}

/** The figures of a server with no client port: no connections, no traffic, up since the admin server started. */
function noClientPortStats(startedMs: number): ClientPortStats {
  return {
    connections: [],
    packetsReceived: 0,
    packetsSent: 0,
    outstandingRequests: 0,
    latency: { minMs: 0, avgMs: 0, maxMs: 0 },
    clientPort: -1,
    maxClientCnxns: 0,
    uptimeMs: Date.now() - startedMs,
    environment: [
      ['host.name', os.hostname()],
      ['node.version', process.version],
      ['os.name', os.type()],
      ['os.arch', os.arch()],
      ['user.dir', process.cwd()],
    ],
  }
}
