// Method: in-process servers on loopback with SASL DIGEST-MD5 users and enforced authentication;
// Paddock's TCP client authenticates with the `sasl` option, and what each session may do shows
// which identity it holds (ZooKeeper: ZooKeeperServer.processSasl, AuthenticationHelper,
// SASLAuthenticationProvider). Interop with kazoo, zkCli.sh and Apache is in test/interop/sasl.test.ts.
import { afterEach, describe, expect, it } from 'vitest'
import { ClientImpl } from '../../../lib/client/client.js'
import { TcpConnection } from '../../../lib/client/tcp-connection.js'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AuthConfigError, connect, createServer, JaasError, parseZooCfg, Perms, serverOptionsFor, type Server, type ServerOptions, type ZooKeeperClient } from '../../../lib/index.js'

const users = { alice: 'alice-secret', bob: 'bob-secret', root: 'root-secret' }
const quiet = { info: () => {}, warn: () => {} }
const clients: ZooKeeperClient[] = []

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
})

function saslServer(options: Partial<ServerOptions> = {}): Promise<Server> {
  return createServer({ port: 0, host: '127.0.0.1', clientPortLogger: quiet, sasl: { users, superUser: 'root' }, ...options })
}

async function client(server: Server, sasl?: { username: string; password: string }, extra: Parameters<typeof connect>[1] = {}): Promise<ZooKeeperClient> {
  const zk = await connect(`127.0.0.1:${server.address?.port}`, { ...(sasl === undefined ? {} : { sasl }), initialConnectTimeoutMs: 5_000, ...extra })
  clients.push(zk)
  return zk
}

describe('SASL DIGEST-MD5 on the client port', () => {
  it('gives an authenticated session sasl:<user>, which sasl ACLs and the auth scheme use', async () => {
    await using server = await saslServer()
    const alice = await client(server, { username: 'alice', password: 'alice-secret' })
    expect((await alice.whoAmI()).map((id) => `${id.authScheme}:${id.user}`)).toContain('sasl:alice')
    await alice.create('/alice-only', 'for alice', { acl: [{ perms: Perms.ALL, id: { scheme: 'sasl', id: 'alice' } }] })
    await alice.create('/creator', 'x', { acl: [{ perms: Perms.ALL, id: { scheme: 'auth', id: '' } }] })
    expect((await alice.getACL('/creator')).acl).toEqual([{ perms: Perms.ALL, id: { scheme: 'sasl', id: 'alice' } }])
    expect((await alice.getString('/alice-only')).data).toBe('for alice')

    const bob = await client(server, { username: 'bob', password: 'bob-secret' })
    await expect(bob.getData('/alice-only')).rejects.toMatchObject({ code: 'NOAUTH' })
    const anonymous = await client(server)
    await expect(anonymous.getData('/alice-only')).rejects.toMatchObject({ code: 'NOAUTH' })
    // zookeeper.superUser: the SASL superuser holds every permission.
    const root = await client(server, { username: 'root', password: 'root-secret' })
    expect((await root.getString('/alice-only')).data).toBe('for alice')
  })

  it('authenticates again on every new connection of the session', async () => {
    await using server = await saslServer()
    const alice = await client(server, { username: 'alice', password: 'alice-secret' })
    await alice.create('/again', 'x', { acl: [{ perms: Perms.ALL, id: { scheme: 'sasl', id: 'alice' } }] })
    const reconnected = new Promise<void>((resolve) => {
      alice.onStateChange((e) => {
        if (e.state === 'SyncConnected') resolve()
      })
    })
    const transport = alice instanceof ClientImpl ? alice.transportForTesting : undefined
    if (!(transport instanceof TcpConnection)) throw new TypeError('expected a TCP client')
    transport.dropConnection()
    await reconnected
    expect((await alice.getString('/again')).data).toBe('x')
  })

  it('ends a client with a wrong password as AUTHFAILED', async () => {
    await using server = await saslServer()
    await expect(client(server, { username: 'alice', password: 'wrong' })).rejects.toMatchObject({ code: 'AUTHFAILED' })
    await expect(client(server, { username: 'nobody', password: 'x' })).rejects.toMatchObject({ code: 'AUTHFAILED' })
  })

  it('answers sasl OK with no token when no SASL users are configured, and the session stays anonymous', async () => {
    await using server = await createServer({ port: 0, host: '127.0.0.1', clientPortLogger: quiet })
    // The client's DIGEST-MD5 exchange then cannot complete: it gets no challenge to answer.
    await expect(client(server, { username: 'alice', password: 'alice-secret' })).rejects.toMatchObject({ code: 'AUTHFAILED' })
    const anonymous = await client(server)
    expect((await anonymous.whoAmI()).map((id) => id.authScheme)).toEqual(['ip'])
  })
})

