// Method: standalone servers on loopback with the admin server on port 0 (HTTP, and HTTPS with
// client certificates openssl makes for the run); real clients set the ACL of `/`, then requests
// with each kind of Authorization header go to the three authenticated commands (snapshot,
// restore, shed_connections) and are checked against ZooKeeper 3.9's answers (Commands.runCommand,
// CommandAuthTest): 401 without credentials or with a header that authenticates nobody, 403 when
// the ACL of `/` does not grant every bit of ALL, and the command's own answer otherwise.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../../../lib/client/tcp.js'
import type { ZooKeeperClient } from '../../../lib/client/types.js'
import { digestId } from '../../../lib/digest.js'
import { createServer } from '../../../lib/host/server.js'
import type { Server, ServerOptions } from '../../../lib/host/types.js'
import { parseZooCfg, serverOptionsFor } from '../../../lib/index.js'
import { decodeZkSnapshot } from '../../../lib/migrate/zk-snapshot.js'
import { OPEN_ACL_UNSAFE, Perms, type ACL } from '../../../lib/protocol/data.js'
import { makeCertificates, pem, type Certificates, type Identity } from '../tls/certs.js'

let certs: Certificates
const dirs: string[] = []

beforeAll(async () => {
  certs = await makeCertificates()
  dirs.push(certs.dir)
}, 30_000)

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'paddock-admin-auth-'))
  dirs.push(dir)
  return dir
}

const quiet = { info: () => {}, warn: () => {} }
const superDigest = digestId('super:super-secret')
const backupId = { scheme: 'digest', id: digestId('backup:secret') }
const only = (perms: number, id: { scheme: string; id: string }): ACL[] => [{ perms, id }]

interface Reply {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

/** One request to the admin server, with the `Authorization` header when given; over HTTPS as `who` with `tls`. */
function admin(server: Server, method: 'GET' | 'POST', path: string, authorization?: string, options: { body?: Uint8Array; tls?: { who?: Identity } } = {}): Promise<Reply> {
  const { port } = server.adminAddress!
  const headers = { ...(authorization === undefined ? {} : { Authorization: authorization }), ...(options.body === undefined ? {} : { 'Content-Length': options.body.length }) }
  const base = { host: '127.0.0.1', port, method, path, headers }
  const who = options.tls?.who
  return new Promise((resolve, reject) => {
    const onResponse = (res: import('node:http').IncomingMessage) => {
      const parts: Buffer[] = []
      res.on('data', (part: Buffer) => parts.push(part))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }))
      res.on('error', reject)
    }
    const req = options.tls === undefined
      ? httpRequest(base, onResponse)
      : httpsRequest({ ...base, ca: pem(certs.ca), ...(who === undefined ? {} : { key: pem(who.key), cert: pem(who.cert) }) }, onResponse)
    req.on('error', reject)
    req.end(options.body === undefined ? undefined : Buffer.from(options.body))
  })
}

const json = (reply: Reply) => JSON.parse(reply.body.toString()) as Record<string, unknown>

/** A standalone server on LevelDB with both backup commands on and no rate limit. */
async function backupServer(options: ServerOptions = {}): Promise<Server> {
  return createServer({ port: 0, dataDir: await tempDir(), adminServerPort: 0, adminSnapshotEnabled: true, adminRestoreEnabled: true, adminRateLimiterIntervalMs: 0, superDigest, clientPortLogger: quiet, ...options })
}

async function client(server: Server): Promise<ZooKeeperClient> {
  return connect(server.connectString ?? '', { sessionTimeoutMs: 30_000 })
}

