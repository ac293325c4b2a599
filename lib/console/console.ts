/**
 * The web console's server side: a small JSON API, a Server-Sent Events stream of watch events,
 * and the static page, answered for one HTTP mount point (the admin server's `/console`, or the
 * root of `paddock ui`).
 *
 * Every browser session gets its own ZooKeeper session, opened through {@link ConsoleSources}
 * (in-process on the member that serves the console, or TCP to any ZooKeeper-compatible
 * ensemble), so the server's ACLs decide what the console may do. A browser session is read-only
 * until its user signs in with a digest identity (addAuth on that session). Every POST must carry
 * the session's token in the `x-paddock-console-token` header: a page of another site can neither
 * read the token nor set the header without a CORS preflight this server never grants, and the
 * session cookie is `SameSite=Strict` besides. The Host and Origin checks are the HTTP server's
 * (lib/host/admin-server.ts), before a request reaches this module.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { existsSync } from 'node:fs'
import type { ZooKeeperClient } from '../client/index.js'
import { ZooKeeperError } from '../errors.js'
import { pathProblem } from '../path.js'
import { CreateMode, type CreateModeValue } from '../protocol/create-mode.js'
import type { CommandJson, CommandOutputJson, ConfigurationJson, EnsembleJson, ErrorJson, SessionJson, SessionsJson } from './api-types.js'
import { ElectionTracker } from './elections.js'
import {
  consoleBodyBytesMax,
  consoleCommandOutputCharsMax,
  consoleConfigurationReuseMs,
  consoleKeepAliveMsMin,
  consoleSessionIdleMs,
  consoleSessionRowsMax,
  consoleSessionsMax,
  consoleWatchStreamsMax,
} from './limits.js'
import { memberJson, parseDynamicConfig, withLag, type MemberReport } from './members.js'
import { mergeSessions, type MemberSessionsReport } from './sessions.js'
import { consolePageHtml } from './page-html.js'
import { childrenPage, countSubtree, createNode, deleteSubtree, readNode, setNodeAcl, setNodeData } from './tree-api.js'
import { streamWatch } from './watch-stream.js'

/** Where the console's sessions and figures come from. */
export interface ConsoleSources {
  /** What the console is connected to, for the page's title bar (`member 1`, `127.0.0.1:2181`). */
  readonly target: string
  /** Opens a new ZooKeeper session (one per browser session; closed when it ends). */
  openSession(): Promise<ZooKeeperClient>
  /** Every member's `mntr` figures now, for the Ensemble and Metrics views. */
  members(): Promise<MemberReport[]>
  /** Every member's sessions with their ephemerals and watches, for the Sessions view; none are listed without it. */
  sessions?(): Promise<MemberSessionsReport[]>
  /**
   * The configuration as the members know it, for when `/zookeeper/config` holds none (Paddock
   * keeps that node empty; Apache ZooKeeper writes its dynamic configuration there).
   */
  configuration?(): Promise<ConfigurationJson | undefined>
  /** The read-only commands the Commands view offers; none without it. */
  readonly commands?: readonly CommandJson[]
  /**
   * Runs `command` (a name or alias of one of {@link commands}) on the member named `member` (as
   * {@link members} names it) and resolves to its output as the member wrote it; undefined when
   * there is no such member.
   */
  runCommand?(member: string, command: string): Promise<string | undefined>
}

/** Options of {@link createConsole}. */
export interface ConsoleOptions {
  /** The directory holding the compiled page (`app.js`). @defaultValue dist/lib/console/page of this package */
  pageDirectory?: string
  /** The clock, ms since the epoch. @defaultValue Date.now */
  now?: () => number
}

/** The console, ready to answer requests under a mount point. */
export interface Console {
  /**
   * Answers one request; `path` is the request path below the mount point (`/`, `/api/node`,
   * ...) and `query` its parameters. Never rejects: failures become JSON error answers.
   */
  handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void>
  /** Closes every browser session's ZooKeeper session and watch stream. */
  close(): Promise<void>
}

