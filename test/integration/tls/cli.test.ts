// Method: the `paddock` command over TLS: `paddock shell` run in process with fake streams against
// an in-process server whose port speaks only TLS, given its TLS settings as flags, as a zkCli
// client configuration file and as -D arguments; and `paddock server` (a transpiled build on bare
// node, as its modules and bundled as installed) started from a zoo.cfg with only
// secureClientPort, probed and stopped over TLS.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { connect as netConnect } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type Server } from '../../../lib/index.js'
import { shell } from '../cli/shell-helpers.js'
import { freePorts } from '../ensemble/processes-harness.js'
import { bundleCli, compileProject } from '../helpers/compile.js'
import { makeCertificates, type Certificates } from './certs.js'

let certs: Certificates
let server: Server
let target: string

beforeAll(async () => {
  certs = await makeCertificates()
  server = await createServer({
    clientPortLogger: { warn: () => {}, info: () => {} },
    fourLetterWordsWhitelist: '*',
    tls: { port: 0, host: '127.0.0.1', keyStore: { location: certs.server.keyStore }, trustStore: { location: certs.ca } },
  })
  target = `127.0.0.1:${server.secureAddress?.port}`
}, 30_000)

afterAll(async () => {
  await server.close()
  await rm(certs.dir, { recursive: true, force: true })
})

