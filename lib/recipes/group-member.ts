/**
 * GroupMember (Curator's recipe of the same name): membership of a group as an ephemeral node
 * `<membershipPath>/<id>` holding the member's payload, kept by a {@link PersistentNode}, and the
 * group's members read from a {@link PathChildrenCache} of the membership path. A Curator
 * GroupMember on the same path is a member of the same group.
 * @module
 */
import type { Data, ZooKeeperClient } from '../client/index.js'
import { validatePath } from '../path.js'
import { CreateMode } from '../protocol/create-mode.js'
import { PathChildrenCache } from './curator-cache.js'
import { Listeners } from './internal/listeners.js'
import { join, nameOf } from './internal/nodes.js'
import { PersistentNode } from './persistent-node.js'

/** Options of {@link GroupMember}. */
export interface GroupMemberOptions {
  /** As {@link PersistentNodeOptions.newSession}: rejoin in a new session after an expiry. */
  newSession?: () => Promise<ZooKeeperClient>
}

/** This process's membership of a group, and its view of the other members. */
export class GroupMember {
  private readonly node: PersistentNode
  private cache: PathChildrenCache
  private payload: Uint8Array
  private readonly listeners = new Listeners<Map<string, Uint8Array>>()

  /** Member `id` of the group at `membershipPath`, with `payload`; call start(). */
  constructor(
    client: ZooKeeperClient,
    /** The group's directory. */
    readonly membershipPath: string,
    /** This member's id: the name of its node. */
    readonly id: string,
    payload: Data = new Uint8Array(),
    options: GroupMemberOptions = {},
  ) {
    validatePath(membershipPath)
    validatePath(join(membershipPath, id))
    this.payload = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload
    this.node = new PersistentNode(client, join(membershipPath, id), this.payload, { mode: CreateMode.EPHEMERAL, ...options })
    this.cache = this.cacheOn(client)
  }

  /** Joins the group and starts following its members; resolves once both are done. */
  async start(signal?: AbortSignal): Promise<void> {
    this.node.start()
    // After an expiry the node moves to a new session; the view of the group follows it there.
    this.node.onCreated(() => {
      if (this.node.session === this.cache.client) return
      this.cache.close()
      this.cache = this.cacheOn(this.node.session)
      void this.cache.start().catch(() => {})
    })
    await this.node.waitForInitialCreate(signal)
    await this.cache.start()
  }

  private cacheOn(client: ZooKeeperClient): PathChildrenCache {
    const cache = new PathChildrenCache(client, this.membershipPath)
    cache.on((event) => event.type !== 'initialized' && this.listeners.emit(this.currentMembers()))
    return cache
  }

  /** Changes this member's payload. */
  async setPayload(payload: Data): Promise<void> {
    this.payload = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload
    await this.node.setData(this.payload)
  }

  /** The members as last seen, id to payload; this member is always among them (Curator's getCurrentMembers). */
  currentMembers(): Map<string, Uint8Array> {
    const members = new Map<string, Uint8Array>()
    for (const child of this.cache.currentData()) members.set(nameOf(child.path), child.data)
    members.set(this.id, this.payload)
    return members
  }

  /** Called after every change of the membership; returns the unsubscribe function. */
  on(listener: (members: Map<string, Uint8Array>) => void): () => void {
    return this.listeners.on(listener)
  }

  /** Leaves the group (deletes the node) and stops following it. */
  async close(): Promise<void> {
    this.cache.close()
    await this.node.close()
  }
}