/** The cookie naming the browser session. */
export const consoleCookieName = 'paddock-console'

/** The header every POST must carry, holding the session's token. */
export const consoleTokenHeader = 'x-paddock-console-token'

/** One browser session: its ZooKeeper session, identity, token and open watch streams. */
interface BrowserSession {
  readonly id: string
  readonly token: string
  client: Promise<ZooKeeperClient> | undefined
  user: string | null
  credentials: string | undefined
  lastUsedMs: number
  readonly streams: Set<AbortController>
  keepAlive: ReturnType<typeof setInterval> | undefined
}

/** Creates the console over `sources`. */
export function createConsole(sources: ConsoleSources, options: ConsoleOptions = {}): Console {
  return new ConsoleImpl(sources, options.pageDirectory ?? defaultPageDirectory(), options.now ?? Date.now)
}

/**
 * The compiled page: beside this module in the package (dist/lib/console/page); from the bundled
 * `paddock` command (dist/lib/bin), in the console's folder beside the bundle's; or, when this
 * module runs from its TypeScript source, in the repository's dist/ after `npm run build`.
 */
function defaultPageDirectory(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [join(here, 'page'), join(here, '..', 'console', 'page')]
  return candidates.find((dir) => existsSync(join(dir, 'app.js'))) ?? join(here, '..', '..', 'dist', 'lib', 'console', 'page')
}

/** The chart library's files, from the `uplot` dependency. */
const uplotFiles: Readonly<Record<string, string>> = { 'uplot.js': 'uplot/dist/uPlot.iife.min.js', 'uplot.css': 'uplot/dist/uPlot.min.css' }

class ConsoleImpl implements Console {
  private readonly sessions = new Map<string, BrowserSession>()
  private readonly assets = new Map<string, Asset>()
  private readonly require = createRequire(import.meta.url)
  private readonly elections = new ElectionTracker()
  private readonly configuration: { value: ConfigurationJson | undefined; readMs: number; reading: boolean } = { value: undefined, readMs: Number.NEGATIVE_INFINITY, reading: false }

  constructor(
    private readonly sources: ConsoleSources,
    private readonly pageDirectory: string,
    private readonly now: () => number,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    try {
      if (!path.startsWith('/api/')) return await this.serveStatic(req, res, path)
      await this.serveApi(req, res, path.slice('/api/'.length), query)
    } catch (error) {
      sendError(res, error)
    }
  }

  async close(): Promise<void> {
    const sessions = [...this.sessions.values()]
    this.sessions.clear()
    await Promise.all(sessions.map((s) => this.end(s)))
  }