describe('admin commands with an AuthRequest, over HTTP', () => {
  it('answer 401 without credentials, whatever the ACL, while ruok and mntr stay open', async () => {
    await using server = await backupServer()
    for (const [method, path] of [['GET', '/commands/snapshot'], ['GET', '/commands/snap'], ['POST', '/commands/restore'], ['POST', '/commands/shed_connections'], ['POST', '/commands/shed']] as const) {
      const reply = await admin(server, method, path)
      expect(reply.status, path).toBe(401)
      expect(json(reply), path).toMatchObject({ error: 'Auth info is missing for the command' })
    }
    expect(json(await admin(server, 'GET', '/commands/snapshot'))).toEqual({ command: 'snapshot', error: 'Auth info is missing for the command' })
    expect((await admin(server, 'GET', '/commands/ruok')).status).toBe(200)
    expect(json(await admin(server, 'GET', '/commands/mntr'))).toMatchObject({ command: 'monitor', error: null })
  })

  it('let any well-formed credential through while `/` keeps its open ACL, as ZooKeeper does', async () => {
    await using server = await backupServer()
    for (const authorization of ['digest anyone:anything', 'ip', 'ip 10.1.2.3', 'digest backup:secret ']) {
      const reply = await admin(server, 'GET', '/commands/snapshot?streaming=false', authorization)
      expect(reply.status, authorization).toBe(200)
    }
  })

  it('answer 401 "Not authenticated" to a header that authenticates nobody, and 403 "Not authorized" to a wrong password', async () => {
    await using server = await backupServer()
    const zk = await client(server)
    await zk.setACL('/', only(Perms.ALL, backupId))
    const notAuthenticated = ['', 'digest', 'digest ', 'digest backup', 'digest  backup:secret', 'digest:backup:secret', 'digest backup:secret extra', 'sasl backup:secret', 'Digest backup:secret', 'x509', 'super super-secret']
    for (const authorization of notAuthenticated) {
      const reply = await admin(server, 'GET', '/commands/snapshot', authorization)
      expect({ authorization, status: reply.status, body: json(reply) }).toEqual({ authorization, status: 401, body: { command: 'snapshot', error: 'Not authenticated' } })
    }
    // ZooKeeper's DigestAuthenticationProvider authenticates any user:password, as the id it hashes to.
    for (const authorization of ['digest backup:wrong', 'digest other:secret', 'ip']) {
      const reply = await admin(server, 'GET', '/commands/snapshot', authorization)
      expect({ authorization, status: reply.status, body: json(reply) }).toEqual({ authorization, status: 403, body: { command: 'snapshot', error: 'Not authorized' } })
    }
    await zk.close()
  })

  it('serve a working snapshot to the digest the ACL of `/` grants ALL, and to the super digest', async () => {
    await using server = await backupServer()
    const zk = await client(server)
    await zk.create('/kept', 'value')
    await zk.setACL('/', only(Perms.ALL, backupId))
    for (const authorization of ['digest backup:secret', 'digest super:super-secret']) {
      const reply = await admin(server, 'GET', '/commands/snapshot', authorization)
      expect(reply.status, authorization).toBe(200)
      expect(reply.headers['content-type']).toBe('application/octet-stream')
      const snapshot = decodeZkSnapshot(reply.body, 'backup')
      expect(snapshot.lastProcessedZxid).toBe(Number(reply.headers['last_zxid']))
      const kept = snapshot.nodes.find((n) => n.path === '/kept')
      expect(Buffer.from(kept?.data ?? []).toString()).toBe('value')
      const root = snapshot.nodes.find((n) => n.path === '/')
      expect(snapshot.acls.get(root?.aclRef ?? -1n)).toEqual(only(Perms.ALL, backupId))
    }
    await zk.close()
  })

  it('check the ACL of `/` bit by bit: part of ALL is 403, ALL in two entries for the same id passes', async () => {
    await using server = await backupServer()
    const zk = await client(server)
    await zk.addAuth('digest', 'super:super-secret')
    await zk.setACL('/', only(Perms.ALL & ~Perms.ADMIN, backupId))
    expect((await admin(server, 'GET', '/commands/snapshot?streaming=false', 'digest backup:secret')).status).toBe(403)
    await zk.setACL('/', [{ perms: Perms.READ | Perms.WRITE, id: backupId }, { perms: Perms.CREATE | Perms.DELETE | Perms.ADMIN, id: backupId }])
    expect((await admin(server, 'GET', '/commands/snapshot?streaming=false', 'digest backup:secret')).status).toBe(200)
    await zk.setACL('/', [{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }, { perms: Perms.ALL, id: backupId }])
    expect((await admin(server, 'GET', '/commands/snapshot?streaming=false', 'digest someone:else')).status).toBe(403)
    await zk.close()
  })

  it('authenticate the ip scheme as the client address, against ip ACLs with and without a prefix', async () => {
    await using server = await backupServer()
    const zk = await client(server)
    await zk.addAuth('digest', 'super:super-secret')
    for (const [rule, status] of [['127.0.0.1', 200], ['127.0.0.0/8', 200], ['10.0.0.0/8', 403], ['192.168.1.1', 403]] as const) {
      await zk.setACL('/', only(Perms.ALL, { scheme: 'ip', id: rule }))
      expect((await admin(server, 'GET', '/commands/snapshot?streaming=false', 'ip')).status, rule).toBe(status)
    }
    await zk.close()
  })

  it('refuse a restore from credentials the ACL does not grant and change nothing; restore for those it does', async () => {
    await using server = await backupServer()
    const zk = await client(server)
    await zk.create('/before', 'x')
    await zk.setACL('/', only(Perms.ALL, backupId))
    const backup = await admin(server, 'GET', '/commands/snapshot', 'digest backup:secret')
    expect(backup.status).toBe(200)
    await zk.addAuth('digest', 'backup:secret')
    await zk.create('/after', 'y')
    const zxid = server.lastZxid
    for (const [authorization, status] of [[undefined, 401], ['digest backup:wrong', 403], ['nope', 401]] as const) {
      const refused = await admin(server, 'POST', '/commands/restore', authorization, { body: backup.body })
      expect(refused.status, authorization).toBe(status)
      expect(json(refused).command).toBe('restore')
    }
    expect(server.lastZxid).toBe(zxid)
    expect(await zk.exists('/after')).not.toBeNull()
    const restored = await admin(server, 'POST', '/commands/restore', 'digest backup:secret', { body: backup.body })
    expect(restored.status).toBe(200)
    await zk.close()
    const reader = await client(server)
    await reader.addAuth('digest', 'backup:secret')
    expect(await reader.exists('/after')).toBeNull()
    expect(await reader.exists('/before')).not.toBeNull()
    await reader.close()
  }, 60_000)

  it('authenticate before the feature flag: a disabled snapshot is 401 without credentials and 503 with them', async () => {
    await using server = await backupServer({ adminSnapshotEnabled: false })
    expect((await admin(server, 'GET', '/commands/snapshot')).status).toBe(401)
    const disabled = await admin(server, 'GET', '/commands/snapshot', 'digest backup:secret')
    expect(disabled.status).toBe(503)
    expect(String(json(disabled).error)).toMatch(/^snapshot is disabled: set admin.snapshot.enabled=true/)
  })
})

