// Method: a three-member Paddock ensemble in one process (MemoryHub, real client ports on
// loopback, readonlymode.enabled) loses two members; kazoo with read_only=True (Debian
// python3-kazoo) reads from the survivor and gets NotReadOnlyCallError on writes. Paddock only:
// the harness runs no Apache ZooKeeper ensemble.
import { afterAll, describe, expect, it } from 'vitest'
import type { ServerSpec } from '../../lib/config/zoo-cfg.js'
import { MemoryHub } from '../../lib/peer/memory.js'
import { startMember } from '../../lib/host/server.js'
import type { MemberServer } from '../../lib/host/types.js'
import { connect } from '../../lib/client/tcp.js'
import { createMemoryDb, createMemoryStorage } from '../../storage/index.js'
import { kazooUnavailableReason, runKazooScript } from './harness/python.js'
import { freePorts } from './harness/ports.js'

const missing = kazooUnavailableReason()
if (missing !== undefined && process.env['CI'] === 'true') throw new Error(`interop: kazoo is required in CI: ${missing}`)
if (missing !== undefined) console.warn(`interop: skipping the kazoo read-only checks: ${missing}`)

const quiet = { info() {}, error() {}, debug() {}, warn() {} }
const running: MemberServer[] = []
afterAll(async () => {
  for (const m of running.splice(0)) await m.close()
})

async function waitFor(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe.skipIf(missing !== undefined)('Paddock: kazoo read_only=True', () => {
  it('reads from a member that lost its quorum and gets NotReadOnlyCallError on writes', async () => {
    const hub = new MemoryHub()
    const ports = await freePorts(3)
    const servers: ServerSpec[] = ports.map((_, i) => ({ id: i + 1, host: '127.0.0.1', quorumPort: 1, electionPort: 2, role: 'participant', clientAddress: undefined, clientPort: undefined }))
    const members = await Promise.all(
      servers.map((s) =>
        startMember({ myid: s.id, servers, hub, storage: createMemoryStorage({ db: createMemoryDb(), logger: quiet }), port: ports[s.id - 1], tickTimeMs: 200, logger: quiet, clientPortLogger: quiet, seed: s.id, readOnlyModeEnabled: true }),
      ),
    )
    running.push(...members)
    await Promise.all(members.map((m) => m.waitUntilServing(20_000)))
    const zk = await connect(ports.map((p) => `127.0.0.1:${p}`).join(','))
    await zk.create('/kz-ro', 'stale-ok')
    await zk.close()
    const survivor = members.find((m) => m.mode === 'follower')!
    for (const m of members.filter((m) => m !== survivor)) {
      running.splice(running.indexOf(m), 1)
      await m.close()
    }
    await waitFor(() => survivor.mode === 'read-only', 'the survivor turns read-only', 15_000)

    const out = await runKazooScript<Record<string, unknown>>('read_only.py', `127.0.0.1:${ports[members.indexOf(survivor)]}`, '/kz-ro')
    expect(out['client_state']).toBe('CONNECTED_RO')
    expect(out['connected']).toBe(true)
    expect(out['data']).toBe('stale-ok')
    expect(out['version']).toBe(0)
    expect(out['children']).toContain('kz-ro')
    expect(out['create']).toBe('NotReadOnlyCallError')
    expect(out['set']).toBe('NotReadOnlyCallError')
    expect(out['delete']).toBe('NotReadOnlyCallError')
  }, 60_000)
})