  private async serveStatic(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    req.resume()
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: `Method ${req.method ?? ''} not allowed; use GET` })
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))
    if (path === '/' || path === '') return sendAsset(res, 'text/html; charset=utf-8', this.compressed('/', consolePageHtml), gzip)
    const name = /^\/assets\/([a-z0-9-]+\.(?:js|css))$/.exec(path)?.[1]
    if (name === undefined) return sendJson(res, 404, { error: `Not found: ${path}` })
    const vendor = uplotFiles[name]
    const file = vendor === undefined ? join(this.pageDirectory, name) : this.require.resolve(vendor)
    const text = await readFile(file, 'utf8').catch(() => undefined)
    if (text === undefined) return sendJson(res, 404, { error: `Not found: ${path} (is the page built? npm run build)` })
    sendAsset(res, name.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8', this.compressed(name, text), gzip)
  }

  /** The asset as bytes and gzipped, compressed once per text (the page's files do not change while it runs). */
  private compressed(name: string, text: string): Asset {
    const cached = this.assets.get(name)
    if (cached !== undefined && cached.text === text) return cached
    const plain = Buffer.from(text, 'utf8')
    const asset = { text, plain, gzipped: gzipSync(plain) }
    this.assets.set(name, asset)
    return asset
  }

  private async serveApi(req: IncomingMessage, res: ServerResponse, name: string, query: URLSearchParams): Promise<void> {
    if (req.method === 'POST') return this.servePost(req, res, name)
    req.resume()
    if (req.method !== 'GET') return sendJson(res, 405, { error: `Method ${req.method ?? ''} not allowed` })
    if (name === 'session') return this.serveSession(req, res)
    if (name === 'ensemble') return sendJson(res, 200, await this.ensemble(this.sessionOf(req)))
    if (name === 'sessions') return sendJson(res, 200, await this.sessionsJson())
    if (name === 'commands') return sendJson(res, 200, { commands: this.sources.commands ?? [] })
    if (name === 'command') return this.serveCommand(res, query)
    const session = this.sessionOf(req)
    if (session === undefined) return sendJson(res, 401, { error: 'No console session; reload the page', code: 'NOSESSION' })
    const path = nodePath(query.get('path'))
    const zk = await this.client(session)
    switch (name) {
      case 'node':
        return sendJson(res, 200, await readNode(zk, path))
      case 'children':
        return sendJson(res, 200, await childrenPage(zk, path, intParam(query, 'offset', 0), intParam(query, 'limit', 100), query.get('filter') ?? ''))
      case 'count':
        return sendJson(res, 200, { path, count: await countSubtree(zk, path) })
      case 'watch':
        return this.serveWatch(req, res, session, zk, path, query.get('recursive') === '1')
      default:
        return sendJson(res, 404, { error: `Not found: api/${name}` })
    }
  }

  private serveSession(req: IncomingMessage, res: ServerResponse): void {
    let session = this.sessionOf(req)
    if (session === undefined) {
      session = this.newSession()
      // Over HTTPS the cookie is never sent in clear (Secure).
      const secure = (req.socket as { encrypted?: boolean }).encrypted === true ? '; Secure' : ''
      res.setHeader('Set-Cookie', `${consoleCookieName}=${session.id}; HttpOnly; SameSite=Strict; Path=/${secure}`)
    }
    const body: SessionJson = { token: session.token, user: session.user, target: this.sources.target }
    sendJson(res, 200, body)
  }

  private async servePost(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const session = this.sessionOf(req)
    if (session === undefined) return void drain(req, () => sendJson(res, 401, { error: 'No console session; reload the page', code: 'NOSESSION' }))
    if (req.headers[consoleTokenHeader] !== session.token) {
      return void drain(req, () => sendJson(res, 403, { error: `Missing or wrong ${consoleTokenHeader} header`, code: 'CSRF' }))
    }
    const body = await readJson(req)
    if (name === 'login') return this.login(res, session, body)
    if (name === 'logout') {
      await this.signOut(session, null, undefined)
      return sendJson(res, 200, { user: null })
    }
    if (session.user === null) return sendJson(res, 403, { error: 'The console is read-only until you sign in', code: 'READONLY' })
    const zk = await this.client(session)
    const path = nodePath(stringField(body, 'path'))
    switch (name) {
      case 'set':
        return sendJson(res, 200, { stat: await setNodeData(zk, path, stringField(body, 'data'), intField(body, 'version')) })
      case 'acl':
        return sendJson(res, 200, { stat: await setNodeAcl(zk, path, body['acl'], intField(body, 'aversion')) })
      case 'create':
        return sendJson(res, 200, { path: await createNode(zk, { path, data: stringField(body, 'data'), mode: modeField(body), ...ttlField(body) }) })
      case 'delete':
        if (body['recursive'] === true) return sendJson(res, 200, { deleted: await deleteSubtree(zk, path, intField(body, 'count')) })
        await zk.delete(path, intField(body, 'version'))
        return sendJson(res, 200, { deleted: 1 })
      default:
        return sendJson(res, 404, { error: `Not found: api/${name}` })
    }
  }

  /** Signs in: a new ZooKeeper session with the digest identity added (the old one is closed). */
  private async login(res: ServerResponse, session: BrowserSession, body: Record<string, unknown>): Promise<void> {
    const user = stringField(body, 'user')
    const password = stringField(body, 'password')
    if (user === '' || user.includes(':')) return sendJson(res, 400, { error: 'A digest user name is not empty and has no colon', code: 'BADARGUMENTS' })
    await this.signOut(session, user, `${user}:${password}`)
    await this.client(session)
    sendJson(res, 200, { user })
  }

  private async signOut(session: BrowserSession, user: string | null, credentials: string | undefined): Promise<void> {
    await this.end(session)
    session.user = user
    session.credentials = credentials
  }

  /** The session's ZooKeeper client, (re)opened when it has none or its session ended. */
  private async client(session: BrowserSession): Promise<ZooKeeperClient> {
    const current = session.client
    if (current !== undefined) {
      const zk = await current.catch(() => undefined)
      if (zk !== undefined && zk.state !== 'Expired' && zk.state !== 'Closed' && zk.state !== 'AuthFailed') return zk
    }
    const opening = this.open(session.credentials)
    session.client = opening
    opening.then(
      (zk) => this.keepAlive(session, zk),
      () => {
        if (session.client === opening) session.client = undefined
      },
    )
    return opening
  }

  /**
   * Keeps the session from expiring while the browser session lives: an in-process session has no
   * pinger (a TCP one pings by itself, and a read now and then costs it little), so read the root
   * every third of the session timeout.
   */
  private keepAlive(session: BrowserSession, zk: ZooKeeperClient): void {
    clearInterval(session.keepAlive)
    session.keepAlive = setInterval(() => void zk.exists('/').catch(() => undefined), Math.max(consoleKeepAliveMsMin, Math.floor(zk.sessionTimeoutMs / 3)))
    session.keepAlive.unref()
  }

  private async open(credentials: string | undefined): Promise<ZooKeeperClient> {
    const zk = await this.sources.openSession()
    if (credentials === undefined) return zk
    try {
      await zk.addAuth('digest', credentials)
      return zk
    } catch (error) {
      await zk.close().catch(() => undefined)
      throw error
    }
  }

  private async end(session: BrowserSession): Promise<void> {
    clearInterval(session.keepAlive)
    session.keepAlive = undefined
    for (const stream of session.streams) stream.abort()
    session.streams.clear()
    const client = session.client
    session.client = undefined
    const zk = await client?.catch(() => undefined)
    await zk?.close().catch(() => undefined)
  }

  private serveWatch(req: IncomingMessage, res: ServerResponse, session: BrowserSession, zk: ZooKeeperClient, path: string, recursive: boolean): Promise<void> {
    if (session.streams.size >= consoleWatchStreamsMax) {
      sendJson(res, 429, { error: `At most ${consoleWatchStreamsMax} watch streams per browser session`, code: 'TOOMANY' })
      return Promise.resolve()
    }
    const abort = new AbortController()
    session.streams.add(abort)
    req.once('close', () => abort.abort())
    return streamWatch(zk, path, recursive, abort.signal, res, this.now).finally(() => session.streams.delete(abort))
  }

  private async ensemble(session: BrowserSession | undefined): Promise<EnsembleJson> {
    const atMs = this.now()
    const members = withLag((await this.sources.members()).map(memberJson))
    this.elections.observe(atMs, members)
    const configuration = this.configurationNow(session)
    return { atMs, members, elections: this.elections.json(), ...(configuration === undefined ? {} : { configuration }) }
  }

  /**
   * The configuration last read. When it is older than {@link consoleConfigurationReuseMs} a new
   * read starts in the background: an ensemble electing a leader may not answer for a while, and
   * the members' figures must not wait for it.
   */
  private configurationNow(session: BrowserSession | undefined): ConfigurationJson | undefined {
    const cache = this.configuration
    if (!cache.reading && this.now() - cache.readMs >= consoleConfigurationReuseMs) {
      cache.reading = true
      void this.readConfiguration(session)
        .then((value) => (cache.value = value ?? cache.value))
        .finally(() => {
          cache.reading = false
          cache.readMs = this.now()
        })
    }
    return cache.value
  }

  /** `/zookeeper/config` over the browser session's ZooKeeper session, else what the sources report. */
  private async readConfiguration(session: BrowserSession | undefined): Promise<ConfigurationJson | undefined> {
    const zk = session === undefined ? undefined : await this.client(session).catch(() => undefined)
    const node = await zk?.getData('/zookeeper/config').catch(() => undefined)
    const reported = node === undefined ? undefined : parseDynamicConfig(Buffer.from(node.data).toString('utf8'), '/zookeeper/config')
    return reported ?? (await this.sources.configuration?.().catch(() => undefined))
  }

  private async sessionsJson(): Promise<SessionsJson> {
    const atMs = this.now()
    if (this.sources.sessions === undefined) return { atMs, sessions: [], notes: ['This console has no way to list the sessions'] }
    const reports = await this.sources.sessions()
    const notes = reports.flatMap((r) => (r.error === undefined ? [] : [`${r.name}: ${r.error}`]))
    return { atMs, sessions: mergeSessions(reports, consoleSessionRowsMax), notes }
  }

  /** `GET api/command?member=&name=`: one of the offered commands' raw output. */
  private async serveCommand(res: ServerResponse, query: URLSearchParams): Promise<void> {
    const name = query.get('name') ?? ''
    const member = query.get('member') ?? ''
    const offered = (this.sources.commands ?? []).some((c) => c.name === name || c.aliases.includes(name))
    if (!offered || this.sources.runCommand === undefined) throw new BadRequest(`${JSON.stringify(name)} is not one of the read-only commands this console offers (api/commands)`)
    const atMs = this.now()
    let output: string | undefined
    try {
      output = await this.sources.runCommand(member, name)
    } catch (error) {
      return sendJson(res, 502, { error: `${member} did not answer ${name}: ${error instanceof Error ? error.message : String(error)}`, code: 'UNREACHABLE' })
    }
    if (output === undefined) return sendJson(res, 404, { error: `No member named ${JSON.stringify(member)}`, code: 'NOMEMBER' })
    const cut = output.length > consoleCommandOutputCharsMax ? `${output.slice(0, consoleCommandOutputCharsMax)}\n… (cut at ${consoleCommandOutputCharsMax} characters)\n` : output
    const body: CommandOutputJson = { member, command: name, atMs, output: cut }
    sendJson(res, 200, body)
  }

  private sessionOf(req: IncomingMessage): BrowserSession | undefined {
    const id = cookie(req.headers.cookie, consoleCookieName)
    const session = id === undefined ? undefined : this.sessions.get(id)
    if (session === undefined) return undefined
    const nowMs = this.now()
    if (nowMs - session.lastUsedMs > consoleSessionIdleMs && session.streams.size === 0) {
      this.sessions.delete(session.id)
      void this.end(session)
      return undefined
    }
    session.lastUsedMs = nowMs
    // Most recently used last, so the first entry is the one to evict.
    this.sessions.delete(session.id)
    this.sessions.set(session.id, session)
    return session
  }

  private newSession(): BrowserSession {
    while (this.sessions.size >= consoleSessionsMax) {
      const oldest = this.sessions.values().next().value as BrowserSession
      this.sessions.delete(oldest.id)
      void this.end(oldest)
    }
    const session: BrowserSession = {
      id: randomBytes(24).toString('base64url'),
      token: randomBytes(24).toString('base64url'),
      client: undefined,
      user: null,
      credentials: undefined,
      lastUsedMs: this.now(),
      streams: new Set(),
      keepAlive: undefined,
    }
    this.sessions.set(session.id, session)
    return session
  }
}

