// Method: real ZooKeeper clients over TLS. kazoo (use_ssl, ca, certfile, keyfile, verify_certs) runs
// python/tls.py against Paddock and Apache ZooKeeper 3.8, both with a secureClientPort, PEM key and
// trust stores and the certificates openssl makes for this run (test/integration/tls/certs.ts); Apache
// runs with NettyServerCnxnFactory and X509AuthenticationProvider, so what kazoo sees there proves the
// expectations ZooKeeper's. zkCli.sh (ClientCnxnSocketNetty, PEM stores) runs against both the same
// way. Last, the x509 ids Paddock derives for awkward subjects are compared with the ones Java's
// X500Principal.getName() prints (java/X500Name.java), the function ZooKeeper's provider uses.
// Curator 5 (java/CuratorTls.java) connects through ZooKeeper's client TLS keys to both as well.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, createServer } from '../../lib/index.js'
import { clientTls, makeCertificates, type Certificates } from '../integration/tls/certs.js'
import { apacheUnavailableReason, javaPath, nettyTlsJars, startApacheZooKeeper, zookeeperConfDir, zookeeperJar } from './harness/apache.js'
import { freePort } from './harness/ports.js'
import { kazooUnavailableReason, runKazooScript } from './harness/python.js'
import { defaultSettings, hookTimeoutMs } from './harness/targets.js'
import { zkCliSessionTimeoutMs, zkCliUnavailableReason, zkCliWith } from './harness/zkcli.js'

const run = promisify(execFile)

/** Why Netty cannot do TLS for Apache's server or client here, or undefined when it can. */
function nettyMissing(): string | undefined {
  const absent = nettyTlsJars.filter((jar) => !existsSync(jar))
  return absent.length === 0 ? undefined : `${absent.join(', ')} missing (apt-get install libnetty-java), so Netty cannot do TLS`
}

const kazooMissing = kazooUnavailableReason()
const zkCliMissing = zkCliUnavailableReason() ?? nettyMissing()
for (const [what, missing] of [['kazoo', kazooMissing], ['zkCli.sh', zkCliMissing]] as const) {
  if (missing !== undefined && process.env['CI'] === 'true') throw new Error(`interop: ${what} is required in CI: ${missing}`)
  if (missing !== undefined) console.warn(`interop: skipping the ${what} TLS checks: ${missing}`)
}

/** A server with a TLS-only port under test. */
interface TlsServer {
  readonly securePort: number
  stop(): Promise<void>
}

interface TlsTarget {
  readonly name: 'apache' | 'paddock'
  /** Why it cannot run here (the test name says so), or undefined. */
  readonly unavailable: string | undefined
  start(certs: Certificates, settings?: Partial<typeof defaultSettings>): Promise<TlsServer>
}

const paddock: TlsTarget = {
  name: 'paddock',
  unavailable: undefined,
  async start(certs, settings = {}) {
    const { tickTimeMs, minSessionTimeoutMs, maxSessionTimeoutMs } = { ...defaultSettings, ...settings }
    const server = await createServer({
      tickTimeMs, minSessionTimeoutMs, maxSessionTimeoutMs,
      fourLetterWordsWhitelist: '*',
      maxClientCnxns: 0,
      clientPortLogger: { warn: () => {}, info: () => {} },
      tls: { port: 0, host: '127.0.0.1', keyStore: { location: certs.server.keyStore, type: 'PEM' }, trustStore: { location: certs.ca, type: 'PEM' } },
    })
    return { securePort: server.secureAddress?.port ?? 0, stop: () => server.close() }
  },
}

const apache: TlsTarget = {
  name: 'apache',
  unavailable: apacheUnavailableReason() ?? nettyMissing(),
  async start(certs, settings = {}) {
    const securePort = await freePort()
    const server = await startApacheZooKeeper({
      ...defaultSettings,
      ...settings,
      extendedTypesEnabled: true,
      fourLetterWords: '*',
      extraClasspath: nettyTlsJars,
      extraConfig: [
        `secureClientPort=${securePort}`,
        'secureClientPortAddress=127.0.0.1',
        'serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory',
        'authProvider.x509=org.apache.zookeeper.server.auth.X509AuthenticationProvider',
        `ssl.keyStore.location=${certs.server.keyStore}`,
        'ssl.keyStore.type=PEM',
        `ssl.trustStore.location=${certs.ca}`,
        'ssl.trustStore.type=PEM',
      ],
    })
    return { securePort, stop: () => server.stop() }
  },
}

