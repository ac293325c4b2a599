// Method: real servers on loopback (a standalone with its client port, in memory and on LevelDB in a temporary dataDir, and an in-process ensemble) with the admin server on port 0; requests over TCP, then every endpoint read over HTTP (and the four-letter words over the client port), the Prometheus text parsed and checked against what was sent; forged Host and Origin headers sent raw over a socket.
import { mkdtemp, rm } from 'node:fs/promises'
import { connect as connectSocket } from 'node:net'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { connect } from '../../../lib/client/tcp.js'
import type { ZooKeeperClient } from '../../../lib/client/types.js'
import type { ServerSpec } from '../../../lib/config/zoo-cfg.js'
import { MemoryHub } from '../../../lib/peer/memory.js'
import { adminCommands } from '../../../lib/server/admin-commands.js'
import { startMember } from '../../../lib/host/server.js'
import type { MemberServer } from '../../../lib/host/types.js'
import { createServer } from '../../../lib/host/server.js'
import type { Server, ServerAddress, ServerOptions } from '../../../lib/host/types.js'
import { CreateMode } from '../../../lib/index.js'
import { createMemoryDb, createMemoryStorage } from '../../../storage/index.js'

const quiet = { info() {}, error() {}, debug() {}, warn() {} }
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function standalone(options: ServerOptions = {}): Promise<{ server: Server; admin: string }> {
  const server = await createServer({ port: 0, adminServerPort: 0, fourLetterWordsWhitelist: '*', ...options })
  cleanups.push(() => server.close())
  const admin = server.adminAddress
  if (admin === undefined) throw new Error('no admin address')
  return { server, admin: `http://${admin.host}:${admin.port}` }
}

async function client(server: Server): Promise<ZooKeeperClient> {
  const zk = await connect(server.connectString ?? '', { sessionTimeoutMs: 30_000 })
  cleanups.push(() => zk.close())
  return zk
}

async function getJson(url: string, method: 'GET' | 'POST' = 'GET'): Promise<{ status: number; type: string | null; body: Record<string, unknown> }> {
  const res = await fetch(url, { method })
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Record<string, unknown> }
}

/** POSTs to a command that changes something. */
function postJson(url: string): ReturnType<typeof getJson> {
  return getJson(url, 'POST')
}

/** One sample of the text exposition format: `name{a="b",c="d"} value`. */
interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** Parses Prometheus text format 0.0.4, checking every sample belongs to a family with a TYPE. */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const types = new Map<string, string>()
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ')) continue
    const type = /^# TYPE (\w+) (counter|gauge|histogram|summary|untyped)$/.exec(line)
    if (type !== null) {
      types.set(type[1]!, type[2]!)
      continue
    }
    const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (m === null) throw new Error(`not an exposition line: ${line}`)
    const labels: Record<string, string> = {}
    for (const pair of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!
    const name = m[1]!
    const familyName = name.replace(/_(bucket|sum|count)$/, '')
    const familyType = types.get(familyName)
    expect(types.has(name) || familyType === 'histogram' || (familyType === 'summary' && !name.endsWith('_bucket')), `TYPE of ${name}`).toBe(true)
    samples.push({ name, labels, value: m[3] === '+Inf' ? Infinity : Number(m[3]) })
  }
  return { samples, types }
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value
}

async function metrics(base: string): Promise<Sample[]> {
  const res = await fetch(`${base}/metrics`)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  return parseExposition(await res.text()).samples
}

/** Sends raw bytes and returns the whole response (for targets and headers fetch would normalise). */
function rawExchange(address: ServerAddress, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectSocket(address.port, address.host, () => socket.end(head))
    let text = ''
    socket.on('data', (chunk) => (text += chunk.toString('latin1')))
    socket.on('close', () => resolve(text))
    socket.on('error', reject)
  })
}

/** Sends raw bytes and returns the status line. */
async function rawRequest(address: ServerAddress, head: string): Promise<string> {
  return (await rawExchange(address, head)).split('\r\n')[0] ?? ''
}