/** A static file of the page, as text and as the bytes sent. */
interface Asset {
  readonly text: string
  readonly plain: Buffer
  readonly gzipped: Buffer
}

/** A refusal of bad input, answered 400 with the console's own code. */
class BadRequest extends Error {}

function nodePath(path: string | null): string {
  const value = path ?? '/'
  const problem = pathProblem(value)
  if (problem !== undefined) throw new BadRequest(`Invalid path ${JSON.stringify(value)}: ${problem}`)
  return value
}

function intParam(query: URLSearchParams, name: string, fallback: number): number {
  const text = query.get(name)
  if (text === null) return fallback
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 0) throw new BadRequest(`${name} must be a whole number, not ${JSON.stringify(text)}`)
  return value
}

function stringField(body: Record<string, unknown>, name: string): string {
  const value = body[name]
  if (typeof value !== 'string') throw new BadRequest(`${name} must be a string`)
  return value
}

function intField(body: Record<string, unknown>, name: string): number {
  const value = body[name]
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new BadRequest(`${name} must be a whole number`)
  return value
}

const createModes = new Set<number>(Object.values(CreateMode))

function modeField(body: Record<string, unknown>): CreateModeValue {
  const mode = body['mode']
  if (typeof mode !== 'number' || !createModes.has(mode)) throw new BadRequest('mode must be a CreateMode number (0 to 6)')
  return mode as CreateModeValue
}

