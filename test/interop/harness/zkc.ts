/**
 * The npm `zookeeper` package (a Node binding of Apache ZooKeeper's own C client) behind
 * promises that keep the C client's return codes.
 * @module
 */
import ZooKeeperModule from 'zookeeper'
import { errorNames } from './nzk.js'
import { withTimeout } from './wait.js'

/** The C client's Stat as the binding returns it. */
export interface CStat {
  czxid: number
  mzxid: number
  pzxid: number
  version: number
  cversion: number
  aversion: number
  ephemeralOwner: string
  dataLength: number
  numChildren: number
}

export interface CAcl {
  perms: number
  scheme: string
  auth: string
}

type Rc = number
type Cb<T extends unknown[]> = (rc: Rc, error: string, ...rest: T) => void
/** A watch callback: (event type, connection state, path), ZOO_*_EVENT constants. */
type WatchCb = (type: number, state: number, path: string) => void

/** The callback API of the binding that the suite uses (its own typings are partial). */
interface NativeClient {
  init(config: object): void
  on(event: 'connect' | 'close' | 'connecting', listener: () => void): void
  once(event: 'connect' | 'close', listener: () => void): void
  close(): void
  client_id: string
  client_password: string
  timeout: number
  a_create(path: string, data: string | Buffer, flags: number, cb: Cb<[string]>): void
  a_createTtl(path: string, data: string | Buffer, flags: number, ttl: number, cb: Cb<[string]>): void
  a_exists(path: string, watch: boolean, cb: Cb<[CStat]>): void
  aw_exists(path: string, watchCb: WatchCb, cb: Cb<[CStat]>): void
  a_get(path: string, watch: boolean, cb: Cb<[CStat, Buffer]>): void
  aw_get(path: string, watchCb: WatchCb, cb: Cb<[CStat, Buffer]>): void
  a_get_children(path: string, watch: boolean, cb: Cb<[string[]]>): void
  aw_get_children(path: string, watchCb: WatchCb, cb: Cb<[string[]]>): void
  a_set(path: string, data: string | Buffer, version: number, cb: Cb<[CStat]>): void
  a_delete_(path: string, version: number, cb: Cb<[]>): void
  a_get_acl(path: string, cb: Cb<[CAcl[], CStat]>): void
  a_set_acl(path: string, version: number, acl: CAcl[], cb: Cb<[]>): void
  add_auth(scheme: string, auth: string, cb: Cb<[]>): void
  a_sync(path: string, cb: Cb<[]>): void
}

interface NativeConstructor {
  new (config: object): NativeClient
  constants: Record<string, number>
}

const ZooKeeper = ZooKeeperModule as unknown as NativeConstructor
/** ZOO_* constants of the C client (flags, events, permissions). */
export const constants = ZooKeeper.constants as Readonly<Record<string, number>>

const requestTimeoutMs = 15_000

/** The C client's watch event names, as ZOO_*_EVENT numbers. */
export function eventName(type: number): string {
  const names: Record<number, string> = {
    [constants['ZOO_CREATED_EVENT'] ?? 1]: 'CREATED',
    [constants['ZOO_DELETED_EVENT'] ?? 2]: 'DELETED',
    [constants['ZOO_CHANGED_EVENT'] ?? 3]: 'CHANGED',
    [constants['ZOO_CHILD_EVENT'] ?? 4]: 'CHILD',
  }
  return names[type] ?? `event ${type}`
}

/** A rejection carrying the C client's rc and ZooKeeper's name for it. */
export class CClientError extends Error {
  constructor(
    readonly what: string,
    readonly rc: number,
  ) {
    super(`${what} failed: ${errorNames[rc] ?? rc}`)
  }

  get codeName(): string {
    return errorNames[this.rc] ?? `rc ${this.rc}`
  }
}

/** The ZooKeeper error name of a rejected C-client call. */
export async function cFailure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    if (error instanceof CClientError) return error.codeName
    throw error
  }
  throw new Error('the request succeeded; an error was expected')
}

/** A connected session of the C client. */
export class CClient {
  constructor(readonly native: NativeClient) {}

