/**
 * The set-up most interop files share: one server of a target and one node-zookeeper-client on
 * it for the whole describe block.
 * @module
 */
import { afterAll, beforeAll } from 'vitest'
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
