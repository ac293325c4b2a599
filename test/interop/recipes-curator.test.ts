// Method: Apache Curator 5 (Debian's libcurator-recipes-java, run by java/CuratorInterop.java in its own JVM and sessions) and Paddock's recipes over the TCP client share a lock and a latch on each target (an ephemeral "inside" node and an unversioned counter detect two holders at once), then, in one more JVM run, a re-entrant revocable mutex, a semaphore mutex, the four queues both ways and a SharedCount, step by step through signal nodes; and, with Curator x-discovery (java/CuratorDiscovery.java), service instances registered and found both ways.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { ZooKeeperError, type ZooKeeperClient } from '../../lib/index.js'
import {
  attemptRevoke,
  Barrier,
  DoubleBarrier,
  SharedCounter,
  CuratorCache,
  GroupMember,
  DistributedDelayQueue,
  DistributedIdQueue,
  DistributedPriorityQueue,
  DistributedQueue,
  LeaderLatch,
  Lock,
  Semaphore,
  SemaphoreMutex,
  ServiceDiscovery,
  SharedCount,
  type Lease,
} from '../../lib/recipes/index.js'
import { withPaddockClients } from './harness/fixtures.js'
import { targets, type RunningServer } from './harness/targets.js'

const curatorJar = '/usr/share/java/curator-recipes.jar'
const missing = existsSync(curatorJar) ? undefined : `${curatorJar} is missing (apt-get install libcurator-recipes-java)`
if (missing !== undefined) console.warn(`interop: skipping the recipe checks against Curator: ${missing}`)

const program = fileURLToPath(new URL('java/CuratorInterop.java', import.meta.url))
const discoveryJar = '/usr/share/java/curator-x-discovery.jar'
const discoveryMissing = existsSync(discoveryJar) ? missing : `${discoveryJar} is missing (apt-get install libcurator-discovery-java)`
if (discoveryMissing !== undefined && missing === undefined) console.warn(`interop: skipping the service discovery check against Curator: ${discoveryMissing}`)
const discoveryProgram = fileURLToPath(new URL('java/CuratorDiscovery.java', import.meta.url))
const javaTimeoutMs = 55_000
const nodeSessions = 3
const javaThreads = 3
const rounds = 15
const holdMs = 3

/**
 * Compiles CuratorInterop.java once per file run: the JVM's source-file mode recompiles it on
 * every start (about 5 s on a loaded 2-core machine), the compiled class starts in under 1 s.
 */
let compiled: Promise<string> | undefined
function compiledClasses(): Promise<string> {
  compiled ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'curator-interop-'))
    await new Promise<void>((resolve, reject) => {
      const programs = discoveryMissing === undefined ? [program, discoveryProgram] : [program]
      const javac = spawn('javac', ['-nowarn', '-d', dir, '-cp', '/usr/share/java/*', ...programs], { stdio: ['ignore', 'ignore', 'pipe'] })
      let err = ''
      javac.stderr.on('data', (chunk: Buffer) => void (err += chunk.toString()))
      javac.on('error', reject)
      javac.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`javac ${program} exited ${code}:\n${err.slice(-4000)}`))))
    })
    return dir
  })()
  return compiled
}