/** The targets of this run: INTEROP_TARGETS narrows them, as for every interop file. */
const requested = process.env['INTEROP_TARGETS']?.split(',').map((name) => name.trim())
const tlsTargets = [apache, paddock].filter((t) => requested === undefined || requested.includes(t.name))

let certs: Certificates

beforeAll(async () => {
  certs = await makeCertificates()
}, 30_000)

afterAll(async () => {
  await rm(certs.dir, { recursive: true, force: true })
})

for (const target of tlsTargets) {
  const skip = kazooMissing !== undefined || target.unavailable !== undefined
  const title = target.unavailable === undefined ? `${target.name}: kazoo over TLS` : `${target.name}: kazoo over TLS (skipped: ${target.unavailable})`
  describe.skipIf(skip)(title, () => {
    let server: TlsServer
    const kazoo = <T>(who: 'alice' | 'bob' | 'rogue' | 'expired' | undefined, action: string, ...args: string[]) => {
      const identity = who === undefined ? undefined : certs[who]
      return runKazooScript<T>('tls.py', `127.0.0.1:${server.securePort}`, certs.ca, identity?.cert ?? '-', identity?.key ?? '-', action, ...args)
    }

    beforeAll(async () => {
      server = await target.start(certs)
    }, hookTimeoutMs)

    afterAll(async () => {
      await server?.stop()
    }, hookTimeoutMs)

    it('opens a session with use_ssl, the CA and a client certificate, and works in it', async () => {
      expect(await kazoo('alice', 'session')).toEqual({ data: 'over tls' })
    })

    it('gets no session in plain text on the secure port', async () => {
      expect(await kazoo(undefined, 'plain-refused')).toMatchObject({ connected: false })
    })

    it('with ssl.clientAuth=need (the default), gets no session without a certificate, with one from another CA, or with an expired one', async () => {
      expect(await kazoo(undefined, 'refused')).toMatchObject({ connected: false })
      expect(await kazoo('rogue', 'refused')).toMatchObject({ connected: false })
      expect(await kazoo('expired', 'refused')).toMatchObject({ connected: false })
    })

    it('an x509 ACL admits only its subject', async () => {
      const own = await kazoo<{ path: string; data: string; acl: unknown[] }>('alice', 'own-acl', certs.alice.subject)
      expect(own.data).toBe('mine')
      expect(own.acl).toEqual([[31, 'x509', 'CN=alice,OU=eng,O=Acme']])
      expect(await kazoo('bob', 'read', own.path)).toEqual({ error: 'NoAuthError' })
      expect(await kazoo('alice', 'read', own.path)).toEqual({ data: 'mine' })
    })
  })
}

for (const target of tlsTargets) {
  const skip = zkCliMissing !== undefined || target.unavailable !== undefined
  const title = `${target.name}: zkCli.sh over TLS (ClientCnxnSocketNetty, PEM stores)${target.unavailable === undefined ? '' : ` (skipped: ${target.unavailable})`}`
  describe.skipIf(skip)(title, () => {
    let server: TlsServer

    beforeAll(async () => {
      server = await target.start(certs, { maxSessionTimeoutMs: zkCliSessionTimeoutMs })
    }, hookTimeoutMs)

    afterAll(async () => {
      await server?.stop()
    }, hookTimeoutMs)

    const secureFlags = (keyStore: string) => [
      // zkCli.sh's class path lacks Netty's codec and resolver (see nettyTlsJars); the JVM takes the last -cp.
      '-cp', [zookeeperConfDir, zookeeperJar, ...nettyTlsJars].join(':'),
      '-Dzookeeper.client.secure=true',
      '-Dzookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty',
      `-Dzookeeper.ssl.keyStore.location=${keyStore}`,
      '-Dzookeeper.ssl.keyStore.type=PEM',
      `-Dzookeeper.ssl.trustStore.location=${certs.ca}`,
      '-Dzookeeper.ssl.trustStore.type=PEM',
    ]

    it('runs commands over TLS, authenticated as x509:<subject>', async () => {
      const zkCli = (...command: string[]) => zkCliWith(secureFlags(certs.alice.keyStore), `127.0.0.1:${server.securePort}`, ...command)
      expect(await zkCli('create', '/zkcli-tls', 'sealed')).toMatchObject({ code: 0, err: 'Created /zkcli-tls' })
      expect(await zkCli('get', '/zkcli-tls')).toMatchObject({ code: 0, out: 'sealed' })
      const whoami = await zkCli('whoami')
      expect(whoami.out.split('\n')).toContain('x509: CN=alice,OU=eng,O=Acme')
    })
  })
}

