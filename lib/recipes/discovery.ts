/**
 * Service discovery with the layout of Curator's x-discovery: each instance is an ephemeral
 * `<basePath>/<serviceName>/<instanceId>` holding the instance as JSON (Curator's
 * JsonInstanceSerializer field names), so Java and Node services can find each other.
 * @module
 */
import { randomUUID } from 'node:crypto'
import type { ZooKeeperClient } from '../client/index.js'
import { ZooKeeperError } from '../errors.js'
import { validatePath } from '../path.js'
import { CreateMode } from '../protocol/create-mode.js'
import { TreeCache } from './cache.js'
import { Listeners } from './internal/listeners.js'
import { ensurePath, join } from './internal/nodes.js'
import { hasCode, retrying, sessionEnded } from './internal/session.js'
import type { Lease } from './lease.js'
import { PersistentNode } from './persistent-node.js'

/** Curator's ServiceType. Paddock registers DYNAMIC instances (ephemeral nodes). */
export type ServiceType = 'DYNAMIC' | 'STATIC' | 'PERMANENT' | 'DYNAMIC_SEQUENTIAL'

/** One registered instance, as Curator's ServiceInstance serialises it. */
export interface ServiceInstance<P = unknown> {
  /** The service name. */
  name: string
  /** The instance id, unique within the service. */
  id: string
  /** Host name or address. */
  address: string | null
  /** Port, if any. */
  port: number | null
  /** TLS port, if any. */
  sslPort: number | null
  /** Application data. Curator's serializer adds the payload's Java class as `@class` to an object payload. */
  payload: P | null
  /** Registration time, ms since the Unix epoch. */
  registrationTimeUTC: number
  /** How the instance is kept. */
  serviceType: ServiceType
  /** Curator's UriSpec, passed through unread. */
  uriSpec: unknown
  /** False when the instance asks not to be used; absent means enabled (Curator 5.4 writes none). */
  enabled?: boolean
}

/** What {@link ServiceDiscovery.register} needs; the rest gets defaults. */
export interface ServiceRegistration<P = unknown> {
  /** The service name. */
  name: string
  /** The instance id. @defaultValue a random UUID */
  id?: string
  /** Host name or address. */
  address?: string
  /** Port. */
  port?: number
  /** TLS port. */
  sslPort?: number
  /** Application data (must survive JSON). */
  payload?: P
}

/** A registered instance: its signal aborts when the registration is lost for good (the session ended, no `newSession`). */
export interface Registration<P = unknown> extends Lease {
  /** The instance as registered. */
  readonly instance: ServiceInstance<P>
}

/** Options of {@link ServiceDiscovery}. */
export interface ServiceDiscoveryOptions {
  /** The clock for registrationTimeUTC, in ms since the epoch. @defaultValue Date.now */
  now?: () => number
  /**
   * Opens a new session once the current one has ended, so registrations are made again there
   * (Curator re-registers after a new session). Sessions opened this way belong to their
   * registration and are closed by its release(); queries use the newest of them once the
   * original session has ended.
   */
  newSession?: () => Promise<ZooKeeperClient>
}

/** A registration kept by a {@link PersistentNode}. */
class KeptRegistration<P> implements Registration<P> {
  private readonly controller = new AbortController()
  private released = false

  constructor(
    private readonly node: PersistentNode,
    readonly path: string,
    readonly instance: ServiceInstance<P>,
    private readonly onRelease: () => void,
  ) {
    node.onEnded((reason) => this.controller.abort(reason))
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  get held(): boolean {
    return !this.released && !this.controller.signal.aborted
  }

  async release(): Promise<void> {
    if (this.released) return
    this.released = true
    this.onRelease()
    await this.node.close()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release()
  }
}

/** Registers instances and queries them under `basePath`. */
export class ServiceDiscovery {
  /** A discovery root at `basePath` (created on first registration). */
  // Registrations kept now: after an expiry their sessions are the live ones (see `client`).
  private readonly kept = new Set<PersistentNode>()

  constructor(
    private readonly original: ZooKeeperClient,
    /** The root of all services. */
    readonly basePath: string,
    private readonly options: ServiceDiscoveryOptions = {},
  ) {
    validatePath(basePath)
  }

  /**
   * Registers an instance as an ephemeral node, kept as Curator's ServiceDiscovery keeps it:
   * registered again when the node is deleted, after a reconnect, and (with `newSession`) in a
   * new session after an expiry. The registration's signal aborts only when it is lost for good
   * (the session ended with no `newSession`). NODEEXISTS when another session holds the id.
   */
  async register<P>(registration: ServiceRegistration<P>, signal?: AbortSignal): Promise<Registration<P>> {
    const instance = this.instanceOf(registration)
    const parent = join(this.basePath, instance.name)
    const path = join(parent, instance.id)
    await ensurePath(this.client, parent, signal, CreateMode.PERSISTENT)
    await retrying(this.client, () => this.createOwn(path, instance), signal)
    const node = new PersistentNode(this.client, path, JSON.stringify(instance), {
      mode: CreateMode.EPHEMERAL,
      ...(this.options.newSession === undefined ? {} : { newSession: this.options.newSession }),
    })
    node.start()
    await node.waitForInitialCreate(signal)
    this.kept.add(node)
    return new KeptRegistration(node, path, instance, () => this.kept.delete(node))
  }

