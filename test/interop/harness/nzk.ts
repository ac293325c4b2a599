/**
 * node-zookeeper-client (the pure-JS client on npm) behind promises, with ZooKeeper's error names.
 * @module
 */
import zookeeper from 'node-zookeeper-client'
import type { ACL, Client, Event, Stat } from 'node-zookeeper-client'
import { deferred, withTimeout } from './wait.js'

export { zookeeper }
export type { ACL, Client, Event, Stat }

/** KeeperException.Code numbers to the names ZooKeeper gives them (KeeperException.java). */
export const errorNames: Readonly<Record<number, string>> = {
  0: 'OK',
  [-1]: 'SYSTEMERROR',
  [-2]: 'RUNTIMEINCONSISTENCY',
  [-4]: 'CONNECTIONLOSS',
  [-6]: 'UNIMPLEMENTED',
  [-7]: 'OPERATIONTIMEOUT',
  [-8]: 'BADARGUMENTS',
  [-101]: 'NONODE',
  [-102]: 'NOAUTH',
  [-103]: 'BADVERSION',
  [-108]: 'NOCHILDRENFOREPHEMERALS',
  [-110]: 'NODEEXISTS',
  [-111]: 'NOTEMPTY',
  [-112]: 'SESSIONEXPIRED',
  [-114]: 'INVALIDACL',
  [-115]: 'AUTHFAILED',
}

/** How long one request may take before the test fails. */
const requestTimeoutMs = 15_000
/** How long connecting may take. */
const connectTimeoutMs = 15_000

/** The ZooKeeper error name of a rejection: `expect(await failure(p)).toBe('NONODE')`. */
export async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (typeof code === 'number') return errorNames[code] ?? `code ${code}`
    throw error
  }
  throw new Error('the request succeeded; an error was expected')
}

/** The client's error with the request named in its message; `code` kept for {@link failure}. */
function described(what: string, error: unknown): Error {
  const code = (error as { code?: unknown }).code
  const name = typeof code === 'number' ? (errorNames[code] ?? `code ${code}`) : String(error)
  return Object.assign(new Error(`${what} failed: ${name}`, { cause: error }), { code })
}

/** A watcher's event as plain data: `{ type: 'NODE_DATA_CHANGED', path: '/a' }`. */
export interface WatchEvent {
  type: string
  path: string
}

export type Watcher = (event: WatchEvent) => void

function toWatchEvent(event: Event): WatchEvent {
  return { type: event.getName(), path: event.getPath() }
}

/** Options of {@link connectNzk}. */
export interface NzkOptions {
  /** Requested session timeout in ms. @defaultValue 10000 */
  sessionTimeoutMs?: number
  /** Resume this session (with sessionPassword). */
  sessionId?: Buffer
  sessionPassword?: Buffer
  /** Resolve on `expired` instead of rejecting (for the wrong-password check). */
  expectExpired?: boolean
}

/** A connected node-zookeeper-client session. */
export class NzkClient {
  readonly states: string[] = []

  constructor(readonly raw: Client) {
    raw.on('state', (state) => this.states.push(state.name))
  }

  get sessionId(): Buffer {
    return this.raw.getSessionId()
  }

  /** The session id as ZooKeeper prints it (0x...), equal to a Stat's ephemeralOwner. */
  get sessionIdHex(): string {
    return this.raw.getSessionId().toString('hex')
  }

  get sessionPassword(): Buffer {
    return this.raw.getSessionPassword()
  }

  get sessionTimeoutMs(): number {
    return this.raw.getSessionTimeout()
  }

  /** Resolves when the client next emits `state` with this name ('SYNC_CONNECTED', 'EXPIRED', ...). */
  nextState(name: string, timeoutMs = 15_000): Promise<void> {
    const { promise, resolve } = deferred<void>()
    const listener = (state: { name: string }): void => {
      if (state.name === name) {
        this.raw.removeListener('state', listener)
        resolve()
      }
    }
    this.raw.on('state', listener)
    return withTimeout(promise, timeoutMs, `state ${name}`)
  }

  private call<T>(what: string, run: (done: (error: unknown, value?: T) => void) => void): Promise<T> {
    const result = new Promise<T>((resolve, reject) => {
      run((error, value) => (error ? reject(described(what, error)) : resolve(value as T)))
    })
    return withTimeout(result, requestTimeoutMs, what)
  }

  create(path: string, data?: Buffer | string, mode = 0, acls?: ACL[]): Promise<string> {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data
    // The typings miss create(path, data | undefined, acls, mode, cb), which the client accepts.
    const create = this.raw.create.bind(this.raw) as unknown as (
      path: string,
      data: Buffer | undefined,
      acls: ACL[],
      mode: number,
      cb: (error: unknown, path: string) => void,
    ) => void
    return this.call(`create ${path}`, (done) => create(path, bytes, acls ?? openAclUnsafe(), mode, (e, p) => done(e, p)))
  }