const javaMissing = existsSync(javaPath) ? undefined : `${javaPath} is missing`
const curatorJar = '/usr/share/java/curator-framework.jar'
const curatorMissing = javaMissing ?? nettyMissing() ?? (existsSync(curatorJar) ? undefined : `${curatorJar} is missing (apt-get install libcurator-recipes-java)`)
if (curatorMissing !== undefined && process.env['CI'] === 'true') throw new Error(`interop: Curator is required in CI: ${curatorMissing}`)

for (const target of tlsTargets) {
  const skip = curatorMissing !== undefined || target.unavailable !== undefined
  const why = curatorMissing ?? target.unavailable
  describe.skipIf(skip)(`${target.name}: Curator over TLS${why === undefined ? '' : ` (skipped: ${why})`}`, () => {
    let server: TlsServer

    beforeAll(async () => {
      server = await target.start(certs, { maxSessionTimeoutMs: 30_000 })
    }, hookTimeoutMs)

    afterAll(async () => {
      await server?.stop()
    }, hookTimeoutMs)

    it('connects with its client certificate through ZooKeeper\'s client TLS keys, authenticated as x509:<subject>', async () => {
      const program = fileURLToPath(new URL('java/CuratorTls.java', import.meta.url))
      const flags = [
        '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC',
        '-Dzookeeper.client.secure=true',
        '-Dzookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty',
        `-Dzookeeper.ssl.keyStore.location=${certs.alice.keyStore}`,
        '-Dzookeeper.ssl.keyStore.type=PEM',
        `-Dzookeeper.ssl.trustStore.location=${certs.ca}`,
        '-Dzookeeper.ssl.trustStore.type=PEM',
      ]
      const { stdout } = await run(javaPath, [...flags, '-cp', [zookeeperConfDir, '/usr/share/java/*'].join(':'), program, `127.0.0.1:${server.securePort}`, 'sealed by curator'], { timeout: 90_000 })
      const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { connected: boolean; data?: string; ids?: string[] }
      expect(result).toMatchObject({ connected: true, data: 'sealed by curator' })
      expect(result.ids).toContain('x509:CN=alice,OU=eng,O=Acme')
    }, 120_000)
  })
}

describe.skipIf(javaMissing !== undefined)('x509 ids', () => {
  const subjects = [
    '/DC=com/DC=acme/O=A, B+OU=x=y/CN= lead#;trail /emailAddress=a@b.c/UID=u1',
    '/C=DE/L=München/street=Main St 1/O=Acme/CN=Jörg/serialNumber=42',
    '/O=semi;colon/CN=quote"and<less>',
  ]

  it('are, for awkward subjects (escapes, a multi-valued name, OIDs, UTF-8), what Java\'s X500Principal.getName() prints', async () => {
    const dir = certs.dir
    const names = subjects.map((_, i) => `awkward-${i}`)
    for (const [i, name] of names.entries()) {
      await run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-utf8', '-multivalue-rdn', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subjects[i] ?? ''], { cwd: dir })
      await run('openssl', ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', String(100 + i), '-days', '2', '-out', `${name}.pem`], { cwd: dir })
    }
    const program = fileURLToPath(new URL('java/X500Name.java', import.meta.url))
    const java = (await run(javaPath, [program, ...names.map((name) => join(dir, `${name}.pem`))])).stdout.trim().split('\n')
    const server = await paddock.start(certs)
    try {
      const paddockIds: (string | undefined)[] = []
      for (const name of names) {
        const zk = await connect(`127.0.0.1:${server.securePort}`, { tls: clientTls(certs, { key: join(dir, `${name}.key`), cert: join(dir, `${name}.pem`), keyStore: '', subject: '' }) })
        const ids = await zk.whoAmI().finally(() => zk.close())
        paddockIds.push(ids.find((id) => id.authScheme === 'x509')?.user)
      }
      expect(java).toHaveLength(subjects.length)
      expect(paddockIds).toEqual(java)
    } finally {
      await server.stop()
    }
  }, 60_000)
})