/** A raw request for `path` with the given headers; the status code and the JSON body. */
async function rawJson(address: ServerAddress, method: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const lines = Object.entries({ ...headers, Connection: 'close' }).map(([k, v]) => `${k}: ${v}\r\n`).join('')
  const text = await rawExchange(address, `${method} ${path} HTTP/1.1\r\n${lines}\r\n`)
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1])
  const body = text.slice(text.indexOf('\r\n\r\n') + 4)
  return { status, body: JSON.parse(body) as Record<string, unknown> }
}

describe('admin server, standalone', () => {
  it('is off unless adminServerPort is given', async () => {
    const server = await createServer({ port: 0 })
    cleanups.push(() => server.close())
    expect(server.adminAddress).toBeUndefined()
  })

  it('counts requests by op, znodes and sessions in /metrics as they were sent', async () => {
    const { server, admin } = await standalone()
    const before = await metrics(admin)
    expect(value(before, 'global_sessions')).toBe(0)
    const baseZnodes = value(before, 'znode_count')!
    expect(baseZnodes).toBe(server.znodeCount)
    const zk = await client(server)
    const zk2 = await client(server)
    for (let i = 0; i < 5; i++) await zk.create(`/n${i}`, 'x')
    for (let i = 0; i < 3; i++) await zk.getData('/n0')
    await zk.setData('/n1', 'y')
    await zk2.getChildren('/', { watch: () => {} })
    await zk2.exists('/n2', { watch: () => {} })
    const after = await metrics(admin)
    expect(value(after, 'paddock_requests_total', { op: 'create' })).toBe(5)
    expect(value(after, 'paddock_requests_total', { op: 'getData' })).toBe(3)
    expect(value(after, 'paddock_requests_total', { op: 'setData' })).toBe(1)
    expect(value(after, 'paddock_requests_total', { op: 'getChildren' })).toBe(1)
    expect(value(after, 'paddock_request_latency_ms_count', { op: 'create' })).toBe(5)
    expect(value(after, 'paddock_request_latency_ms_bucket', { op: 'create', le: '+Inf' })).toBe(5)
    // An in-memory standalone member answers a write before the call that submitted it returns:
    // such a write counts at 0 ms (the operations guide, "Prometheus metrics").
    expect(value(after, 'paddock_request_latency_ms_sum', { op: 'create' })).toBe(0)
    expect(value(after, 'znode_count')).toBe(baseZnodes + 5)
    expect(value(after, 'global_sessions')).toBe(2)
    expect(value(after, 'watch_count')).toBe(2)
    expect(value(after, 'outstanding_requests')).toBe(0)
    expect(value(after, 'quorum_size')).toBe(1)
    expect(value(after, 'looking_count')).toBe(0)
    expect(value(after, 'paddock_server_state', { state: 'standalone' })).toBe(1)
    expect(value(after, 'paddock_server_state', { state: 'leader' })).toBe(0)
    expect(value(after, 'paddock_last_zxid')).toBe(server.lastZxid)
    expect(value(after, 'fsynctime_count')).toBe(0) // in memory: nothing to fsync
  })

  it('keeps every histogram cumulative, ending in le="+Inf" equal to _count', async () => {
    const { server, admin } = await standalone()
    const zk = await client(server)
    for (let i = 0; i < 10; i++) await zk.create(`/h${i}`)
    const samples = await metrics(admin)
    const buckets = samples.filter((s) => s.name === 'paddock_request_latency_ms_bucket' && s.labels.op === 'create')
    expect(buckets.at(-1)?.labels.le).toBe('+Inf')
    for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value)
    expect(buckets.at(-1)?.value).toBe(value(samples, 'paddock_request_latency_ms_count', { op: 'create' }))
  })

  it('lists every command with its link and method at GET /commands, and each link answers 200 to that method', async () => {
    const { admin } = await standalone()
    const list = await getJson(`${admin}/commands`)
    expect(list.status).toBe(200)
    expect(list.type).toMatch(/^application\/json/)
    const commands = list.body.commands as { name: string; aliases: string[]; url: string; method: 'GET' | 'POST'; authenticated: boolean }[]
    expect(commands.map((c) => c.name).sort()).toEqual([...adminCommands.map((c) => c.names[0]), 'restore', 'shed_connections', 'snapshot'].sort())
    expect(commands.filter((c) => c.method === 'POST').map((c) => c.name).sort()).toEqual(['connection_stat_reset', 'restore', 'set_trace_mask', 'shed_connections', 'stat_reset'])
    expect(commands.filter((c) => c.authenticated).map((c) => c.name).sort()).toEqual(['restore', 'shed_connections', 'snapshot'])
    // Answered with an error by ZooKeeper too: `leader` on a standalone server, `set_trace_mask` without its argument,
    // and the commands that need an Authorization header without one (admin-auth.test.ts and backup.test.ts send it).
    const unauthenticated = { status: 401, error: 'Auth info is missing for the command' }
    const erring: Record<string, { status: number; error: string | RegExp }> = {
      leader: { status: 200, error: 'server is not initialized' },
      set_trace_mask: { status: 400, error: 'setTraceMask requires long traceMask argument' },
      snapshot: unauthenticated,
      restore: unauthenticated,
      shed_connections: unauthenticated,
    }
    for (const c of commands) {
      const answer = await getJson(`${admin}${c.url}`, c.method)
      expect(answer.status, c.name).toBe(erring[c.name]?.status ?? 200)
      expect(answer.body.command).toBe(c.name)
      const error = erring[c.name]?.error ?? null
      if (error instanceof RegExp) expect(answer.body.error, c.name).toMatch(error)
      else expect(answer.body.error, c.name).toBe(error)
    }
  })

  it('answers the ZooKeeper commands and their aliases with ZooKeeper\'s field names', async () => {
    const { server, admin } = await standalone()
    const zk = await client(server)
    await zk.create('/eph', '', { mode: CreateMode.EPHEMERAL })
    await zk.getData('/eph', { watch: () => {} })
    const get = async (name: string) => (await getJson(`${admin}/commands/${name}`)).body
    expect(await get('ruok')).toEqual({ command: 'ruok', error: null })
    for (const alias of ['server_stats', 'srvr']) {
      const srvr = await get(alias)
      expect(srvr.command).toBe('server_stats')
      expect(srvr.read_only).toBe(false)
      expect(srvr.node_count).toBe(server.znodeCount + 1) // the root twice, as ZooKeeper's DataTree counts it
      expect(srvr.server_stats).toMatchObject({ server_state: 'standalone', last_processed_zxid: server.lastZxid, num_alive_client_connections: 1 })
    }
    const stat = await get('stat')
    expect(stat.command).toBe('stats')
    expect((stat.connections as unknown[]).length).toBe(1)
    const mntr = await get('mntr')
    expect(mntr).toMatchObject({ command: 'monitor', server_state: 'standalone', znode_count: server.znodeCount + 1, watch_count: 1, ephemerals_count: 1, global_sessions: 1, num_alive_connections: 1 })
    expect(typeof mntr.avg_latency).toBe('number')
    const conf = await get('conf')
    expect(conf).toMatchObject({ command: 'configuration', client_port: server.address?.port, tick_time: 2000 })
    const cons = await get('cons')
    const [connection] = cons.connections as Record<string, unknown>[]
    expect(connection).toMatchObject({ outstanding_requests: 0, last_operation: expect.any(String) })
    expect(connection?.remote_socket_address).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(cons.secure_connections).toEqual([])
    expect(await get('wchs')).toMatchObject({ command: 'watch_summary', num_connections: 1, num_paths: 1, num_total_watches: 1 })
    const wchc = (await get('wchc')).session_id_to_watched_paths as Record<string, string[]>
    expect(Object.values(wchc)).toEqual([['/eph']])
    const wchp = (await get('wchp')).path_to_session_ids as Record<string, unknown[]>
    expect(Object.keys(wchp)).toEqual(['/eph'])
    const dump = await get('dump')
    expect(Object.values(dump.session_id_to_ephemeral_paths as Record<string, string[]>)).toEqual([['/eph']])
    expect(Object.values(dump.expiry_time_to_session_ids as Record<string, unknown[]>).flat()).toHaveLength(1)
    expect((await get('envi')).command).toBe('environment')
    expect((await get('envi'))['node.version']).toBe(process.version)
    expect(await get('isro')).toEqual({ command: 'is_read_only', read_only: false, error: null })
  })

  it('writes a session id exactly, as a 64-bit integer literal', async () => {
    const { server, admin } = await standalone()
    const zk = await client(server)
    await zk.create('/e', '', { mode: CreateMode.EPHEMERAL })
    const text = await (await fetch(`${admin}/commands/dump`)).text()
    expect(text).toContain(`"${BigInt.asIntN(64, zk.sessionId)}": [`)
    expect(text).toMatch(new RegExp(`\\[\\s*${BigInt.asIntN(64, zk.sessionId)}\\s*\\]`))
  })

  it('answers an unknown command with 404 and a JSON error, other paths with 404', async () => {
    const { admin } = await standalone()
    const unknown = await getJson(`${admin}/commands/nope`)
    expect(unknown.status).toBe(404)
    expect(unknown.body).toEqual({ command: 'nope', error: 'Unknown command: nope' })
    expect((await getJson(`${admin}/elsewhere`)).status).toBe(404)
    expect((await getJson(`${admin}/commands/srvr/extra`)).status).toBe(404)
  })

  it('answers methods other than GET on a command that only reports with 405 and Allow: GET', async () => {
    const { admin } = await standalone()
    for (const path of ['/commands/ruok', '/commands', '/metrics']) {
      for (const method of ['POST', 'PUT', 'DELETE', 'HEAD']) {
        const res = await fetch(`${admin}${path}`, { method, ...(method === 'POST' || method === 'PUT' ? { body: 'x' } : {}) })
        expect(res.status, `${method} ${path}`).toBe(405)
        expect(res.headers.get('allow')).toBe('GET')
      }
    }
  })

  it('runs the commands that change something only on POST: GET is 405 with Allow: POST and a JSON error, and changes nothing', async () => {
    const { server, admin } = await standalone()
    for (const name of ['set_trace_mask?traceMask=7', 'stmk?traceMask=7', 'stat_reset', 'srst', 'connection_stat_reset', 'crst']) {
      const res = await fetch(`${admin}/commands/${name}`)
      expect(res.status, name).toBe(405)
      expect(res.headers.get('allow')).toBe('POST')
      expect(res.headers.get('content-type')).toMatch(/^application\/json/)
      expect(((await res.json()) as { error: string }).error).toMatch(/^Method GET not allowed for \/commands\/\w+; use POST$/)
    }
    expect(await fourLetterWord(server.address!, 'gtmk')).toBe('306')
    for (const method of ['PUT', 'DELETE']) expect((await fetch(`${admin}/commands/srst`, { method })).status).toBe(405)
  })

  it('answers an unknown command with 404 whatever the method', async () => {
    const { admin } = await standalone()
    expect(await postJson(`${admin}/commands/nope`)).toMatchObject({ status: 404, body: { command: 'nope', error: 'Unknown command: nope' } })
  })

  it('serves requests whose Host names it (its address, localhost, 127.0.0.1, [::1]) with its port, and refuses others with 421', async () => {
    const { server } = await standalone()
    const address = server.adminAddress!
    for (const host of [`127.0.0.1:${address.port}`, `localhost:${address.port}`, `LOCALHOST:${address.port}`, `[::1]:${address.port}`]) {
      expect((await rawJson(address, 'GET', '/commands/ruok', { Host: host })).status, host).toBe(200)
    }
    for (const host of [`attacker.example:${address.port}`, `127.0.0.1:${address.port + 1}`, '127.0.0.1', `localhost.attacker.example:${address.port}`, `10.0.0.1:${address.port}`, '']) {
      const refused = await rawJson(address, 'GET', '/commands/ruok', { Host: host })
      expect(refused.status, host).toBe(421)
      expect(refused.body.error).toContain('does not name this admin server')
    }
    const noHost = await rawExchange(address, 'GET /metrics HTTP/1.0\r\n\r\n')
    expect(noHost.split('\r\n')[0]).toBe('HTTP/1.1 421 Misdirected Request')
  })

  it('refuses a rebound host name before running a command that changes something', async () => {
    const { server } = await standalone()
    const address = server.adminAddress!
    const rebound = await rawJson(address, 'POST', '/commands/set_trace_mask?traceMask=1', { Host: `rebound.attacker.example:${address.port}`, 'Content-Length': '0' })
    expect(rebound.status).toBe(421)
    expect(await fourLetterWord(server.address!, 'gtmk')).toBe('306')
  })

  it('refuses with 403 a request a browser sent from another site (Origin not naming the server)', async () => {
    const { server } = await standalone()
    const address = server.adminAddress!
    const host = `127.0.0.1:${address.port}`
    for (const origin of ['http://attacker.example', 'null', `https://127.0.0.1:${address.port}`]) {
      const refused = await rawJson(address, 'POST', '/commands/srst', { Host: host, Origin: origin, 'Content-Length': '0' })
      expect(refused.status, origin).toBe(403)
    }
    expect((await rawJson(address, 'POST', '/commands/srst', { Host: host, Origin: `http://${host}`, 'Content-Length': '0' })).status).toBe(200)
  })

  it('accepts any IP address and the machine\'s name in Host when it binds every address', async () => {
    const { server } = await standalone({ adminServerHost: '0.0.0.0' })
    const address = server.adminAddress!
    const loopback = { host: '127.0.0.1', port: address.port }
    for (const host of [`10.1.2.3:${address.port}`, `${hostname()}:${address.port}`, `localhost:${address.port}`]) {
      expect((await rawJson(loopback, 'GET', '/commands/ruok', { Host: host })).status, host).toBe(200)
    }
    expect((await rawJson(loopback, 'GET', '/commands/ruok', { Host: `attacker.example:${address.port}` })).status).toBe(421)
  })

  it('survives malformed request targets and keeps serving', async () => {
    const { server, admin } = await standalone()
    const address = server.adminAddress!
    const host = `127.0.0.1:${address.port}`
    expect(await rawRequest(address, `GET /commands/%E0%A4%A HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)).toBe('HTTP/1.1 400 Bad Request')
    expect(await rawRequest(address, `GET http://evil/commands HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)).toBe('HTTP/1.1 400 Bad Request')
    expect(await rawRequest(address, 'GARBAGE\r\n\r\n')).toBe('')
    expect(await rawRequest(address, `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`)).toBe('')
    expect((await getJson(`${admin}/commands/ruok`)).status).toBe(200)
  })

  it('closes the admin port with the server', async () => {
    const server = await createServer({ adminServerPort: 0 })
    const { host, port } = server.adminAddress!
    expect((await fetch(`http://${host}:${port}/commands/srvr`)).status).toBe(200)
    await server.close()
    await expect(fetch(`http://${host}:${port}/metrics`)).rejects.toThrow()
  })

  it('serves a server with no client port (in-process only)', async () => {
    const server = await createServer({ adminServerPort: 0 })
    cleanups.push(() => server.close())
    const zk = await server.connect()
    await zk.create('/a')
    const base = `http://${server.adminAddress!.host}:${server.adminAddress!.port}`
    expect(value(await metrics(base), 'paddock_requests_total', { op: 'create' })).toBe(1)
    expect((await getJson(`${base}/commands/srvr`)).body).toMatchObject({ error: null, server_stats: { num_alive_client_connections: 0 } })
  })
})

/** Sends a four-letter word to the client port and returns the whole answer. */
function fourLetterWord(address: ServerAddress, word: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectSocket(address.port, address.host, () => socket.write(word))
    let text = ''
    socket.on('data', (chunk) => (text += chunk.toString('utf8')))
    socket.on('close', () => resolve(text))
    socket.on('error', reject)
  })
}

