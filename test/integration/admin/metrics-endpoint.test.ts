// Method: real servers on loopback with the Prometheus endpoint on a port of its own (port 0):
// requests sent over TCP, then /metrics read over HTTP and parsed, its families checked against
// ZooKeeper's names and types and its values against what was sent; other paths and methods
// refused; then the Grafana dashboard shipped in docs/grafana parsed, and every metric its queries
// read looked up in the /metrics of a running three-member ensemble.
import { readFile } from 'node:fs/promises'
import { createServer as createNetServer } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { connect } from '../../../lib/client/tcp.js'
import type { ServerSpec } from '../../../lib/config/zoo-cfg.js'
import { createServer, startMember } from '../../../lib/host/server.js'
import type { MemberServer, Server } from '../../../lib/host/types.js'
import { MemoryHub } from '../../../lib/peer/memory.js'
import { createMemoryDb, createMemoryStorage } from '../../../storage/index.js'
import { root } from '../helpers/compile.js'
import { exportedFamilies, isExported, metricNames, templateMetricNames } from './promql.js'

const quiet = { info() {}, error() {}, debug() {}, warn() {} }
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function metricsUrl(server: Server): string {
  const address = server.metricsAddress
  if (address === undefined) throw new Error('no metrics address')
  return `http://${address.host}:${address.port}/metrics`
}

/** Each sample's value by its series (`name{labels}`). */
async function scrape(server: Server): Promise<{ text: string; values: Map<string, number> }> {
  const res = await fetch(metricsUrl(server))
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
  const text = await res.text()
  const values = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const at = line.lastIndexOf(' ')
    values.set(line.slice(0, at), Number(line.slice(at + 1)))
  }
  return { text, values }
}

describe('the Prometheus endpoint (metricsPort)', () => {
  it('is off unless metricsPort is given, and binds loopback by default', async () => {
    const off = await createServer({ port: 0 })
    cleanups.push(() => off.close())
    expect(off.metricsAddress).toBeUndefined()
    const on = await createServer({ port: 0, metricsPort: 0 })
    cleanups.push(() => on.close())
    expect(on.metricsAddress?.host).toBe('127.0.0.1')
    expect(on.adminAddress).toBeUndefined()
  })

  it('exports ZooKeeper\'s names with the values the requests sent make', async () => {
    const server = await createServer({ port: 0, metricsPort: 0, metricsHost: '127.0.0.1' })
    cleanups.push(() => server.close())
    const before = await scrape(server)
    const families = exportedFamilies(before.text)
    for (const [name, type] of [['znode_count', 'gauge'], ['watch_count', 'gauge'], ['global_sessions', 'gauge'], ['num_alive_connections', 'gauge'], ['outstanding_requests', 'gauge'], ['avg_latency', 'gauge'], ['uptime', 'gauge'], ['looking_count', 'counter'], ['readlatency', 'summary'], ['updatelatency', 'summary'], ['fsynctime', 'summary'], ['process_cpu_seconds_total', 'counter']]) {
      expect(families.get(name ?? ''), name).toBe(type)
    }
    const zk = await connect(server.connectString ?? '', { sessionTimeoutMs: 30_000 })
    cleanups.push(() => zk.close())
    for (let i = 0; i < 4; i++) await zk.create(`/m${i}`, 'data', { mode: i === 0 ? 3 : 0 })
    await zk.getData('/m1', { watch: () => {} })
    const after = (await scrape(server)).values
    expect(after.get('znode_count')).toBe((before.values.get('znode_count') ?? 0) + 4)
    expect(after.get('global_sessions')).toBe(1)
    expect(after.get('num_alive_connections')).toBe(1)
    expect(after.get('watch_count')).toBe(1)
    expect(after.get('ephemerals_count')).toBe(1)
    expect(after.get('updatelatency_count')).toBe(4)
    expect(after.get('readlatency_count')).toBeGreaterThanOrEqual(1)
    expect(after.get('updatelatency{quantile="0.99"}')).toBeGreaterThan(0)
    expect(after.get('paddock_requests_total{op="create"}')).toBe(4)
    expect(after.get('paddock_server_state{state="standalone"}')).toBe(1)
    expect(after.get('quorum_size')).toBe(1)
  })

  it('answers GET and HEAD at /metrics only: 405 for another method, 404 for another path', async () => {
    const server = await createServer({ port: 0, metricsPort: 0 })
    cleanups.push(() => server.close())
    const url = metricsUrl(server)
    const posted = await fetch(url, { method: 'POST' })
    expect(posted.status).toBe(405)
    expect(posted.headers.get('allow')).toBe('GET, HEAD')
    const head = await fetch(url, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0)
    expect((await fetch(url.replace('/metrics', '/commands'))).status).toBe(404)
  })

  it('refuses to start on a port that is taken, naming the setting, and frees it on close', async () => {
    const taken = createNetServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const port = (taken.address() as { port: number }).port
    await expect(createServer({ port: 0, metricsPort: port })).rejects.toThrow(/\/metrics endpoint cannot listen on 127\.0\.0\.1:\d+ \(metricsProvider\.httpPort\)/)
    await new Promise<void>((resolve) => taken.close(() => resolve()))
    const server = await createServer({ port: 0, metricsPort: port })
    await server.close()
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow()
  })
})

