/**
 * The set-up interop files share: one server of a target and its clients for a whole describe block.
 * @module
 */
import { afterAll, beforeAll } from 'vitest'
import { connect, type ZooKeeperClient } from '../../../lib/index.js'
import { connectNzk, type NzkClient } from './nzk.js'
import { defaultSettings, hookTimeoutMs, type RunningServer, type Target } from './targets.js'

/** Starts `target` and a client before the block's tests (handing both to `ready`) and stops them after. */
export function withNzkServer(target: Target, ready: (server: RunningServer, client: NzkClient) => void): void {
  let server: RunningServer | undefined
  let client: NzkClient | undefined
  beforeAll(async () => {
    server = await target.start(defaultSettings)
    client = await connectNzk(server.connectString)
    ready(server, client)
  }, hookTimeoutMs)
  afterAll(async () => {
    await client?.close()
    await server?.stop()
  }, hookTimeoutMs)
}

/**
 * Starts `target` and `count` Paddock TCP clients on it before the block's tests (handing them to
 * `ready`) and closes them after.
 */
export function withPaddockClients(target: Target, count: number, ready: (server: RunningServer, clients: ZooKeeperClient[]) => void): void {
  let server: RunningServer | undefined
  let clients: ZooKeeperClient[] = []
  beforeAll(async () => {
    server = await target.start(defaultSettings)
    const connectString = server.connectString
    clients = await Promise.all(Array.from({ length: count }, () => connect(connectString, { sessionTimeoutMs: 10_000 })))
    ready(server, clients)
  }, hookTimeoutMs)
  afterAll(async () => {
    await Promise.all(clients.map((zk) => zk.close()))
    await server?.stop()
  }, hookTimeoutMs)
}