describe('admin server, the commands ZooKeeper 3.9 added', () => {
  async function inDataDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'paddock-admin-'))
    cleanups.unshift(() => rm(dir, { recursive: true, force: true }))
    return dir
  }

  it('reports the bytes under dataDir/level in dirs, srvr, conf and the four-letter words dirs and conf, growing with writes', async () => {
    const dataDir = await inDataDir()
    const { server, admin } = await standalone({ dataDir })
    const zk = await client(server)
    for (let i = 0; i < 20; i++) await zk.create(`/d${i}`, 'x'.repeat(1000))
    const dirs = (await getJson(`${admin}/commands/dirs`)).body
    const size = dirs.datadir_size as number
    expect(size).toBeGreaterThan(20_000)
    // Log and snapshots share the one LevelDB directory: both figures are its total, as ZooKeeper's are when dataLogDir is dataDir.
    expect(dirs.logdir_size).toBe(size)
    expect((await getJson(`${admin}/commands/srvr`)).body.server_stats).toMatchObject({ data_dir_size: expect.any(Number), log_dir_size: expect.any(Number) })
    const conf = (await getJson(`${admin}/commands/conf`)).body
    expect(conf).toMatchObject({ data_dir: dataDir, data_log_dir: dataDir })
    expect(conf.data_dir_size as number).toBeGreaterThan(20_000)
    const word = await fourLetterWord(server.address!, 'dirs')
    expect(word).toMatch(/^datadir_size: (\d+)\nlogdir_size: \1\n$/)
    expect(Number(/datadir_size: (\d+)/.exec(word)?.[1])).toBeGreaterThan(20_000)
    expect(await fourLetterWord(server.address!, 'conf')).toMatch(/\ndataDirSize=[1-9]\d*\n.*\ndataLogSize=[1-9]\d*\n/s)
    for (let i = 0; i < 20; i++) await zk.create(`/e${i}`, 'y'.repeat(1000))
    expect((await getJson(`${admin}/commands/dirs`)).body.datadir_size as number).toBeGreaterThan(size)
  })

  it('reports 0 for a server in memory, which has no directory', async () => {
    const { server, admin } = await standalone()
    expect((await getJson(`${admin}/commands/dirs`)).body).toMatchObject({ datadir_size: 0, logdir_size: 0 })
    expect(await fourLetterWord(server.address!, 'dirs')).toBe('datadir_size: 0\nlogdir_size: 0\n')
  })

  it('resets with stat_reset and connection_stat_reset the same counters as the four-letter words srst and crst', async () => {
    const { server, admin } = await standalone()
    const zk = await client(server)
    for (let i = 0; i < 5; i++) await zk.exists('/')
    const received = async () => ((await getJson(`${admin}/commands/srvr`)).body.server_stats as { packets_received: number }).packets_received
    const consReceived = async () => ((await getJson(`${admin}/commands/cons`)).body.connections as { packets_received: number }[])[0]?.packets_received
    expect(await received()).toBeGreaterThanOrEqual(6)
    expect(await consReceived()).toBeGreaterThanOrEqual(6)
    expect((await postJson(`${admin}/commands/srst`)).body).toEqual({ command: 'stat_reset', error: null })
    expect(await received()).toBe(0)
    expect(await consReceived()).toBeGreaterThanOrEqual(6)
    expect((await postJson(`${admin}/commands/crst`)).body).toEqual({ command: 'connection_stat_reset', error: null })
    expect(await consReceived()).toBe(0)
    for (let i = 0; i < 3; i++) await zk.exists('/')
    expect(await fourLetterWord(server.address!, 'srst')).toBe('Server stats reset.\n')
    expect(await received()).toBe(0)
    expect(await fourLetterWord(server.address!, 'crst')).toBe('Connection stats reset.\n')
    expect(await consReceived()).toBe(0)
  })

  it('sets the trace mask with set_trace_mask?traceMask= and reports it in get_trace_mask and the four-letter word gtmk', async () => {
    const { server, admin } = await standalone()
    expect((await getJson(`${admin}/commands/gtmk`)).body).toEqual({ command: 'get_trace_mask', tracemask: 306, error: null })
    expect((await postJson(`${admin}/commands/stmk?traceMask=1`)).body).toEqual({ command: 'set_trace_mask', tracemask: 1, error: null })
    expect((await getJson(`${admin}/commands/get_trace_mask`)).body.tracemask).toBe(1)
    expect(await fourLetterWord(server.address!, 'gtmk')).toBe('1')
    const bad = await postJson(`${admin}/commands/set_trace_mask?traceMask=lots`)
    expect(bad).toMatchObject({ status: 400, body: { error: 'setTraceMask requires long traceMask argument, got lots' } })
    expect(await fourLetterWord(server.address!, 'gtmk')).toBe('1')
  })

  it('reports in last_snapshot the snapshot written, and after a restart the one restored (its time unknown)', async () => {
    const dataDir = await inDataDir()
    const first = await createServer({ dataDir, adminServerPort: 0 })
    let base = `http://${first.adminAddress!.host}:${first.adminAddress!.port}`
    expect((await getJson(`${base}/commands/lsnp`)).body).toMatchObject({ zxid: 'ffffffffffffffff', timestamp: -1 })
    const zk = await first.connect()
    await zk.create('/s', 'x')
    const before = Math.floor(Date.now() / 1000)
    await first.snapshot()
    const zxid = first.lastZxid.toString(16)
    const written = (await getJson(`${base}/commands/last_snapshot`)).body
    expect(written).toMatchObject({ command: 'last_snapshot', zxid, error: null })
    expect(written.timestamp as number).toBeGreaterThanOrEqual(before)
    expect(written.timestamp as number).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000))
    await zk.close()
    await first.close()
    const second = await createServer({ dataDir, adminServerPort: 0 })
    cleanups.push(() => second.close())
    base = `http://${second.adminAddress!.host}:${second.adminAddress!.port}`
    expect((await getJson(`${base}/commands/lsnp`)).body).toMatchObject({ zxid, timestamp: -1 })
  })

  it('answers initial_configuration, system_properties, leader and zabstate on a standalone server', async () => {
    const { admin } = await standalone({ initialConfiguration: 'tickTime=2000\nclientPort=2181\n' })
    expect((await getJson(`${admin}/commands/icfg`)).body).toEqual({ command: 'initial_configuration', initial_configuration: 'tickTime=2000\nclientPort=2181\n', error: null })
    const sysp = (await getJson(`${admin}/commands/sysp`)).body
    expect(sysp).toMatchObject({ command: 'system_properties', 'node.versions.node': process.versions.node, 'user.dir': process.cwd(), 'os.arch': process.arch })
    const names = Object.keys(sysp).filter((k) => k !== 'command' && k !== 'error')
    expect(names).toEqual([...names].sort())
    expect((await getJson(`${admin}/commands/lead`)).body).toEqual({ command: 'leader', error: 'server is not initialized' })
    expect((await getJson(`${admin}/commands/zabstate`)).body).toEqual({ command: 'zabstate', voting: false, zabstate: '', error: null })
    expect((await getJson(`${admin}/commands/voting_view`)).body).toEqual({ command: 'voting_view', current_config: {}, error: null })
    const plain = await standalone()
    expect((await getJson(`${plain.admin}/commands/icfg`)).body.initial_configuration).toBeNull()
  })
})

