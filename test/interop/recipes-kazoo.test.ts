// Method: Paddock's Lock recipe over the TCP client and kazoo's Lock (python/lock_interop.py, its own sessions) contend for one lock path on each target; an ephemeral "inside" node and an unversioned counter detect two holders at once.
import { describe, expect, it } from 'vitest'
import { ZooKeeperError, type ZooKeeperClient } from '../../lib/index.js'
import { Lock, type LockLayout } from '../../lib/recipes/index.js'
import { kazooUnavailableReason, runKazooScript } from './harness/python.js'
import { withPaddockClients } from './harness/fixtures.js'
import { targets, type RunningServer } from './harness/targets.js'

const missing = kazooUnavailableReason()
if (missing !== undefined) console.warn(`interop: skipping the recipe checks against kazoo: ${missing}`)

const nodeSessions = 3
const kazooThreads = 3
const rounds = 15
const holdMs = 3

interface ContendResult {
  violations: number
  rounds: number
  finished: boolean
}

/** One Node contender: the same critical section as the python side. */
async function contend(zk: ZooKeeperClient, layout: LockLayout, paths: { lock: string; inside: string; counter: string }): Promise<number> {
  let violations = 0
  const lock = new Lock(zk, paths.lock, { layout, data: 'paddock' })
  for (let round = 0; round < rounds; round++) {
    const lease = await lock.acquire(AbortSignal.timeout(30_000))
    try {
      await zk.create(paths.inside, 'paddock', { mode: 1 })
    } catch (error) {
      if (!(error instanceof ZooKeeperError && error.code === 'NODEEXISTS')) throw error
      violations++
    }
    const value = Number(new TextDecoder().decode((await zk.getData(paths.counter)).data))
    await new Promise((resolve) => setTimeout(resolve, holdMs))
    await zk.setData(paths.counter, String(value + 1))
    await zk.delete(paths.inside)
    await lease.release()
  }
  return violations
}

/** Resolves once a kazoo contender has a node under `lockPath`, so both sides really overlap. */
async function kazooArrived(zk: ZooKeeperClient, lockPath: string): Promise<void> {
  for (let look = 0; look < 600; look++) {
    let changed!: () => void
    const next = new Promise<void>((resolve) => (changed = resolve))
    if ((await zk.getChildren(lockPath, { watch: () => changed() })).length > 0) return
    await Promise.race([next, new Promise((resolve) => setTimeout(resolve, 100))])
  }
  throw new Error(`no kazoo contender appeared under ${lockPath}`)
}

describe.skipIf(missing !== undefined).each(targets)('$name: Paddock recipes with kazoo', (target) => {
  let server: RunningServer
  let clients: ZooKeeperClient[] = []

  withPaddockClients(target, nodeSessions, (s, c) => {
    server = s
    clients = c
  })

  it('keeps Paddock Lock (kazoo layout) and kazoo Lock holders mutually exclusive on one path', async () => {
    const paths = { lock: '/interop-lock/shared', inside: '/interop-lock/inside', counter: '/interop-lock/counter' }
    const [first] = clients as [ZooKeeperClient]
    await first.create('/interop-lock')
    await first.create(paths.counter, '0')
    await first.create(paths.lock)
    const kazoo = runKazooScript<ContendResult>('lock_interop.py', server.connectString, 'contend', paths.lock, paths.inside, paths.counter, String(kazooThreads), String(rounds))
    await kazooArrived(first, paths.lock)
    const ours = await Promise.all(clients.map((zk) => contend(zk, 'kazoo', paths)))
    const theirs = await kazoo
    expect(theirs).toEqual({ violations: 0, rounds: kazooThreads * rounds, finished: true })
    expect(ours).toEqual([0, 0, 0])
    const total = Number(new TextDecoder().decode((await first.getData(paths.counter)).data))
    expect(total).toBe((nodeSessions + kazooThreads) * rounds)
  })

  it('does not interoperate in the Curator layout: kazoo sorts a _c_<uuid>-lock- node after its own and takes a held lock', async () => {
    const [first] = clients as [ZooKeeperClient]
    const held = await new Lock(first, '/interop-curator/lock').acquire()
    const kazoo = await runKazooScript<{ acquired: boolean; children: string[] }>('lock_interop.py', server.connectString, 'try', '/interop-curator/lock')
    expect(kazoo.children).toHaveLength(2)
    // kazoo keys a name by the text after "__lock__"; ours has none, so its key is a slice of the
    // UUID, which sorts after kazoo's own all-digit key. Both sides then believe they hold the lock.
    expect(kazoo.acquired).toBe(true)
    expect(held.held).toBe(true)
    await held.release()
  })
})