function ttlField(body: Record<string, unknown>): { ttlMs?: number } {
  return body['ttlMs'] === undefined || body['ttlMs'] === null ? {} : { ttlMs: intField(body, 'ttlMs') }
}

function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=')
    if (key === name) return value.join('=')
  }
  return undefined
}

function drain(req: IncomingMessage, then: () => void): void {
  req.resume()
  req.once('end', then)
  req.once('error', then)
}

/** Reads a JSON object body of at most {@link consoleBodyBytesMax} bytes. */
function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      req.resume()
      return reject(new BadRequest('A POST body is JSON (Content-Type: application/json)'))
    }
    const chunks: Buffer[] = []
    let bytes = 0
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length
      if (bytes > consoleBodyBytesMax) {
        req.destroy()
        reject(new BadRequest(`A POST body is at most ${consoleBodyBytesMax} bytes`))
      } else chunks.push(chunk)
    })
    req.on('error', reject)
    req.on('end', () => {
      try {
        const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'))
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object')
        resolve(value as Record<string, unknown>)
      } catch {
        reject(new BadRequest('A POST body is a JSON object'))
      }
    })
  })
}

/** HTTP status of each ZooKeeper error the console's requests commonly meet. */
const statusOfCode: Partial<Record<string, number>> = {
  NONODE: 404,
  NOAUTH: 403,
  AUTHFAILED: 403,
  BADVERSION: 409,
  NODEEXISTS: 409,
  NOTEMPTY: 409,
  NOCHILDRENFOREPHEMERALS: 409,
  BADARGUMENTS: 400,
  INVALIDACL: 400,
  UNIMPLEMENTED: 501,
  CONNECTIONLOSS: 503,
  SESSIONEXPIRED: 503,
  OPERATIONTIMEOUT: 503,
}