  private call<T>(what: string, run: (done: (rc: number, value: T) => void) => void): Promise<T> {
    const result = new Promise<T>((resolve, reject) =>
      run((rc, value) => (rc === 0 ? resolve(value) : reject(new CClientError(what, rc)))),
    )
    return withTimeout(result, requestTimeoutMs, what)
  }

  create(path: string, data: string | Buffer, flags = 0): Promise<string> {
    return this.call(`create ${path}`, (done) => this.native.a_create(path, data, flags, (rc, _e, p) => done(rc, p)))
  }

  createTtl(path: string, data: string | Buffer, flags: number, ttlMs: number): Promise<string> {
    return this.call(`createTtl ${path}`, (done) =>
      this.native.a_createTtl(path, data, flags, ttlMs, (rc, _e, p) => done(rc, p)),
    )
  }

  exists(path: string, watch?: WatchCb): Promise<CStat> {
    return this.call(`exists ${path}`, (done) =>
      watch ? this.native.aw_exists(path, watch, (rc, _e, s) => done(rc, s)) : this.native.a_exists(path, false, (rc, _e, s) => done(rc, s)),
    )
  }

  get(path: string, watch?: WatchCb): Promise<{ stat: CStat; data: Buffer | string }> {
    return this.call(`get ${path}`, (done) => {
      const cb: Cb<[CStat, Buffer]> = (rc, _e, stat, data) => done(rc, { stat, data })
      if (watch) this.native.aw_get(path, watch, cb)
      else this.native.a_get(path, false, cb)
    })
  }

  getChildren(path: string, watch?: WatchCb): Promise<string[]> {
    return this.call(`getChildren ${path}`, (done) => {
      const cb: Cb<[string[]]> = (rc, _e, children) => done(rc, children)
      if (watch) this.native.aw_get_children(path, watch, cb)
      else this.native.a_get_children(path, false, cb)
    })
  }

  set(path: string, data: string | Buffer, version = -1): Promise<CStat> {
    return this.call(`set ${path}`, (done) => this.native.a_set(path, data, version, (rc, _e, s) => done(rc, s)))
  }

  delete(path: string, version = -1): Promise<void> {
    return this.call(`delete ${path}`, (done) => this.native.a_delete_(path, version, (rc) => done(rc, undefined)))
  }

  getAcl(path: string): Promise<CAcl[]> {
    return this.call(`getAcl ${path}`, (done) => this.native.a_get_acl(path, (rc, _e, acl) => done(rc, acl)))
  }

  setAcl(path: string, acl: CAcl[], version = -1): Promise<void> {
    return this.call(`setAcl ${path}`, (done) => this.native.a_set_acl(path, version, acl, (rc) => done(rc, undefined)))
  }

  addAuth(scheme: string, auth: string): Promise<void> {
    return this.call(`addAuth ${scheme}`, (done) => this.native.add_auth(scheme, auth, (rc) => done(rc, undefined)))
  }

  sync(path: string): Promise<void> {
    return this.call(`sync ${path}`, (done) => this.native.a_sync(path, (rc) => done(rc, undefined)))
  }

  get sessionId(): string {
    return this.native.client_id
  }

  get password(): string {
    return this.native.client_password
  }

  close(): void {
    this.native.close()
  }
}

/** Options of {@link connectC}. */
export interface CClientOptions {
  sessionTimeoutMs?: number
  /** Resume this session: its id (hex) and password, as `client_id`/`client_password` give them. */
  clientId?: string
  clientPassword?: string
}

/** Connects the C client and resolves once the session is established. */
export async function connectC(connectString: string, options: CClientOptions = {}): Promise<CClient> {
  const native = new ZooKeeper({
    connect: connectString,
    timeout: options.sessionTimeoutMs ?? 10_000,
    // Level 0 silences the C client's own stderr logging (connection-loss lines the tests provoke).
    debug_level: 0,
    host_order_deterministic: false,
    data_as_buffer: true,
    ...(options.clientId ? { client_id: options.clientId, client_password: options.clientPassword } : {}),
  })
  const connected = new Promise<void>((resolve) => native.once('connect', () => resolve()))
  native.init({})
  await withTimeout(connected, 15_000, `the C client to connect to ${connectString}`)
  return new CClient(native)
}
