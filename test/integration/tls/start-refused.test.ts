// Method: for each TLS setting that cannot be served, start a server (in process, on a port the
// test picked) and check the start is refused with a TlsConfigError naming the setting and the
// file, and that nothing listens afterwards: never a plain-text fallback. zoo.cfg's own checks
// (ConfigError) are checked the same way; the `paddock server` command in cli.test.ts.
import { readFile, rm, writeFile } from 'node:fs/promises'
import { connect as netConnect } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, createServer, parseZooCfg, TlsConfigError, type ServerTlsOptions } from '../../../lib/index.js'
import { freePorts } from '../ensemble/processes-harness.js'
import { makeCertificates, storePassword, type Certificates } from './certs.js'

let certs: Certificates

beforeAll(async () => {
  certs = await makeCertificates()
  await writeFile(join(certs.dir, 'keystore.jks'), Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]))
  await writeFile(join(certs.dir, 'garbage-key.pem'), `-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n${await readFile(certs.server.cert, 'utf8')}`)
  await writeFile(join(certs.dir, 'cert-only.pem'), await readFile(certs.server.cert, 'utf8'))
}, 30_000)

afterAll(async () => {
  await rm(certs.dir, { recursive: true, force: true })
})

/** Resolves whether something accepts TCP connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

interface Case {
  what: string
  tls: () => Partial<ServerTlsOptions>
  setting: string
  path: () => string | undefined
  says: RegExp
}

const cases: Case[] = [
  { what: 'a missing key store', tls: () => ({ keyStore: { location: join(certs.dir, 'nope.pem') } }), setting: 'ssl.keyStore.location', path: () => join(certs.dir, 'nope.pem'), says: /no such file/ },
  { what: 'a missing trust store', tls: () => ({ trustStore: { location: join(certs.dir, 'nope-ca.pem') } }), setting: 'ssl.trustStore.location', path: () => join(certs.dir, 'nope-ca.pem'), says: /no such file/ },
  { what: 'an encrypted key without a password', tls: () => ({ keyStore: { location: certs.serverEncrypted } }), setting: 'ssl.keyStore.password', path: () => certs.serverEncrypted, says: /encrypted: set the password/ },
  { what: 'an encrypted key with a wrong password', tls: () => ({ keyStore: { location: certs.serverEncrypted, password: 'wrong' } }), setting: 'ssl.keyStore.password', path: () => certs.serverEncrypted, says: /wrong password/ },
  { what: 'a PKCS12 key store with a wrong password', tls: () => ({ keyStore: { location: certs.serverP12, password: 'wrong' } }), setting: 'ssl.keyStore.password', path: () => certs.serverP12, says: /wrong password/ },
  { what: 'an unreadable key', tls: () => ({ keyStore: { location: join(certs.dir, 'garbage-key.pem') } }), setting: 'ssl.keyStore.location', path: () => join(certs.dir, 'garbage-key.pem'), says: /the private key cannot be read/ },
  { what: 'a key store with no key', tls: () => ({ keyStore: { location: join(certs.dir, 'cert-only.pem') } }), setting: 'ssl.keyStore.location', path: () => join(certs.dir, 'cert-only.pem'), says: /holds no private key/ },
  { what: 'a key that is not the certificate\'s', tls: () => ({ keyStore: { location: certs.mismatched } }), setting: 'ssl.keyStore.location', path: () => certs.mismatched, says: /does not belong to the certificate/ },
  { what: 'a JKS key store', tls: () => ({ keyStore: { location: join(certs.dir, 'keystore.jks') } }), setting: 'ssl.keyStore.location', path: () => join(certs.dir, 'keystore.jks'), says: /keytool -importkeystore -srckeystore .*keystore\.jks -destkeystore .*keystore\.p12 -deststoretype pkcs12/ },
  { what: 'a PKCS12 trust store', tls: () => ({ trustStore: { location: certs.serverP12, password: storePassword } }), setting: 'ssl.trustStore.location', path: () => certs.serverP12, says: /openssl pkcs12 -in .*server\.p12 -nokeys/ },
  { what: 'TLSv1.1', tls: () => ({ enabledProtocols: ['TLSv1.1', 'TLSv1.2'] }), setting: 'ssl.enabledProtocols', path: () => undefined, says: /"TLSv1\.1" is not supported/ },
  { what: 'an unknown cipher suite', tls: () => ({ ciphersuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_FANCY_WITH_NOTHING'] }), setting: 'ssl.ciphersuites', path: () => undefined, says: /unknown or unsupported cipher suite TLS_FANCY_WITH_NOTHING/ },
]

describe('a TLS setting that cannot be served stops the start, naming the setting and the file', () => {
  it.each(cases.map((c) => [c.what, c] as const))('%s', async (_, c) => {
    const [port, securePort] = await freePorts(2)
    const tls: ServerTlsOptions = { port: securePort, host: '127.0.0.1', keyStore: { location: certs.server.keyStore }, trustStore: { location: certs.ca }, ...c.tls() }
    const error = await createServer({ port, host: '127.0.0.1', tls }).then(
      async (server) => {
        await server.close()
        return undefined
      },
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(TlsConfigError)
    const refusal = error as TlsConfigError
    expect(refusal.setting).toBe(c.setting)
    expect(refusal.path).toBe(c.path())
    expect(refusal.message).toMatch(c.says)
    expect(refusal.message.startsWith(`${c.setting}${c.path() === undefined ? '' : ` ${c.path()}`}: `)).toBe(true)
    expect(await listening(port ?? 0)).toBe(false)
    expect(await listening(securePort ?? 0)).toBe(false)
  })
})

describe('ServerOptions.tls with no port to serve it on', () => {
  it('is a TypeError, not a server that silently speaks only plain text', async () => {
    const tls = { keyStore: { location: certs.server.keyStore } }
    await expect(createServer({ port: 0, tls })).rejects.toThrow(TypeError)
    await expect(createServer({ port: 0, tls })).rejects.toThrow(/no port would speak TLS/)
  })
})

describe('zoo.cfg refuses what it cannot serve before anything starts', () => {
  const refused: Array<[string, string, RegExp]> = [
    ['secureClientPort without a key store', 'secureClientPort=2281\n', /secureClientPort asks for TLS but ssl\.keyStore\.location is not set/],
    ['client.portUnification without a key store', 'clientPort=2181\nclient.portUnification=true\n', /client\.portUnification=true asks for TLS but ssl\.keyStore\.location is not set/],
    ['certificate revocation checks', 'secureClientPort=2281\nssl.keyStore.location=/k.pem\nssl.crl=true\n', /ssl\.crl=true is not supported/],
    ['an SSL context supplier class', 'ssl.context.supplier.class=com.example.Supplier\n', /ssl\.context\.supplier\.class names a Java class/],
    ['a client auth mode that does not exist', 'ssl.clientAuth=maybe\n', /ssl\.clientAuth must be none, want or need/],
    ['another TLS auth provider', 'ssl.authProvider=custom\n', /only the built-in x509 provider/],
    ['member-to-member TLS without a key store', 'sslQuorum=true\n', /sslQuorum=true but ssl\.quorum\.keyStore\.location is not set/],
    ['member-to-member TLS without a trust store', 'sslQuorum=true\nssl.quorum.keyStore.location=/k.pem\n', /sslQuorum=true but ssl\.quorum\.trustStore\.location is not set/],
    ['member-to-member TLS that does not check certificates', 'ssl.quorum.clientAuth=none\n', /members always present and verify certificates both ways/],
    ['plain text and TLS on member ports without a key store', 'portUnification=true\n', /portUnification=true but ssl\.quorum\.keyStore\.location is not set/],
    ['member-to-member TLS beside plain text without a key store', 'sslQuorum=true\nportUnification=true\n', /sslQuorum=true but ssl\.quorum\.keyStore\.location is not set/],
    ['plain text and TLS on member ports without a trust store', 'portUnification=true\nssl.quorum.keyStore.location=/k.pem\n', /portUnification=true but ssl\.quorum\.trustStore\.location is not set/],
  ]
  it.each(refused)('%s', (_, text, says) => {
    expect(() => parseZooCfg(`dataDir=/tmp/d\n${text}`, 'zoo.cfg')).toThrow(ConfigError)
    expect(() => parseZooCfg(`dataDir=/tmp/d\n${text}`, 'zoo.cfg')).toThrow(says)
  })

  it('warns of ssl.* settings that no port uses', () => {
    const config = parseZooCfg('clientPort=2181\nssl.keyStore.location=/k.pem\n', 'zoo.cfg')
    expect(config.warnings.join('\n')).toMatch(/ssl\.keyStore\.location set, but no client port speaks TLS/)
  })
})
