// Method: one in-process server per ssl.clientAuth mode on loopback; clients present each kind of
// certificate openssl made for this run (certs.ts) and the test sees which get a session, which
// identity it holds, and what x509 ACLs admit (ZooKeeper: NettyServerCnxnFactory.CertificateVerifier,
// X509AuthenticationProvider, PrepRequestProcessor.fixupACL).
import { rm } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, createServer, CREATOR_ALL_ACL, Perms, type Server, type ServerTlsOptions, type ZooKeeperClient } from '../../../lib/index.js'
import { clientTls, makeCertificates, type Certificates, type Identity } from './certs.js'
import { tlsExchange, WaitingLogger } from './helpers.js'

let certs: Certificates

beforeAll(async () => {
  certs = await makeCertificates()
}, 30_000)

afterAll(async () => {
  await rm(certs.dir, { recursive: true, force: true })
})

async function tlsServer(tls: Partial<ServerTlsOptions>, logger = new WaitingLogger()): Promise<Server> {
  return createServer({
    fourLetterWordsWhitelist: '*',
    clientPortLogger: logger,
    port: 0,
    host: '127.0.0.1',
    tls: { port: 0, host: '127.0.0.1', keyStore: { location: certs.server.keyStore }, trustStore: { location: certs.ca }, ...tls },
  })
}

/** Whether a client presenting `who` (nothing when undefined) is served: `ruok` answered over TLS. */
async function served(server: Server, who: Identity | undefined): Promise<boolean> {
  const answer = await tlsExchange(server.secureAddress?.port ?? 0, clientTls(certs, who))
  return answer.data.toString() === 'imok'
}

function tlsClient(server: Server, who: Identity | undefined): Promise<ZooKeeperClient> {
  return connect(`127.0.0.1:${server.secureAddress?.port}`, { tls: clientTls(certs, who) })
}

describe('ssl.clientAuth', () => {
  it('need (the default): serves a certificate from the trusted CA; refuses none, one from another CA and an expired one', async () => {
    const logger = new WaitingLogger()
    await using server = await tlsServer({}, logger)
    expect(await served(server, certs.alice)).toBe(true)
    expect(await served(server, undefined)).toBe(false)
    expect(await served(server, certs.rogue)).toBe(false)
    expect(await served(server, certs.expired)).toBe(false)
    expect(logger.lines.join('\n')).toMatch(/TLS handshake with \/127\.0\.0\.1:\d+ failed/)
  })

  it('need: the typed client without a certificate gets no session (CONNECTIONLOSS)', async () => {
    await using server = await tlsServer({})
    const attempt = connect(`127.0.0.1:${server.secureAddress?.port}`, { tls: clientTls(certs), initialConnectTimeoutMs: 1_500, sessionTimeoutMs: 4_000 })
    await expect(attempt).rejects.toMatchObject({ code: 'CONNECTIONLOSS' })
  })

  it('want: serves a client without a certificate (no x509 id), and still refuses untrusted and expired ones', async () => {
    const logger = new WaitingLogger()
    await using server = await tlsServer({ clientAuth: 'want' }, logger)
    expect(await served(server, undefined)).toBe(true)
    expect(await served(server, certs.alice)).toBe(true)
    const refused = logger.next(/Refusing TLS connection .*client certificate not trusted/)
    expect(await served(server, certs.rogue)).toBe(false)
    await refused
    expect(await served(server, certs.expired)).toBe(false)
    const anonymous = await tlsClient(server, undefined)
    try {
      expect((await anonymous.whoAmI()).map((id) => id.authScheme)).toEqual(['ip'])
    } finally {
      await anonymous.close()
    }
  })

  it('none: asks for no certificate, so even a valid one gives no x509 id', async () => {
    await using server = await tlsServer({ clientAuth: 'none' })
    expect(await served(server, undefined)).toBe(true)
    const zk = await tlsClient(server, certs.alice)
    try {
      expect((await zk.whoAmI()).map((id) => id.authScheme)).toEqual(['ip'])
    } finally {
      await zk.close()
    }
  })

  it('with clientHostnameVerification, refuses a certificate that does not name the client address', async () => {
    const logger = new WaitingLogger()
    await using server = await tlsServer({ clientHostnameVerification: true }, logger)
    expect(await served(server, certs.alice)).toBe(true) // subjectAltName IP:127.0.0.1
    const refused = logger.next(/does not name 127\.0\.0\.1/)
    expect(await served(server, certs.bob)).toBe(false) // no subjectAltName
    await refused
  })
})

