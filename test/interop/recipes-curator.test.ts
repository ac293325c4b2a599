// Method: Apache Curator 5 (Debian's libcurator-recipes-java, run by java/CuratorInterop.java in its own JVM and sessions) and Paddock's recipes over the TCP client share a lock and a latch on each target; an ephemeral "inside" node and an unversioned counter detect two holders at once.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ZooKeeperError, type ZooKeeperClient } from '../../lib/index.js'
import { LeaderLatch, Lock } from '../../lib/recipes/index.js'
import { withPaddockClients } from './harness/fixtures.js'
import { targets, type RunningServer } from './harness/targets.js'

const curatorJar = '/usr/share/java/curator-recipes.jar'
const missing = existsSync(curatorJar) ? undefined : `${curatorJar} is missing (apt-get install libcurator-recipes-java)`
if (missing !== undefined) console.warn(`interop: skipping the recipe checks against Curator: ${missing}`)

const program = fileURLToPath(new URL('java/CuratorInterop.java', import.meta.url))
const javaTimeoutMs = 55_000
const nodeSessions = 3
const javaThreads = 3
const rounds = 15
const holdMs = 3

/** Runs the Java side; `onLine` sees each JSON line as it comes; resolves with the last one. */
function runCurator<T>(args: string[], onLine: (line: Record<string, unknown>) => void = () => {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn('java', ['-cp', '/usr/share/java/*', program, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    const timer = setTimeout(() => child.kill('SIGKILL'), javaTimeoutMs)
    let out = ''
    let err = ''
    let last: unknown
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const lines = out.split('\n')
      out = lines.pop() ?? ''
      for (const line of lines.filter((l) => l.startsWith('{'))) onLine((last = JSON.parse(line)) as Record<string, unknown>)
    })
    child.stderr.on('data', (chunk: Buffer) => void (err += chunk.toString()))
    child.on('close', (code) => {
      clearTimeout(timer)
      if (code === 0 && last !== undefined) resolve(last as T)
      else reject(new Error(`CuratorInterop ${args.join(' ')} exited ${code}:\n${err.slice(-4000)}`))
    })
  })
}

/** Resolves once `path` has at least `count` children, watching rather than polling the server. */
async function children(zk: ZooKeeperClient, path: string, count: number): Promise<void> {
  for (let look = 0; look < 600; look++) {
    let changed!: () => void
    const next = new Promise<void>((resolve) => (changed = resolve))
    if ((await zk.getChildren(path, { watch: () => changed() })).length >= count) return
    await Promise.race([next, new Promise((resolve) => setTimeout(resolve, 100))])
  }
  throw new Error(`${path} never had ${count} children`)
}

async function contend(zk: ZooKeeperClient, paths: { lock: string; inside: string; counter: string }): Promise<number> {
  let violations = 0
  const lock = new Lock(zk, paths.lock)
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

describe.skipIf(missing !== undefined).each(targets)('$name: Paddock recipes with Apache Curator', (target) => {
  let server: RunningServer
  let clients: ZooKeeperClient[] = []

  withPaddockClients(target, nodeSessions, (s, c) => {
    server = s
    clients = c
  })

  it('keeps Paddock Lock and Curator InterProcessMutex holders mutually exclusive on one path', async () => {
    const paths = { lock: '/curator-lock/shared', inside: '/curator-lock/inside', counter: '/curator-lock/counter' }
    const [first] = clients as [ZooKeeperClient]
    await first.create('/curator-lock')
    await first.create(paths.counter, '0')
    await first.create(paths.lock)
    const java = runCurator<{ violations: number; rounds: number; finished: boolean }>([server.connectString, 'contend', paths.lock, paths.inside, paths.counter, String(javaThreads), String(rounds)])
    await children(first, paths.lock, 1) // Curator is in the line: both sides overlap
    const ours = await Promise.all(clients.map((zk) => contend(zk, paths)))
    expect(await java).toEqual({ violations: 0, rounds: javaThreads * rounds, finished: true })
    expect(ours).toEqual([0, 0, 0])
    expect(Number(new TextDecoder().decode((await first.getData(paths.counter)).data))).toBe((nodeSessions + javaThreads) * rounds)
  })

  it('runs one LeaderLatch election with Curator: the Node leader is seen by Java, and Java leads after it closes', async () => {
    const [first] = clients as [ZooKeeperClient]
    const latch = new LeaderLatch(first, '/curator-latch', { id: 'node' })
    latch.start()
    await latch.await(AbortSignal.timeout(10_000))
    let joined!: () => void
    const javaJoined = new Promise<void>((resolve) => (joined = resolve))
    const java = runCurator<Record<string, unknown>>([server.connectString, 'latch', '/curator-latch', 'java'], (line) => line['joined'] === true && joined())
    await javaJoined
    expect((await latch.participants()).map((p) => p.id)).toEqual(['node', 'java'])
    await latch.close()
    const result = await java
    expect(result).toMatchObject({ participantsAtStart: ['node', 'java'], leaderAtStart: 'node', leadingAtStart: false, becameLeader: true })
    expect(result['ourPath']).toMatch(/^\/curator-latch\/_c_[0-9a-f-]{36}-latch-\d{10}$/)
  })
})