/** Resolves once the client has lost its connection and is connected again. */
function reconnected(zk: ZooKeeperClient): Promise<void> {
  return new Promise((resolve) => {
    let lost = false
    const stop = zk.onStateChange((event) => {
      if (event.state === 'Disconnected') lost = true
      if (lost && event.state === 'SyncConnected') {
        stop()
        resolve()
      }
    })
  })
}

describe('shed_connections', () => {
  it('closes every client connection for 100%, none for 0%; the sessions live on and the clients reconnect', async () => {
    await using server = await backupServer()
    const clients = await Promise.all([client(server), client(server), client(server)])
    const sessions = clients.map((c) => c.sessionId)
    await clients[0]!.setACL('/', only(Perms.ALL, backupId))
    const shed = (percentage: unknown, authorization = 'digest backup:secret') => admin(server, 'POST', '/commands/shed_connections', authorization, { body: Buffer.from(JSON.stringify({ percentage })) })

    expect(json(await shed(0))).toEqual({ connections_shed: 0, percentage_requested: 0, command: 'shed_connections', error: null })
    expect((await shed(100, 'digest backup:wrong')).status).toBe(403)
    const back = clients.map(reconnected)
    const all = await shed(100)
    expect(all.status).toBe(200)
    expect(json(all)).toEqual({ connections_shed: 3, percentage_requested: 100, command: 'shed_connections', error: null })
    await Promise.all(back)
    expect(clients.map((c) => c.sessionId)).toEqual(sessions)
    // Exactly the share asked for, rounded: 34% of 3 connections is 1.
    const one = clients.map(reconnected)
    expect(json(await shed(34))).toMatchObject({ connections_shed: 1, percentage_requested: 34 })
    await Promise.race(one)
    const zk = clients[0]!
    await zk.addAuth('digest', 'backup:secret')
    expect(await zk.exists('/')).not.toBeNull()
    for (const c of clients) await c.close()
  }, 60_000)

  it('answers 400 with ZooKeeper\'s messages to a body it cannot use, and only to POST with an Authorization header', async () => {
    await using server = await backupServer()
    const post = (body: string) => admin(server, 'POST', '/commands/shed', 'digest backup:secret', { body: Buffer.from(body) })
    const errors: Record<string, string | RegExp> = {
      '': 'Request body is required',
      '{': /^Invalid JSON or failed to read request body: /,
      '{}': 'Missing required field: percentage',
      '[50]': 'Missing required field: percentage',
      '{"percentage": 101}': 'Percentage must be between 0 and 100',
      '{"percentage": -1}': 'Percentage must be between 0 and 100',
      '{"percentage": 12.5}': 'percentage must be an integer, got 12.5',
      '{"percentage": "50"}': 'percentage must be an integer, got "50"',
    }
    for (const [body, error] of Object.entries(errors)) {
      const reply = await post(body)
      expect(reply.status, body).toBe(400)
      expect(json(reply).command).toBe('shed_connections')
      if (typeof error === 'string') expect(json(reply).error, body).toBe(error)
      else expect(json(reply).error, body).toMatch(error)
    }
    expect((await admin(server, 'GET', '/commands/shed_connections', 'digest backup:secret')).status).toBe(405)
    expect((await admin(server, 'POST', '/commands/shed', 'digest backup:secret', { body: Buffer.alloc(5000, 32) })).status).toBe(413)
  })
})

