// Method: in-process servers with TLS on loopback ports and certificates openssl makes for this
// run (certs.ts); the typed TCP client, raw TLS and plain-text sockets and four-letter words show
// what each listener speaks (ZooKeeper: secureClientPort, client.portUnification, NettyServerCnxnFactory).
import { rm } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, createServer, parseZooCfg, serverOptionsFor, type Server, type ServerOptions } from '../../../lib/index.js'
import { JuteWriter, writeConnectRequestFrame } from '../../../lib/wire/index.js'
import { clientTls, makeCertificates, pem, storePassword, type Certificates } from './certs.js'
import { plainExchange, tlsExchange } from './helpers.js'

let certs: Certificates
const quiet = { warn: () => {}, info: () => {} }

beforeAll(async () => {
  certs = await makeCertificates()
}, 30_000)

afterAll(async () => {
  await rm(certs.dir, { recursive: true, force: true })
})

/** A server whose client port speaks TLS with the test CA's server certificate. */
function tlsServer(extra: Partial<ServerOptions> = {}, tls: ServerOptions['tls'] = {}): Promise<Server> {
  return createServer({
    fourLetterWordsWhitelist: '*',
    clientPortLogger: quiet,
    ...extra,
    tls: { port: 0, host: '127.0.0.1', keyStore: { location: certs.server.keyStore }, trustStore: { location: certs.ca }, ...tls },
  })
}

describe('a TLS-only client port (secureClientPort)', () => {
  it('serves the typed client over TLS, and opens no plain-text port when only it is asked for', async () => {
    await using server = await tlsServer()
    const secure = server.secureAddress
    expect(secure).toBeDefined()
    expect(server.address).toEqual(secure)
    const zk = await connect(`127.0.0.1:${secure?.port}`, { tls: clientTls(certs, certs.alice) })
    try {
      await zk.create('/over-tls', 'sealed')
      expect((await zk.getString('/over-tls')).data).toBe('sealed')
    } finally {
      await zk.close()
    }
  })

  it('gives a plain-text client no session: its ConnectRequest gets only a TLS alert, then the port closes', async () => {
    await using server = await tlsServer()
    const port = server.secureAddress?.port ?? 0
    const writer = new JuteWriter()
    writeConnectRequestFrame(writer, { protocolVersion: 0, lastZxidSeen: 0, timeOut: 30_000, sessionId: 0n, passwd: new Uint8Array(16), readOnly: false })
    const answer = await plainExchange(port, writer.finish())
    // A TLS alert record (content type 21), never a ConnectResponse.
    if (answer.data.length > 0) expect(answer.data[0]).toBe(0x15)
    const attempt = connect(`127.0.0.1:${port}`, { initialConnectTimeoutMs: 1_500, sessionTimeoutMs: 4_000 })
    await expect(attempt).rejects.toMatchObject({ code: 'CONNECTIONLOSS' })
  })

  it('answers four-letter words over TLS, and conf reports clientPort -1 and the secureClientPort', async () => {
    await using server = await tlsServer()
    const port = server.secureAddress?.port ?? 0
    const conf = await tlsExchange(port, clientTls(certs, certs.alice), 'conf')
    expect(conf.data.toString()).toContain(`secureClientPort=${port}\n`)
    expect(conf.data.toString()).toContain('clientPort=-1\n')
    expect(conf.peer?.subject.CN).toBe('paddock-server')
  })

  it('counts TLS connections against maxClientCnxns from accept to close; refused handshakes free their place', async () => {
    const warnings: string[] = []
    await using server = await tlsServer({ maxClientCnxns: 2, clientPortLogger: { warn: (line) => warnings.push(line), info: () => {} } })
    const port = server.secureAddress?.port ?? 0
    const answers: string[] = []
    for (let i = 0; i < 6; i++) answers.push((await tlsExchange(port, clientTls(certs, i % 2 === 0 ? certs.alice : undefined))).data.toString())
    expect(answers).toEqual(['imok', '', 'imok', '', 'imok', ''])
    expect(warnings.filter((w) => /Too many connections/.test(w))).toEqual([])
    expect(warnings.some((w) => /TLS handshake with \/127\.0\.0\.1:\d+ failed: peer did not return a certificate$/.test(w))).toBe(true)
    const held = await Promise.all([0, 1].map(() => connect(`127.0.0.1:${port}`, { tls: clientTls(certs, certs.alice) })))
    try {
      const third = await tlsExchange(port, clientTls(certs, certs.alice))
      expect(third.data.toString()).toBe('')
      expect(warnings.some((w) => /Too many connections from \/127\.0\.0\.1 - max is 2/.test(w))).toBe(true)
    } finally {
      await Promise.all(held.map((zk) => zk.close()))
    }
  })

  it('serves a PKCS12 key store and an encrypted PEM key with their password', async () => {
    for (const keyStore of [{ location: certs.serverP12, password: storePassword }, { location: certs.serverEncrypted, password: storePassword }]) {
      await using server = await tlsServer({}, { keyStore })
      const answer = await tlsExchange(server.secureAddress?.port ?? 0, clientTls(certs, certs.alice))
      expect(answer.data.toString(), keyStore.location).toBe('imok')
    }
  })

  it('serves PEM text given as options (key, cert, ca) as it serves files', async () => {
    await using server = await createServer({ clientPortLogger: quiet, fourLetterWordsWhitelist: '*', tls: { port: 0, key: pem(certs.server.key), cert: pem(certs.server.cert), ca: pem(certs.ca) } })
    const answer = await tlsExchange(server.secureAddress?.port ?? 0, clientTls(certs, certs.bob))
    expect(answer.data.toString()).toBe('imok')
  })

  it('keeps the plain-text port beside it when both are asked for, each speaking only its own', async () => {
    await using server = await tlsServer({ port: 0, host: '127.0.0.1' })
    const plain = server.address?.port ?? 0
    const secure = server.secureAddress?.port ?? 0
    expect(plain).not.toBe(secure)
    expect((await plainExchange(plain, 'ruok')).data.toString()).toBe('imok')
    expect((await tlsExchange(secure, clientTls(certs, certs.alice))).data.toString()).toBe('imok')
    const handshake = await tlsExchange(plain, clientTls(certs, certs.alice)).catch((e: Error) => ({ data: Buffer.alloc(0), error: e.message, peer: undefined }))
    expect(handshake.peer).toBeUndefined()
    expect(handshake.data.toString()).not.toBe('imok')
  })
})