afterAll(async () => {
  const dir = await compiled?.catch(() => undefined)
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

/** Runs the Java side (`mainClass`); `onLine` sees each JSON line as it comes; resolves with the last one. */
async function runCurator<T>(args: string[], onLine: (line: Record<string, unknown>) => void = () => {}, mainClass = 'CuratorInterop'): Promise<T> {
  const classes = await compiledClasses()
  return new Promise((resolve, reject) => {
    const child = spawn('java', ['-cp', `${classes}${delimiter}/usr/share/java/*`, mainClass, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
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
      else reject(new Error(`${mainClass} ${args.join(' ')} exited ${code}:\n${err.slice(-4000)}`))
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

/** One JVM run of a stepped mode: each `{"step":NAME}` line it prints is handed to step(NAME). */
class CuratorRun {
  private readonly seen = new Map<string, Record<string, unknown>>()
  private readonly waiting = new Map<string, (line: Record<string, unknown>) => void>()
  /** Settles when the JVM exits: with its last line, or rejecting with its stderr. */
  readonly done: Promise<Record<string, unknown>>

  constructor(args: string[], mainClass?: string) {
    this.done = runCurator<Record<string, unknown>>(args, (line) => this.onLine(line), mainClass)
    this.done.catch(() => {}) // step() reports the failure to whichever test waits
  }

  /** The line of step `name`, once printed; rejects if the JVM exits first. */
  step(name: string): Promise<Record<string, unknown>> {
    const line = this.seen.get(name)
    if (line !== undefined) return Promise.resolve(line)
    return Promise.race([new Promise<Record<string, unknown>>((resolve) => this.waiting.set(name, resolve)), this.done.then(() => Promise.reject(new Error(`the Java side ended without step ${name}`)))])
  }

  private onLine(line: Record<string, unknown>): void {
    const name = String(line['step'])
    this.seen.set(name, line)
    this.waiting.get(name)?.(line)
  }
}

const text = (bytes: Uint8Array | undefined): string => new TextDecoder().decode(bytes)

/** Resolves once `path` exists, watching rather than polling the server. */
async function exists(zk: ZooKeeperClient, path: string): Promise<void> {
  for (let look = 0; look < 400; look++) {
    let changed!: () => void
    const next = new Promise<void>((resolve) => (changed = resolve))
    if ((await zk.exists(path, { watch: () => changed() })) !== null) return
    await Promise.race([next, new Promise((resolve) => setTimeout(resolve, 100))])
  }
  throw new Error(`${path} never appeared`)
}

describe.skipIf(missing !== undefined).each(targets)('$name: Paddock and Curator share recipe state', (target) => {
  const base = '/curator-shared'
  let server: RunningServer
  let zk: ZooKeeperClient
  let java: CuratorRun

  withPaddockClients(target, 1, (s, c) => {
    server = s
    zk = c[0] as ZooKeeperClient
  })

  const signal = (name: string): Promise<string> => zk.create(`${base}/sig/${name}`)
  const awaitSignal = (name: string): Promise<void> => exists(zk, `${base}/sig/${name}`)

  it('shares a re-entrant, revocable InterProcessMutex: each side revokes the other\'s double hold on one node', async () => {
    await zk.create(base)
    await zk.create(`${base}/sig`)
    java = new CuratorRun([server.connectString, 'shared', base])
    await awaitSignal('j-holds')
    const held = await java.step('javaHoldsTwice')
    const javaNodes = held['participants'] as string[]
    expect(javaNodes).toHaveLength(1) // two acquires, one node
    expect(held['dataBytes']).toBe(0) // a revocable Curator lock node starts empty, as ours
    const leases: Lease[] = []
    const lock = new Lock(zk, `${base}/lock`, { reentrant: true, onRevocationRequested: () => void Promise.all(leases.map((lease) => lease.release())) })
    expect(await lock.tryAcquire()).toBeUndefined()
    const acquiring = lock.acquire(AbortSignal.timeout(20_000))
    await attemptRevoke(zk, javaNodes[0] as string)
    leases.push(await acquiring)
    expect(await java.step('javaRevoked')).toMatchObject({ asked: true, heldAfterOneRelease: true })
    leases.push(await lock.acquire())
    expect(leases[1]?.path).toBe(leases[0]?.path)
    expect(lock.holdCount).toBe(2)
    expect(await lock.participants()).toEqual([leases[0]?.path])
    await signal('n-holds')
    expect(await java.step('javaReacquired')).toMatchObject({ acquired: true, participantsBefore: [leases[0]?.path] })
    expect(lock.holdCount).toBe(0)
  })

  it('shares an InterProcessSemaphoreMutex: neither side gets in while the other holds', async () => {
    await awaitSignal('j-smutex')
    const mutex = new SemaphoreMutex(zk, `${base}/smutex`)
    expect(await mutex.tryAcquire()).toBeUndefined()
    const acquiring = mutex.acquire(AbortSignal.timeout(20_000))
    await signal('n-smutex-waiting')
    const lease = await acquiring
    await signal('n-smutex-holds')
    await awaitSignal('j-smutex-tried')
    expect(await java.step('javaSemaphoreMutex')).toMatchObject({ acquiredWhileNodeHeld: false })
    await lease.release()
  })

  it('shares an InterProcessSemaphoreV2 of 2 leases: Java holds one, Paddock the other, and nobody gets a third', async () => {
    await awaitSignal('j-sem')
    const semaphore = new Semaphore(zk, `${base}/sem`, 2)
    const lease = await semaphore.tryAcquire()
    expect(lease?.held).toBe(true)
    expect(await semaphore.tryAcquire()).toBeUndefined()
    await signal('n-sem')
    expect(await java.step('javaSemaphore')).toMatchObject({ thirdLeaseGranted: false })
    await lease?.release()
  })

  it('consumes what Curator\'s four queues produce, in Curator\'s order, and Curator consumes what Paddock produces', async () => {
    await awaitSignal('j-queued')
    const queued = await java.step('javaQueued')
    expect(queued['names']).toEqual(expect.arrayContaining([expect.stringMatching(/^queue-0FFFFFFFF\d{10}$/), expect.stringMatching(/^queue-100000005\d{10}$/), expect.stringMatching(/^queue-\|x_y\|\d{10}$/), expect.stringMatching(/^queue-\|[0-9A-F]{8,}\|\d{10}$/)]))
    const fifo = new DistributedQueue(zk, `${base}/q-j2n`)
    const fromFifo = []
    for (let i = 0; i < 4; i++) fromFifo.push(text(await fifo.take(AbortSignal.timeout(10_000))))
    expect(fromFifo).toEqual(['j1', 'j2', 'j3', 'j4'])
    const prio = new DistributedPriorityQueue(zk, `${base}/pq-j2n`)
    expect([text(await prio.poll()), text(await prio.poll()), text(await prio.poll()), await prio.poll()]).toEqual(['pm1', 'p0', 'p5', undefined])
    expect(text(await new DistributedDelayQueue(zk, `${base}/dq-j2n`).take(AbortSignal.timeout(10_000)))).toBe('jd')
    expect(Date.now()).toBeGreaterThanOrEqual(queued['due'] as number)
    const ids = new DistributedIdQueue(zk, `${base}/id-j2n`)
    expect(await ids.contains('x/y')).toBe(true)
    expect(text(await ids.poll())).toBe('ji')

    await new DistributedQueue(zk, `${base}/q-n2j`).put('n1')
    await new DistributedQueue(zk, `${base}/q-n2j`).putMulti(['n2', 'n3'])
    const ourPrio = new DistributedPriorityQueue(zk, `${base}/pq-n2j`)
    await ourPrio.put('p7', 7)
    await ourPrio.put('pm3', -3)
    await ourPrio.put('p0', 0)
    const ourIds = new DistributedIdQueue(zk, `${base}/id-n2j`)
    await ourIds.put('i1', 'a')
    await ourIds.put('i2', 'b')
    await ourIds.put('i3', 'c')
    expect(await ourIds.remove('b')).toBe(1)
    await new DistributedDelayQueue(zk, `${base}/dq-n2j`).put('d1', Date.now() + 300)
    await signal('n-queued')
    expect(await java.step('javaConsumed')).toMatchObject({ fifo: ['n1', 'n2', 'n3'], priority: ['pm3', 'p0', 'p7'], ids: ['i1', 'i3'], delay: ['d1'], delayHonoured: true })
  })

  it('shares a SharedCount: 25 versioned increments from each side make 50, seen by both', async () => {
    await awaitSignal('j-count')
    const count = new SharedCount(zk, `${base}/count`, 0)
    await count.start()
    await signal('n-count')
    for (let i = 0; i < 25; i++) while (!(await count.trySetCount(count.count + 1)));
    await signal('n-count-done')
    await awaitSignal('j-count-done')
    for (let look = 0; count.count < 50 && look < 100; look++) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(count.count).toBe(50)
    count.close()
    expect(await java.step('javaCount')).toMatchObject({ count: 50, bytes: 4, heardChanges: true })
  })

  it('follows Curator\'s writes with a CuratorCache, and Curator\'s CuratorCache follows Paddock\'s', async () => {
    const root = `${base}/cache-j`
    await zk.create(root)
    const cache = new CuratorCache(zk, root)
    const events: string[] = []
    cache.on((event) => {
      if (event.type === 'nodeCreated') events.push(`created ${event.node.path} ${text(event.node.data)}`)
      else if (event.type === 'nodeChanged') events.push(`changed ${event.node.path} ${text(event.oldNode.data)}->${text(event.node.data)}`)
      else if (event.type === 'nodeDeleted') events.push(`deleted ${event.oldNode.path}`)
      else events.push('initialized')
    })
    await cache.start()
    await signal('n-cache-ready')
    await awaitSignal('j-cache-done')
    for (let look = 0; !events.includes(`deleted ${root}/a/b`) && look < 200; look++) await new Promise((resolve) => setTimeout(resolve, 20))
    cache.close()
    expect(events).toEqual([`created ${root} `, 'initialized', `created ${root}/a 1`, `created ${root}/a/b 2`, `changed ${root}/a 1->3`, `deleted ${root}/a/b`])

    await awaitSignal('j-cache-ready')
    const ours = `${base}/cache-n`
    const pause = (): Promise<unknown> => new Promise((resolve) => setTimeout(resolve, 250))
    await zk.create(`${ours}/x`, 'one')
    await pause()
    await zk.setData(`${ours}/x`, 'two')
    await pause()
    await zk.create(`${ours}/x/y`, 'deep')
    await pause()
    await zk.delete(`${ours}/x/y`)
    await signal('n-cache-done')
    expect((await java.step('javaCache'))['events']).toEqual([`created ${ours} `, 'initialized', `created ${ours}/x one`, `changed ${ours}/x one->two`, `created ${ours}/x/y deep`, `deleted ${ours}/x/y`])
  })

  it('is one group with a Curator GroupMember: each sees the other\'s id and payload', async () => {
    await awaitSignal('j-group')
    const member = new GroupMember(zk, `${base}/group`, 'node', 'np')
    await member.start()
    await signal('n-group')
    expect(text(member.currentMembers().get('java'))).toBe('jp')
    expect((await java.step('javaGroup'))['members']).toEqual(['java=jp', 'node=np'])
    for (let look = 0; member.currentMembers().has('java') && look < 200; look++) await new Promise((resolve) => setTimeout(resolve, 20))
    expect([...member.currentMembers().keys()]).toEqual(['node'])
    await member.close()
  })

  it('shares a counter with DistributedAtomicLong (8 bytes), and a barrier and a double barrier with Curator\'s', async () => {
    await awaitSignal('j-atomic')
    const counter = new SharedCounter(zk, `${base}/atomic`)
    await signal('n-atomic')
    for (let i = 0; i < 25; i++) await counter.increment()
    await signal('n-atomic-done')
    await awaitSignal('j-atomic-done')
    expect(await counter.get()).toBe(50)
    expect(await java.step('javaAtomic')).toMatchObject({ value: 50, failed: 0, bytes: 8 })

    await awaitSignal('j-barrier-set')
    const waiting = new Barrier(zk, `${base}/barrier`).wait(AbortSignal.timeout(20_000))
    await signal('n-barrier-waiting')
    await waiting // Curator removed its barrier

    const twice = new DoubleBarrier(zk, `${base}/double`, 2)
    await twice.enter(AbortSignal.timeout(20_000))
    await twice.leave(AbortSignal.timeout(20_000))
    expect(await java.step('javaBarriers')).toMatchObject({ entered: true, left: true })
    expect(await java.done).toEqual({ step: 'done' })
  })
})

describe.skipIf(discoveryMissing !== undefined).each(targets)('$name: Paddock ServiceDiscovery with Curator x-discovery', (target) => {
  const base = '/curator-discovery'
  let server: RunningServer
  let zk: ZooKeeperClient

  withPaddockClients(target, 1, (s, c) => {
    server = s
    zk = c[0] as ZooKeeperClient
  })

  it('finds the instance Curator registered, and Curator finds Paddock\'s, with address, port and payload, until each unregisters', async () => {
    await zk.create(base)
    await zk.create(`${base}/sig`)
    const java = new CuratorRun([server.connectString, base], 'CuratorDiscovery')
    await java.step('javaRegistered')
    const discovery = new ServiceDiscovery(zk, `${base}/services`)
    const [theirs] = await discovery.queryForInstances<{ zone: string }>('api')
    // Curator 5.4 writes no `enabled` (absent means enabled) and tags a payload with its Java class.
    expect(theirs?.enabled).toBeUndefined()
    expect(theirs?.payload).toEqual({ '@class': 'java.util.HashMap', zone: 'a' })
    expect(theirs).toMatchObject({ name: 'api', id: 'java-1', address: '10.0.0.1', port: 8080, sslPort: null, payload: { zone: 'a' }, serviceType: 'DYNAMIC' })
    expect(theirs?.registrationTimeUTC).toBeGreaterThan(Date.now() - 120_000)
    const cache = discovery.serviceCache<{ zone: string }>('api')
    await cache.start()
    const ours = await discovery.register({ name: 'api', id: 'node-1', address: '10.0.0.2', port: 9090, payload: { zone: 'b' } })
    // Resolves once the cache holds only ours (Curator has unregistered).
    const onlyOurs = new Promise<void>((resolve) => {
      const off = cache.on((instances) => {
        if (instances.length === 1 && instances[0]?.id === 'node-1') {
          off()
          resolve()
        }
      })
    })
    await zk.create(`${base}/sig/n-registered`)
    const expected = ['java-1@10.0.0.1:8080 zone=a enabled=true type=DYNAMIC', 'node-1@10.0.0.2:9090 zone=b enabled=true type=DYNAMIC']
    expect(await java.step('javaSaw')).toMatchObject({ names: ['api'], queried: expected, cached: expected })
    expect(await java.done).toEqual({ step: 'discoveryDone' })
    // Curator unregistered and closed: only ours is left, in a query and in the cache.
    expect((await discovery.queryForInstances('api')).map((i) => i.id)).toEqual(['node-1'])
    await onlyOurs
    expect(cache.instances().map((i) => i.id)).toEqual(['node-1'])
    cache.close()
    await ours.release()
    expect(await discovery.queryForInstances('api')).toEqual([])
  })
})