describe('the x509 scheme over HTTPS with admin.needClientAuth', () => {
  async function httpsServer(): Promise<Server> {
    const dir = await tempDir()
    const config = parseZooCfg([
      `dataDir=${dir}`, 'clientPort=0', 'clientPortAddress=127.0.0.1', 'admin.serverPort=0', 'admin.serverAddress=127.0.0.1',
      'admin.forceHttps=true', 'admin.needClientAuth=true', 'admin.snapshot.enabled=true', 'admin.rateLimiterIntervalInMS=0',
      `ssl.quorum.keyStore.location=${certs.server.keyStore}`, `ssl.quorum.trustStore.location=${certs.ca}`,
      `X509AuthenticationProvider.superUser=${certs.admin.subject}`, `DigestAuthenticationProvider.superDigest=${superDigest}`, '',
    ].join('\n'), 'zoo.cfg')
    return createServer({ ...serverOptionsFor(config), clientPortLogger: quiet })
  }

  it('authenticates the verified client certificate\'s subject, and the x509 superuser', async () => {
    await using server = await httpsServer()
    const zk = await client(server)
    await zk.setACL('/', only(Perms.ALL, { scheme: 'x509', id: certs.alice.subject }))
    const snapshot = (who: Identity, authorization?: string) => admin(server, 'GET', '/commands/snapshot?streaming=false', authorization, { tls: { who } })
    expect((await snapshot(certs.alice, 'x509')).status).toBe(200)
    expect((await snapshot(certs.admin, 'x509')).status).toBe(200)
    expect(json(await snapshot(certs.bob, 'x509'))).toEqual({ command: 'snapshot', error: 'Not authorized' })
    expect((await snapshot(certs.alice)).status).toBe(401)
    expect((await snapshot(certs.alice, 'digest backup:secret')).status).toBe(403)
    expect((await snapshot(certs.bob, 'digest super:super-secret')).status).toBe(200)
    // ruok stays open to any client with a trusted certificate.
    expect((await admin(server, 'GET', '/commands/ruok', undefined, { tls: { who: certs.bob } })).status).toBe(200)
    await zk.addAuth('digest', 'super:super-secret')
    await zk.setACL('/', OPEN_ACL_UNSAFE)
    await zk.close()
  })

  it('refuses a client without a certificate, or with one from another CA, in the handshake', async () => {
    await using server = await httpsServer()
    await expect(admin(server, 'GET', '/commands/ruok', undefined, { tls: {} })).rejects.toThrow()
    await expect(admin(server, 'GET', '/commands/ruok', 'x509', { tls: { who: certs.rogue } })).rejects.toThrow()
  })

  it('answers the x509 scheme with 401 over HTTPS without admin.needClientAuth: no certificate is asked for', async () => {
    await using server = await backupServer({ adminServerTls: { keyStore: { location: certs.server.keyStore } } })
    const reply = await admin(server, 'GET', '/commands/snapshot?streaming=false', 'x509', { tls: { who: certs.alice } })
    expect(json(reply)).toEqual({ command: 'snapshot', error: 'Not authenticated' })
  })
})