describe('enforced authentication', () => {
  it('sasl: refuses a session that has not authenticated with SESSIONCLOSEDREQUIRESASLAUTH, and serves one that has', async () => {
    await using server = await saslServer({ enforceAuth: { schemes: ['sasl'] } })
    const anonymous = await client(server, undefined, { reconnectDelayMs: 60_000 })
    await expect(anonymous.exists('/')).rejects.toMatchObject({ code: 'SESSIONCLOSEDREQUIRESASLAUTH' })
    const alice = await client(server, { username: 'alice', password: 'alice-secret' })
    expect(await alice.exists('/')).not.toBeNull()
  })

  it('digest: a session that added digest credentials is served, an anonymous one is refused', async () => {
    await using server = await createServer({ port: 0, host: '127.0.0.1', clientPortLogger: quiet, enforceAuth: { schemes: ['digest'] } })
    const credentialed = await client(server, undefined, { auth: [{ scheme: 'digest', auth: new TextEncoder().encode('carol:pw') }] })
    expect(await credentialed.exists('/')).not.toBeNull()
    const anonymous = await client(server, undefined, { reconnectDelayMs: 60_000 })
    await expect(anonymous.create('/x', 'y')).rejects.toMatchObject({ code: 'SESSIONCLOSEDREQUIRESASLAUTH' })
  })

  it('refuses to start with no scheme, or a scheme the server cannot authenticate', async () => {
    const start = (options: Partial<ServerOptions>) => createServer({ port: 0, host: '127.0.0.1', clientPortLogger: quiet, ...options })
    await expect(start({ enforceAuth: { schemes: [] } })).rejects.toThrow(AuthConfigError)
    await expect(start({ enforceAuth: { schemes: ['sasl'] } })).rejects.toThrow(/scheme sasl is not available: no SASL users/)
    await expect(start({ enforceAuth: { schemes: ['x509'] } })).rejects.toThrow(/scheme x509 is not available: no TLS/)
    await expect(start({ enforceAuth: { schemes: ['kerberos'] } })).rejects.toThrow(/scheme kerberos is not available/)
    await expect(start({ sasl: { users: {} } })).rejects.toThrow(/sasl.users is empty/)
    await expect(start({ sasl: { users, jaasFile: '/x' } })).rejects.toThrow(/either users or jaasFile/)
  })
})

describe('from zoo.cfg', () => {
  it('reads the users from the jaasLoginConfig file, enforces sasl under sessionRequireClientSASLAuth, and names a file it cannot use', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'paddock-jaas-'))
    try {
      const jaas = join(dir, 'jaas.conf')
      await writeFile(jaas, 'Zk { org.apache.zookeeper.server.auth.DigestLoginModule required user_carol="carol-pw"; };\n')
      const cfg = (extra: string) => parseZooCfg(`dataDir=${dir}/data\nclientPort=0\nclientPortAddress=127.0.0.1\njaasLoginConfig=${jaas}\nzookeeper.sasl.serverconfig=Zk\n${extra}`, 'zoo.cfg')
      const options = serverOptionsFor(cfg('sessionRequireClientSASLAuth=true\nsuperUser=carol\n'))
      expect(options.enforceAuth).toEqual({ schemes: ['sasl'] })
      expect(options.sasl).toEqual({ jaasFile: jaas, section: 'Zk', superUser: 'carol' })
      await using server = await createServer({ ...options, clientPortLogger: quiet })
      const carol = await client(server, { username: 'carol', password: 'carol-pw' })
      expect((await carol.whoAmI()).map((id) => id.authScheme)).toEqual(['ip', 'sasl', 'super'])
      const anonymous = await client(server, undefined, { reconnectDelayMs: 60_000 })
      await expect(anonymous.exists('/')).rejects.toMatchObject({ code: 'SESSIONCLOSEDREQUIRESASLAUTH' })

      await writeFile(jaas, 'Zk { com.sun.security.auth.module.Krb5LoginModule required; };\n')
      await expect(createServer({ ...serverOptionsFor(cfg('')), clientPortLogger: quiet })).rejects.toThrow(/Kerberos \(GSSAPI\) is not supported/)
      await rm(jaas)
      await expect(createServer({ ...serverOptionsFor(cfg('')), clientPortLogger: quiet })).rejects.toThrow(JaasError)
      // ZooKeeper 3.7's keys: enforcement with schemes; without schemes the start is refused.
      expect(serverOptionsFor(cfg('enforce.auth.enabled=true\nzookeeper.enforce.auth.schemes=sasl,digest\n')).enforceAuth).toEqual({ schemes: ['sasl', 'digest'] })
      expect(() => cfg('enforce.auth.enabled=yes\n')).toThrow(/expected true or false/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