describe('admin server, ensemble', () => {
  function specs(n: number): ServerSpec[] {
    return Array.from({ length: n }, (_, i) => ({ id: i + 1, host: '127.0.0.1', quorumPort: 1, electionPort: 2, role: 'participant', clientAddress: undefined, clientPort: undefined }))
  }

  /** Starts `servers` in memory with admin servers, waits for a leader and creates /x through it. */
  async function startEnsemble(servers: ServerSpec[], extra: { port?: number } = {}): Promise<{ members: MemberServer[]; leader: MemberServer }> {
    const hub = new MemoryHub()
    const members: MemberServer[] = []
    for (const s of servers) {
      const m = await startMember({ myid: s.id, servers, hub, storage: createMemoryStorage({ db: createMemoryDb(), logger: quiet }), tickTimeMs: 200, logger: quiet, seed: s.id, adminServerPort: 0, ...extra })
      cleanups.push(() => m.close())
      members.push(m)
    }
    await Promise.all(members.map((m) => m.waitUntilServing(20_000)))
    const leader = members.find((m) => m.mode === 'leader')!
    const zk = await leader.connect()
    await zk.create('/x', 'y')
    return { members, leader }
  }

  it('reports leader and followers in paddock_server_state and mntr, with quorum size 3', async () => {
    const { members, leader } = await startEnsemble(specs(3))
    const states: string[] = []
    for (const m of members) {
      const base = `http://${m.adminAddress!.host}:${m.adminAddress!.port}`
      const samples = await metrics(base)
      expect(value(samples, 'quorum_size')).toBe(3)
      const current = samples.filter((s) => s.name === 'paddock_server_state' && s.value === 1)
      expect(current).toHaveLength(1)
      expect(current[0]?.labels.state).toBe(m.mode)
      states.push(current[0]!.labels.state!)
      expect((await getJson(`${base}/commands/mntr`)).body).toMatchObject({ server_state: m.mode, quorum_size: 3 })
    }
    expect(states.sort()).toEqual(['follower', 'follower', 'leader'])
    const leaderBase = `http://${leader.adminAddress!.host}:${leader.adminAddress!.port}`
    const leaderSamples = await metrics(leaderBase)
    expect(value(leaderSamples, 'paddock_requests_total', { op: 'create' })).toBe(1)
    expect(value(leaderSamples, 'fsynctime_count')).toBeGreaterThan(0)
  }, 30_000)

  it('answers leader, voting_view, zabstate and observers with the ensemble\'s view', async () => {
    const servers = specs(3)
    servers.push({ id: 4, host: '127.0.0.1', quorumPort: 1, electionPort: 2, role: 'observer', clientAddress: undefined, clientPort: undefined })
    const { members, leader } = await startEnsemble(servers, { port: 0 })
    const base = (m: MemberServer) => `http://${m.adminAddress!.host}:${m.adminAddress!.port}`
    for (const m of members) {
      const lead = (await getJson(`${base(m)}/commands/lead`)).body
      expect(lead).toEqual({ command: 'leader', is_leader: m === leader, leader_id: leader.myid, leader_ip: '127.0.0.1', error: null })
      const zab = (await getJson(`${base(m)}/commands/zabstate`)).body
      expect(zab).toMatchObject({
        myid: m.myid,
        is_leader: m === leader,
        quorum_address: '127.0.0.1:1',
        election_address: '127.0.0.1:2',
        client_address: `${m.address!.host}:${m.address!.port}`,
        voting: m.myid !== 4,
        zabstate: 'broadcast',
        error: null,
      })
      expect(zab.zab_epoch).toBe(Math.floor(m.lastZxid / 2 ** 32))
      const view = (await getJson(`${base(m)}/commands/voting_view`)).body.current_config as Record<string, { learner_type: string }>
      expect(Object.keys(view).sort()).toEqual(['1', '2', '3'])
      expect(view['1']).toEqual({ server_addresses: ['127.0.0.1:1'], election_addresses: ['127.0.0.1:2'], client_address: '', learner_type: 'participant' })
    }
    // The observer counts once it is in broadcast; it reports to the leader only.
    const observer = members.find((m) => m.myid === 4)!
    await expect.poll(async () => (await getJson(`${base(leader)}/commands/obsr`)).body.synced_observers, { timeout: 10_000 }).toBe(1)
    expect((await getJson(`${base(leader)}/commands/obsr`)).body.observers).toEqual([{ sid: 4, last_zxid: expect.any(Number) }])
    expect((await getJson(`${base(observer)}/commands/obsr`)).body).toMatchObject({ synced_observers: 0, observers: [] })
    expect(leader.status().zabState).toBe('broadcast')
  }, 30_000)
})