describe('the Grafana dashboard in docs/grafana', () => {
  interface Panel { title?: string; type?: string; targets?: Array<{ expr?: string }>; panels?: Panel[] }
  interface Dashboard { panels: Panel[]; templating: { list: Array<{ query?: string | { query?: string } }> } }

  function queries(dashboard: Dashboard): string[] {
    const panels = (list: Panel[]): Panel[] => list.flatMap((p) => [p, ...panels(p.panels ?? [])])
    return panels(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? '')).filter((e) => e !== '')
  }

  it('finds the metric names of a query, not its functions, labels, ranges or variables', () => {
    expect(metricNames('sum by (op) (rate(paddock_requests_total{instance=~"$instance",op!="ping"}[$__rate_interval]))')).toEqual(['paddock_requests_total'])
    expect(metricNames('rate(fsynctime_sum[5m]) / rate(fsynctime_count[5m]) > 2 and on (instance) up == 1')).toEqual(['fsynctime_sum', 'fsynctime_count', 'up'])
    expect(metricNames('count(paddock_health{state!="serving"} == 1) or vector(0)')).toEqual(['paddock_health'])
    expect(templateMetricNames('label_values(znode_count, instance)')).toEqual(['znode_count'])
    expect(isExported(new Map([['readlatency', 'summary']]), 'readlatency_count')).toBe(true)
    expect(isExported(new Map([['readlatency', 'summary']]), 'readlatency_bucket')).toBe(false)
    expect(isExported(new Map([['znode_count', 'gauge']]), 'zk_znode_count')).toBe(false)
  })

  it('reads only metrics a running ensemble exports, on its leader or on every member', async () => {
    const dashboard = JSON.parse(await readFile(join(root, 'docs/grafana/paddock-zookeeper.json'), 'utf8')) as Dashboard
    const exprs = queries(dashboard)
    expect(exprs.length).toBeGreaterThanOrEqual(20)
    const templates = dashboard.templating.list.map((v) => (typeof v.query === 'string' ? v.query : (v.query?.query ?? ''))).filter((q) => q !== '' && q !== 'prometheus')
    const names = new Set([...exprs.flatMap(metricNames), ...templates.flatMap(templateMetricNames)])
    expect(names.size).toBeGreaterThanOrEqual(15)

    const members = await ensemble()
    const families = new Map<string, string>()
    for (const member of members) for (const [name, type] of exportedFamilies((await scrape(member)).text)) families.set(name, type)
    const missing = [...names].filter((name) => !isExported(families, name))
    expect(missing, `exported: ${[...families.keys()].join(', ')}`).toEqual([])
    // The leader alone exports its learners, as ZooKeeper's LeaderZooKeeperServer does.
    for (const member of members) {
      const learners = (await scrape(member)).values.get('learners')
      expect(learners, `member ${member.myid} (${member.mode})`).toBe(member.mode === 'leader' ? 2 : undefined)
    }
  }, 30_000)
})

/** Three members in memory over a hub, each with a client port and a Prometheus endpoint on port 0; one write through the leader. */
async function ensemble(): Promise<MemberServer[]> {
  const servers: ServerSpec[] = [1, 2, 3].map((id) => ({ id, host: '127.0.0.1', quorumPort: 1, electionPort: 2, role: 'participant', clientAddress: undefined, clientPort: undefined }))
  const hub = new MemoryHub()
  const members: MemberServer[] = []
  for (const s of servers) {
    const member = await startMember({ myid: s.id, servers, hub, storage: createMemoryStorage({ db: createMemoryDb(), logger: quiet }), tickTimeMs: 200, logger: quiet, seed: s.id, port: 0, metricsPort: 0 })
    cleanups.push(() => member.close())
    members.push(member)
  }
  await Promise.all(members.map((m) => m.waitUntilServing(20_000)))
  const leader = members.find((m) => m.mode === 'leader')
  const zk = await leader?.connect()
  await zk?.create('/x', 'y')
  await zk?.close()
  return members
}