describe('a unified client port (client.portUnification)', () => {
  it('serves TLS and plain-text clients on one port, telling them apart by the first byte', async () => {
    await using server = await tlsServer({ port: 0, host: '127.0.0.1' }, { port: undefined, portUnification: true })
    expect(server.secureAddress).toBeUndefined()
    const port = server.address?.port ?? 0
    const plain = await connect(`127.0.0.1:${port}`)
    const secure = await connect(`127.0.0.1:${port}`, { tls: clientTls(certs, certs.alice) })
    try {
      await plain.create('/both', 'plain')
      expect((await secure.getString('/both')).data).toBe('plain')
      expect((await plain.whoAmI()).map((id) => id.authScheme)).toEqual(['ip'])
      expect(await secure.whoAmI()).toContainEqual({ authScheme: 'x509', user: 'CN=alice,OU=eng,O=Acme' })
    } finally {
      await Promise.all([plain.close(), secure.close()])
    }
    expect((await plainExchange(port, 'ruok')).data.toString()).toBe('imok')
    expect((await tlsExchange(port, clientTls(certs, certs.alice))).data.toString()).toBe('imok')
  })
})

describe('zoo.cfg', () => {
  it('with secureClientPort and no clientPort starts no plain-text listener; srvr over TLS answers', async () => {
    const config = parseZooCfg([
      'tickTime=2000',
      `dataDir=${certs.dir}/data`,
      'secureClientPort=0',
      'secureClientPortAddress=127.0.0.1',
      'serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory',
      'authProvider.x509=org.apache.zookeeper.server.auth.X509AuthenticationProvider',
      `ssl.keyStore.location=${certs.server.keyStore}`,
      'ssl.keyStore.type=PEM',
      `ssl.trustStore.location=${certs.ca}`,
      'ssl.trustStore.type=PEM',
      '4lw.commands.whitelist=*',
      '',
    ].join('\n'), 'zoo.cfg')
    expect(config.warnings).toEqual([])
    const options = serverOptionsFor(config)
    expect(options.port).toBeUndefined()
    await using server = await createServer({ ...options, clientPortLogger: quiet })
    expect(server.address).toEqual(server.secureAddress)
    const srvr = await tlsExchange(server.secureAddress?.port ?? 0, clientTls(certs, certs.alice), 'srvr')
    expect(srvr.data.toString()).toContain('Mode: standalone')
  })

})