describe('the x509 scheme', () => {
  it('authenticates a verified client as x509:<subject DN in RFC 2253 form> from the start of its session', async () => {
    await using server = await tlsServer({})
    const zk = await tlsClient(server, certs.alice)
    try {
      expect(await zk.whoAmI()).toEqual([
        { authScheme: 'ip', user: '127.0.0.1' },
        { authScheme: 'x509', user: 'CN=alice,OU=eng,O=Acme' },
      ])
    } finally {
      await zk.close()
    }
  })

  it('an x509 ACL admits only its subject: not another verified client, not plain text', async () => {
    await using server = await tlsServer({})
    const alice = await tlsClient(server, certs.alice)
    const bob = await tlsClient(server, certs.bob)
    const plain = await connect(server.connectString ?? '')
    try {
      await alice.create('/alice', 'mine', { acl: [{ perms: Perms.ALL, id: { scheme: 'x509', id: certs.alice.subject } }] })
      expect((await alice.getString('/alice')).data).toBe('mine')
      await expect(bob.getData('/alice')).rejects.toMatchObject({ code: 'NOAUTH' })
      await expect(plain.getData('/alice')).rejects.toMatchObject({ code: 'NOAUTH' })
      await expect(bob.setData('/alice', 'theirs')).rejects.toMatchObject({ code: 'NOAUTH' })
      expect((await alice.getACL('/alice')).acl).toEqual([{ perms: Perms.ALL, id: { scheme: 'x509', id: 'CN=alice,OU=eng,O=Acme' } }])
    } finally {
      await Promise.all([alice.close(), bob.close(), plain.close()])
    }
  })

  it('the auth scheme stands for the x509 id, and an id that is no distinguished name is INVALIDACL', async () => {
    await using server = await tlsServer({})
    const alice = await tlsClient(server, certs.alice)
    try {
      await alice.create('/creator', '', { acl: CREATOR_ALL_ACL })
      expect((await alice.getACL('/creator')).acl).toEqual([{ perms: Perms.ALL, id: { scheme: 'x509', id: 'CN=alice,OU=eng,O=Acme' } }])
      await expect(alice.create('/bad', '', { acl: [{ perms: Perms.ALL, id: { scheme: 'x509', id: 'not a name' } }] })).rejects.toMatchObject({ code: 'INVALIDACL' })
      await alice.setACL('/creator', [{ perms: Perms.READ, id: { scheme: 'x509', id: 'CN=bob,O=Acme' } }])
    } finally {
      await alice.close()
    }
  })

  it('the x509 superuser holds every permission, and whoAmI shows super', async () => {
    await using server = await tlsServer({ x509SuperUser: certs.admin.subject })
    const alice = await tlsClient(server, certs.alice)
    const admin = await tlsClient(server, certs.admin)
    try {
      await alice.create('/locked', 'x', { acl: [{ perms: Perms.ALL, id: { scheme: 'x509', id: certs.alice.subject } }] })
      expect((await admin.getString('/locked')).data).toBe('x')
      await admin.delete('/locked')
      expect(await admin.whoAmI()).toContainEqual({ authScheme: 'super', user: 'CN=admin,O=Acme' })
    } finally {
      await Promise.all([alice.close(), admin.close()])
    }
  })

  it('addauth x509 is OK with a verified certificate; without one it is AUTHFAILED and the connection closes', async () => {
    await using server = await tlsServer({})
    const alice = await tlsClient(server, certs.alice)
    try {
      await alice.addAuth('x509', '')
      expect(await alice.whoAmI()).toContainEqual({ authScheme: 'x509', user: certs.alice.subject })
    } finally {
      await alice.close()
    }
    const plain = await connect(server.connectString ?? '')
    try {
      await expect(plain.addAuth('x509', 'CN=alice,OU=eng,O=Acme')).rejects.toMatchObject({ code: 'AUTHFAILED' })
      expect(plain.connectionState).toBe('authFailed')
    } finally {
      await plain.close()
    }
  })
})
