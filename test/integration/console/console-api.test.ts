// Method: a real server with a client port, the console served over HTTP (as `paddock ui` serves it, over TCP sessions and four-letter words), driven with fetch; answers are compared with what a client reads and what the server answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, type ZooKeeperClient } from '../../../lib/client/index.js'
import { tcpConsoleSources } from '../../../lib/cli/ui-command.js'
import { createConsole } from '../../../lib/console/console.js'
import type { ChildrenPageJson, CommandOutputJson, EnsembleJson, SessionJson, SessionsJson } from '../../../lib/console/api-types.js'
import { startConsoleServer, type AdminServer } from '../../../lib/host/admin-server.js'
import { createServer, type Server } from '../../../lib/index.js'

const childCount = 100_000
// Short names: ZooKeeper's getChildren reply must fit in jute.maxbuffer (1 MB) over TCP.
const names = Array.from({ length: childCount }, (_, i) => String(i)).sort()

describe('the console API over TCP (paddock ui)', () => {
  let server: Server
  let zk: ZooKeeperClient
  let web: AdminServer
  let base: string
  let cookie = ''
  let token = ''

  const get = async <T>(name: string, params: Record<string, string> = {}): Promise<{ status: number; body: T; bytes: number }> => {
    const response = await fetch(`${base}api/${name}?${new URLSearchParams(params).toString()}`, { headers: { cookie } })
    const text = await response.text()
    return { status: response.status, body: JSON.parse(text) as T, bytes: text.length }
  }
  const post = async (name: string, body: object): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(`${base}api/${name}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', 'x-paddock-console-token': token }, body: JSON.stringify(body) })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }

  beforeAll(async () => {
    server = await createServer({ port: 0, fourLetterWordsWhitelist: 'mntr,srvr,cons' })
    zk = await connect(server.connectString ?? '')
    await zk.create('/big')
    const local = await server.connect()
    for (let i = 0; i < childCount; i += 5000) {
      await local.multi(Array.from({ length: 5000 }, (_, j) => ({ op: 'create' as const, path: `/big/${i + j}` })))
    }
    await local.close()
    web = await startConsoleServer(createConsole(tcpConsoleSources(server.connectString ?? '')), { port: 0 })
    base = `http://127.0.0.1:${web.address.port}/`
    const response = await fetch(`${base}api/session`)
    cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
    token = ((await response.json()) as SessionJson).token
  }, 60_000)

  afterAll(async () => {
    await web?.close()
    await zk?.close()
    await server?.close()
  })

  it(`pages and filters the children of a node with ${childCount} of them, sending only the page`, async () => {
    const started = performance.now()
    const page = await get<ChildrenPageJson>('children', { path: '/big', offset: '99990', limit: '100' })
    expect(page.body, JSON.stringify(page.body).slice(0, 300)).toMatchObject({ total: childCount })
    expect(page.body.children.map((c) => c.name)).toEqual(names.slice(99_990))
    expect(page.bytes).toBeLessThan(2000)
    const filtered = await get<ChildrenPageJson>('children', { path: '/big', filter: '4242' })
    expect(filtered.body.matched).toBe(names.filter((n) => n.includes('4242')).length)
    expect(filtered.body.children[0]).toEqual({ name: '14242', numChildren: 0, ephemeral: false })
    expect(performance.now() - started).toBeLessThan(5000)
  })

  it('serves the page gzipped to a browser that takes it, with a policy that allows only its own scripts', async () => {
    const response = await fetch(base, { headers: { 'accept-encoding': 'gzip' } })
    expect(response.headers.get('content-encoding')).toBe('gzip')
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect(await response.text()).toContain('<title>Paddock console</title>')
  })

  it('reports the member from mntr and srvr, and its sessions from cons, noting the words the server refuses', async () => {
    const { body } = await get<EnsembleJson>('ensemble')
    expect(body.members).toHaveLength(1)
    expect(body.members[0]).toMatchObject({ role: 'standalone', znodeCount: expect.any(Number) as number, zxid: expect.stringMatching(/^0x[0-9a-f]+$/) as string })
    const sessions = await get<SessionsJson>('sessions')
    // The test's own TCP session and the console's are connected to it.
    expect(sessions.body.sessions.map((s) => s.id)).toContain(`0x${zk.sessionId.toString(16)}`)
    expect(sessions.body.notes).toEqual([expect.stringContaining('dump, wchc not answered') as string])
  })

  it('runs a read-only four-letter word on a member, and refuses one that changes something', async () => {
    const member = server.connectString ?? ''
    const srvr = await get<CommandOutputJson>('command', { member, name: 'srvr' })
    expect(srvr.body).toMatchObject({ member, command: 'srvr', output: expect.stringContaining('Mode: standalone') as string })
    expect(await get('command', { member, name: 'srst' })).toMatchObject({ status: 400, body: { code: 'BADREQUEST' } })
    expect(await get('command', { member: '127.0.0.1:1', name: 'srvr' })).toMatchObject({ status: 404, body: { code: 'NOMEMBER' } })
  })

  it('refuses changes before sign-in, and a recursive delete whose count changed since the confirmation', async () => {
    expect(await post('create', { path: '/t', data: '', mode: 0 })).toMatchObject({ status: 403, body: { code: 'READONLY' } })
    expect((await post('login', { user: 'carol', password: 'pw' })).status).toBe(200)
    expect((await post('create', { path: '/t', data: Buffer.from('x').toString('base64'), mode: 0 })).status).toBe(200)
    await zk.create('/t/a')
    const { body } = await get<{ count: number }>('count', { path: '/t' })
    expect(body.count).toBe(2)
    await zk.create('/t/b')
    expect(await post('delete', { path: '/t', recursive: true, count: 2 })).toMatchObject({ status: 409, body: { code: 'NOTEMPTY' } })
    expect(await zk.getChildren('/t')).toEqual(['a', 'b'])
    expect(await post('delete', { path: '/t', recursive: true, count: 3 })).toMatchObject({ status: 200, body: { deleted: 3 } })
    expect(await zk.exists('/t')).toBeNull()
  })

  it('replaces an ACL only at the aversion read, and refuses a malformed one', async () => {
    await zk.create('/guarded')
    const acl = [{ scheme: 'world', id: 'anyone', perms: 'ra' }]
    expect(await post('acl', { path: '/guarded', acl, aversion: 0 })).toMatchObject({ status: 200, body: { stat: { aversion: 1 } } })
    expect((await zk.getACL('/guarded')).acl).toEqual([{ perms: 17, id: { scheme: 'world', id: 'anyone' } }])
    expect(await post('acl', { path: '/guarded', acl, aversion: 0 })).toMatchObject({ status: 409, body: { code: 'BADVERSION' } })
    expect(await post('acl', { path: '/guarded', acl: [{ scheme: 'world', id: 'anyone', perms: 'x' }], aversion: 1 })).toMatchObject({ status: 400, body: { code: 'INVALIDACL' } })
  })

  it('creates TTL nodes with their mode and time to live', async () => {
    expect((await post('create', { path: '/ttl', data: '', mode: 5, ttlMs: 60_000 })).status).toBe(200)
    expect(await zk.exists('/ttl')).not.toBeNull()
  })
})
