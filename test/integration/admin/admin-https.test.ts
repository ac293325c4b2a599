// Method: the admin server over HTTPS as zoo.cfg asks for it (admin.forceHttps=true with the
// ssl.quorum key store, as ZooKeeper's JettyAdminServer uses), with certificates openssl makes for
// the run; a client that trusts the test CA gets its commands, plain HTTP gets no answer, and the
// keys Paddock cannot honour stop the start.
import { get as httpGet } from 'node:http'
import { get as httpsGet } from 'node:https'
import { rm } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, parseZooCfg, serverOptionsFor } from '../../../lib/index.js'
import { makeCertificates, pem, type Certificates } from '../tls/certs.js'

let certs: Certificates

beforeAll(async () => {
  certs = await makeCertificates()
}, 30_000)

afterAll(async () => {
  await rm(certs.dir, { recursive: true, force: true })
})

function fetchHttps(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpsGet({ host: '127.0.0.1', port, path, ca: pem(certs.ca) }, (res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    }).on('error', reject)
  })
}

/** What plain HTTP gets from the port: an error or a response, never the command's answer. */
function fetchHttp(port: number, path: string): Promise<string> {
  return new Promise((resolve) => {
    httpGet({ host: '127.0.0.1', port, path }, (res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk.toString()))
      res.on('end', () => resolve(`HTTP ${res.statusCode}: ${body}`))
    }).on('error', (error) => resolve(`error: ${error.message}`))
  })
}

const base = (dir: string) => `dataDir=${dir}/data\nclientPort=0\nclientPortAddress=127.0.0.1\nadmin.serverPort=0\nadmin.serverAddress=127.0.0.1\n`

describe('admin.forceHttps', () => {
  it('serves the admin commands over HTTPS with the ssl.quorum key store, and nothing over HTTP', async () => {
    const config = parseZooCfg(`${base(certs.dir)}admin.forceHttps=true\nssl.quorum.keyStore.location=${certs.server.keyStore}\nssl.quorum.keyStore.type=PEM\n`, 'zoo.cfg')
    await using server = await createServer({ ...serverOptionsFor(config), clientPortLogger: { info: () => {}, warn: () => {} } })
    const port = server.adminAddress?.port ?? 0
    const ruok = await fetchHttps(port, '/commands/ruok')
    expect(ruok.status).toBe(200)
    expect(JSON.parse(ruok.body)).toMatchObject({ command: 'ruok', error: null })
    expect(await fetchHttp(port, '/commands/ruok')).not.toMatch(/"command"/)
  })

  it('refuses admin.forceHttps without a quorum key store, client certificates without HTTPS or a quorum trust store, and port unification', () => {
    const keyStore = `admin.forceHttps=true\nssl.quorum.keyStore.location=/tmp/x/k.pem\n`
    expect(() => parseZooCfg(`${base('/tmp/x')}admin.forceHttps=true\n`, 'zoo.cfg')).toThrow(/admin.forceHttps=true needs ssl.quorum.keyStore.location/)
    expect(() => parseZooCfg(`${base('/tmp/x')}admin.needClientAuth=true\n`, 'zoo.cfg')).toThrow(/admin.needClientAuth=true needs admin.forceHttps=true/)
    expect(() => parseZooCfg(`${base('/tmp/x')}${keyStore}admin.needClientAuth=true\n`, 'zoo.cfg')).toThrow(/admin.needClientAuth=true needs ssl.quorum.trustStore.location/)
    expect(parseZooCfg(`${base('/tmp/x')}${keyStore}admin.needClientAuth=false\n`, 'zoo.cfg').adminNeedClientAuth).toBe(false)
    expect(() => parseZooCfg(`${base('/tmp/x')}admin.portUnification=true\n`, 'zoo.cfg')).toThrow(/admin.portUnification=true is not supported/)
  })

  it('stops the start when the key store cannot be read, naming the ssl.quorum key', async () => {
    const config = parseZooCfg(`${base(certs.dir)}admin.forceHttps=true\nssl.quorum.keyStore.location=${certs.dir}/absent.pem\n`, 'zoo.cfg')
    await expect(createServer(serverOptionsFor(config))).rejects.toMatchObject({ setting: 'ssl.quorum.keyStore.location' })
  })
})