  getData(path: string, watcher?: Watcher): Promise<{ data: Buffer | undefined; stat: Stat }> {
    return this.call(`getData ${path}`, (done) => {
      const cb = (e: unknown, data: Buffer, stat: Stat): void => done(e, { data: data ?? undefined, stat })
      if (watcher) this.raw.getData(path, (event) => watcher(toWatchEvent(event)), cb)
      else this.raw.getData(path, cb)
    })
  }

  setData(path: string, data: Buffer | string, version = -1): Promise<Stat> {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data
    return this.call(`setData ${path}`, (done) => this.raw.setData(path, bytes, version, (e, s) => done(e, s)))
  }

  exists(path: string, watcher?: Watcher): Promise<Stat | null> {
    return this.call(`exists ${path}`, (done) => {
      const cb = (e: unknown, stat: Stat): void => done(e, stat ?? null)
      if (watcher) this.raw.exists(path, (event) => watcher(toWatchEvent(event)), cb)
      else this.raw.exists(path, cb)
    })
  }

  getChildren(path: string, watcher?: Watcher): Promise<{ children: string[]; stat: Stat }> {
    return this.call(`getChildren ${path}`, (done) => {
      const cb = (e: unknown, children: string[], stat: Stat): void => done(e, { children, stat })
      if (watcher) this.raw.getChildren(path, (event) => watcher(toWatchEvent(event)), cb)
      else this.raw.getChildren(path, cb)
    })
  }

  delete(path: string, version = -1): Promise<void> {
    return this.call(`delete ${path}`, (done) => this.raw.remove(path, version, (e) => done(e)))
  }

  getACL(path: string): Promise<{ acls: ACL[]; stat: Stat }> {
    return this.call(`getACL ${path}`, (done) => this.raw.getACL(path, (e, acls, stat) => done(e, { acls, stat })))
  }

  setACL(path: string, acls: ACL[], version = -1): Promise<Stat> {
    return this.call(`setACL ${path}`, (done) => this.raw.setACL(path, acls, version, (e, s) => done(e, s)))
  }

  /** addauth; the server answers only on failure, so a following request confirms it. */
  addAuth(scheme: string, auth: string): void {
    this.raw.addAuthInfo(scheme, Buffer.from(auth))
  }

  /** multi: resolves with the per-op results; rejects with `{ error, results }` when an op failed. */
  multi(build: (t: zookeeper.Transaction) => zookeeper.Transaction): Promise<MultiOutcome> {
    return this.call('multi', (done) =>
      build(this.raw.transaction()).commit((error, results: MultiResult[]) =>
        done(undefined, { error: error ? errorNames[(error as { code: number }).code] : undefined, results }),
      ),
    )
  }

  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      if (this.raw.getState().name === 'DISCONNECTED' || this.states.includes('EXPIRED')) return resolve()
      this.raw.once('disconnected', () => resolve())
      this.raw.close()
    })
    return withTimeout(closed, 10_000, 'the client to close')
  }
}

/** One op's result in a multi reply as node-zookeeper-client returns it. */
export interface MultiResult {
  type: number
  path?: string
  stat?: Stat
  err?: number
}

export interface MultiOutcome {
  /** The first failing op's error name, undefined when all applied. */
  error: string | undefined
  results: MultiResult[]
}

/** world:anyone with every permission (ZooDefs.Ids.OPEN_ACL_UNSAFE). */
export function openAclUnsafe(): ACL[] {
  return [new zookeeper.ACL(zookeeper.Permission.ALL, new zookeeper.Id('world', 'anyone'))]
}

/**
 * ACLs as plain data. The client keeps the permission bits in `permission` (its typings say `perms`).
 */
export function aclView(acls: ACL[]): Array<{ perms: number; scheme: string; id: string }> {
  return acls.map((acl) => ({
    perms: (acl as unknown as { permission: number }).permission,
    scheme: acl.id.scheme,
    id: acl.id.id,
  }))
}

/** Connects a node-zookeeper-client session and resolves once it is SyncConnected. */
export async function connectNzk(connectString: string, options: NzkOptions = {}): Promise<NzkClient> {
  const raw = zookeeper.createClient(connectString, {
    sessionTimeout: options.sessionTimeoutMs ?? 10_000,
    spinDelay: 100,
    retries: 0,
    ...(options.sessionId ? { sessionId: options.sessionId, sessionPassword: options.sessionPassword } : {}),
  } as Partial<zookeeper.Option>)
  const client = new NzkClient(raw)
  const connected = new Promise<void>((resolve, reject) => {
    raw.once('connected', () => resolve())
    raw.once('expired', () => (options.expectExpired ? resolve() : reject(new Error('session expired on connect'))))
    raw.once('authenticationFailed', () => reject(new Error('authentication failed on connect')))
  })
  raw.connect()
  try {
    await withTimeout(connected, connectTimeoutMs, `node-zookeeper-client to connect to ${connectString}`)
  } catch (error) {
    raw.close()
    throw error
  }
  return client
}

/** `digest` ids as ZooKeeper computes them: user:base64(sha1(user:password)). */
export { digestId } from './digest.js'