  /**
   * The session queries use: the one given, or once it has ended, the newest live session a
   * registration moved to (with `newSession`).
   */
  private get client(): ZooKeeperClient {
    if (!sessionEnded(this.original.state)) return this.original
    const live = [...this.kept].map((node) => node.session).filter((session) => !sessionEnded(session.state))
    return live.at(-1) ?? this.original
  }

  private instanceOf<P>(registration: ServiceRegistration<P>): ServiceInstance<P> {
    return {
      name: registration.name,
      id: registration.id ?? randomUUID(),
      address: registration.address ?? null,
      port: registration.port ?? null,
      sslPort: registration.sslPort ?? null,
      payload: registration.payload ?? null,
      registrationTimeUTC: (this.options.now ?? Date.now)(),
      serviceType: 'DYNAMIC',
      uriSpec: null,
      enabled: true,
    }
  }

  // A retry after a lost reply meets our own node: NODEEXISTS with our session as owner is success.
  private async createOwn(path: string, instance: ServiceInstance<unknown>): Promise<void> {
    try {
      await this.client.create(path, JSON.stringify(instance), { mode: CreateMode.EPHEMERAL })
    } catch (error) {
      if (!hasCode(error, 'NODEEXISTS')) throw error
      const stat = await this.client.exists(path)
      if (stat?.ephemeralOwner !== this.client.sessionId) {
        throw new ZooKeeperError('NODEEXISTS', { path, message: `Instance ${instance.id} of ${instance.name} is registered by another session: ${path}` })
      }
    }
  }

  /** The names of all services. */
  async queryForNames(): Promise<string[]> {
    return this.childrenOf(this.basePath)
  }

  /** The instances of a service. */
  async queryForInstances<P = unknown>(name: string): Promise<ServiceInstance<P>[]> {
    const found: ServiceInstance<P>[] = []
    for (const id of await this.childrenOf(join(this.basePath, name))) {
      const instance = await this.queryForInstance<P>(name, id)
      if (instance !== undefined) found.push(instance)
    }
    return found
  }

  /** One instance, or undefined. */
  async queryForInstance<P = unknown>(name: string, id: string): Promise<ServiceInstance<P> | undefined> {
    try {
      const { data } = await retrying(this.client, () => this.client.getData(join(join(this.basePath, name), id)))
      return JSON.parse(new TextDecoder().decode(data)) as ServiceInstance<P>
    } catch (error) {
      if (hasCode(error, 'NONODE')) return undefined
      throw error
    }
  }

  /** A live view of a service's instances (Curator's ServiceCache); call start() on it. */
  serviceCache<P = unknown>(name: string): ServiceCache<P> {
    return new ServiceCache<P>(new TreeCache(this.client, join(this.basePath, name), { maxDepth: 1 }))
  }

  private async childrenOf(path: string): Promise<string[]> {
    try {
      return (await retrying(this.client, () => this.client.getChildren(path))).sort()
    } catch (error) {
      if (hasCode(error, 'NONODE')) return []
      throw error
    }
  }
}

/** The instances of one service, kept current by watches. */
export class ServiceCache<P = unknown> {
  private readonly listeners = new Listeners<ServiceInstance<P>[]>()

  /** Wraps a depth-1 TreeCache of the service's directory. */
  constructor(private readonly tree: TreeCache) {
    tree.on((event) => {
      if (event.type === 'nodeAdded' || event.type === 'nodeUpdated' || event.type === 'nodeRemoved') {
        if (event.node.path !== tree.root) this.listeners.emit(this.instances())
      }
    })
  }

  /** Loads the instances and starts following them. */
  start(): Promise<void> {
    return this.tree.start()
  }

  /** The instances as last seen, by id. */
  instances(): ServiceInstance<P>[] {
    const found: ServiceInstance<P>[] = []
    for (const id of this.tree.children(this.tree.root)) {
      const node = this.tree.get(join(this.tree.root, id))
      if (node !== undefined) found.push(JSON.parse(new TextDecoder().decode(node.data)) as ServiceInstance<P>)
    }
    return found
  }

  /** Called with the instance list after every change; returns the unsubscribe function. */
  on(listener: (instances: ServiceInstance<P>[]) => void): () => void {
    return this.listeners.on(listener)
  }

  /** Stops following the service. */
  close(): void {
    this.tree.close()
  }
}