function sendError(res: ServerResponse, error: unknown): void {
  if (error instanceof BadRequest) return sendJson(res, 400, { error: error.message, code: 'BADREQUEST' })
  if (error instanceof ZooKeeperError) return sendJson(res, statusOfCode[error.code] ?? 500, { error: error.message, code: error.code })
  sendJson(res, 500, { error: `internal error: ${String(error)}` })
}

function sendJson(res: ServerResponse, status: number, body: ErrorJson | object): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body))
}

/**
 * The headers of every answer: the page may load only its own scripts and styles (a script
 * injected into a znode's data shown as text could not run), and may not be framed (clickjacking).
 */
const safetyHeaders = {
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
}

function send(res: ServerResponse, status: number, contentType: string, text: string): void {
  if (res.headersSent) return void res.end()
  res.writeHead(status, { ...safetyHeaders, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) })
  res.end(text)
}

/** Sends a static file, gzipped when the browser takes it. */
function sendAsset(res: ServerResponse, contentType: string, asset: Asset, gzip: boolean): void {
  const body = gzip ? asset.gzipped : asset.plain
  res.writeHead(200, { ...safetyHeaders, 'Content-Type': contentType, 'Content-Length': body.length, Vary: 'Accept-Encoding', ...(gzip ? { 'Content-Encoding': 'gzip' } : {}) })
  res.end(body)
}