describe('paddock shell over TLS', () => {
  it('connects with --tls --ca --cert --key and is x509:<subject>', async () => {
    const run = await shell(['-server', target, '--ca', certs.ca, '--cert', certs.alice.cert, '--key', certs.alice.key, 'whoami'])
    expect(run.err).toBe('')
    expect(run.code).toBe(0)
    expect(run.out).toContain('x509: CN=alice,OU=eng,O=Acme')
  })

  it('reads a zkCli client configuration file (zookeeper.client.secure, PEM key and trust stores)', async () => {
    const file = join(certs.dir, 'client.properties')
    await writeFile(file, [
      'zookeeper.client.secure=true',
      'zookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty',
      `zookeeper.ssl.keyStore.location=${certs.bob.keyStore}`,
      'zookeeper.ssl.keyStore.type=PEM',
      `zookeeper.ssl.trustStore.location=${certs.ca}`,
      'zookeeper.ssl.trustStore.type=PEM',
      '',
    ].join('\n'))
    const run = await shell(['-server', target, '-client-configuration', file, 'ls', '/'])
    expect(run.code, run.err).toBe(0)
    expect(run.out.trim()).toBe('[zookeeper]')
  })

  it('takes the same keys as -D arguments, the way zkCli takes them from CLIENT_JVMFLAGS', async () => {
    const run = await shell([
      '-Dzookeeper.client.secure=true',
      `-Dzookeeper.ssl.keyStore.location=${certs.alice.keyStore}`,
      `-Dzookeeper.ssl.trustStore.location=${certs.ca}`,
      '-server', target, 'whoami',
    ])
    expect(run.code, run.err).toBe(0)
    expect(run.out).toContain('x509: CN=alice,OU=eng,O=Acme')
  })

  it('stops with exit 2 naming the flag or key and the file when a file is missing', async () => {
    const missing = join(certs.dir, 'missing.pem')
    const flag = await shell(['-server', target, '--ca', missing, 'ls', '/'])
    expect(flag.code).toBe(2)
    expect(flag.err).toContain(`--ca ${missing}: cannot read the file`)
    const key = await shell(['-Dzookeeper.client.secure=true', `-Dzookeeper.ssl.keyStore.location=${missing}`, '-server', target, 'ls', '/'])
    expect(key.code).toBe(2)
    expect(key.err).toContain(`zookeeper.ssl.keyStore.location ${missing}: cannot read the file: no such file`)
    const config = await shell(['-client-configuration', missing, '-server', target, 'ls', '/'])
    expect(config.code).toBe(2)
    expect(config.err).toContain(`-client-configuration ${missing}: cannot read the file`)
  })

  it('says at once (exit 3) that the server is not vouched for, or wants a client certificate', async () => {
    const untrusted = await shell(['-server', target, '--ca', certs.otherCa, '--cert', certs.alice.cert, '--key', certs.alice.key, 'ls', '/'])
    expect(untrusted.code).toBe(3)
    expect(untrusted.err).toMatch(/TLS with 127\.0\.0\.1:\d+ failed: .*\nThe server's certificate is not vouched for by the CAs given/)
    const anonymous = await shell(['-server', target, '--ca', certs.ca, 'ls', '/'])
    expect(anonymous.code).toBe(3)
    expect(anonymous.err).toMatch(/The server wants a client certificate it trusts/)
  })

  it('warns that zookeeper.ssl.* keys without zookeeper.client.secure=true leave the connection plain text', async () => {
    const run = await shell([`-Dzookeeper.ssl.trustStore.location=${certs.ca}`, '-server', '127.0.0.1:1', 'ls', '/'])
    expect(run.err).toContain('warning: zookeeper.ssl.trustStore.location ignored: zookeeper.client.secure is not true, so the connection is plain text')
  })
})

// The command as the ES modules, and as installed: bundled, loading its chunks through its code
// cache (which compiles them itself; the TLS port's module is loaded only when a zoo.cfg asks).
describe.each([
  { entry: 'lib/cli/main.js', bundled: false },
  { entry: 'lib/bin/paddock.cjs', bundled: true },
])('paddock server ($entry) with a zoo.cfg that sets only secureClientPort', ({ entry, bundled }) => {
  let mainJs: string
  let cacheHome: string

  beforeAll(async () => {
    const build = await compileProject(join(certs.dir, `build-${bundled ? 'bundled' : 'modules'}`))
    if (bundled) await bundleCli(build)
    mainJs = join(build, entry)
    cacheHome = join(certs.dir, `cache-${bundled ? 'bundled' : 'modules'}`)
  }, 60_000)

  function paddock(args: string[]): Promise<{ code: number | null; output: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [mainJs, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_CACHE_HOME: cacheHome } })
      let output = ''
      child.stdout.on('data', (d: Buffer) => (output += d.toString()))
      child.stderr.on('data', (d: Buffer) => (output += d.toString()))
      child.on('close', (code) => resolve({ code, output }))
    })
  }

  function listening(port: number): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = netConnect({ host: '127.0.0.1', port })
      socket.once('connect', () => resolve(Boolean(socket.destroy())))
      socket.once('error', () => resolve(false))
    })
  }

  it('refuses to start (exit 1) naming ssl.keyStore.location and the file when the key store is missing, and listens nowhere', async () => {
    const [securePort] = await freePorts(1)
    const config = join(certs.dir, `broken-${bundled}.cfg`)
    const missing = join(certs.dir, 'missing-keystore.pem')
    await writeFile(config, `dataDir=${join(certs.dir, `data-broken-${bundled}`)}\nsecureClientPort=${securePort}\nsecureClientPortAddress=127.0.0.1\nssl.keyStore.location=${missing}\nssl.trustStore.location=${certs.ca}\n`)
    const run = await paddock(['server', 'start-foreground', config])
    expect(run.code, run.output).toBe(1)
    expect(run.output).toContain(`paddock: cannot start: ssl.keyStore.location ${missing}: cannot read the file: no such file`)
    expect(run.output).not.toContain('serving ZooKeeper clients')
    expect(await listening(securePort ?? 0)).toBe(false)
  }, 30_000)

  it('starts, answers status and stops, probing its own TLS port with its own certificate', async () => {
    const [securePort] = await freePorts(1)
    const dataDir = join(certs.dir, `data-tls-${bundled}`)
    const config = join(certs.dir, `tls-${bundled}.cfg`)
    await writeFile(config, [
      'tickTime=2000',
      `dataDir=${dataDir}`,
      `secureClientPort=${securePort}`,
      'secureClientPortAddress=127.0.0.1',
      'serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory',
      `ssl.keyStore.location=${certs.server.keyStore}`,
      `ssl.trustStore.location=${certs.ca}`,
      '',
    ].join('\n'))
    try {
      const start = await paddock(['server', 'start', config])
      expect(start.code, start.output).toBe(0)
      expect(start.output).toContain('Mode: standalone')
      const status = await paddock(['server', 'status', config])
      expect(status.code, status.output).toBe(0)
      expect(status.output).toContain(`Client port found: ${securePort}. Client address: 127.0.0.1.`)
      expect(status.output).toContain('Mode: standalone')
      const stop = await paddock(['server', 'stop', config])
      expect(stop.output).toContain('STOPPED')
    } finally {
      const pidFile = join(dataDir, 'paddock.pid')
      if (existsSync(pidFile)) {
        try {
          process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL')
        } catch {
          // Already gone.
        }
      }
    }
  }, 60_000)
})
