// Method: a server with client.certReload serves a key store the test then replaces on disk (as a
// rename, the way a certificate manager writes it); the test waits on the server's reload report
// (no sleeps) and looks at the certificate new TLS connections see, while a session opened before
// stays connected (ZooKeeper: X509Util's FileChangeWatcher, NettyServerCnxnFactory.reconfigure).
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, createServer } from '../../../lib/index.js'
import { clientTls, makeCertificates, type Certificates } from './certs.js'
import { tlsExchange, WaitingLogger } from './helpers.js'

let certs: Certificates

beforeAll(async () => {
  certs = await makeCertificates()
}, 30_000)

afterAll(async () => {
  await rm(certs.dir, { recursive: true, force: true })
})

/** Replaces `target` by a rename of a file written next to it. */
async function replace(target: string, from: string | Buffer): Promise<void> {
  const staging = `${target}.new`
  if (typeof from === 'string') await copyFile(from, staging)
  else await writeFile(staging, from)
  await rename(staging, target)
}

describe('client.certReload', () => {
  it('serves new connections with the replaced certificate and keeps open sessions; a broken replacement is refused and the last good one kept', async () => {
    const live = join(certs.dir, 'live')
    await mkdir(live, { recursive: true })
    const keyStore = join(live, 'keystore.pem')
    await copyFile(certs.server.keyStore, keyStore)
    const logger = new WaitingLogger()
    await using server = await createServer({
      clientPortLogger: logger,
      fourLetterWordsWhitelist: '*',
      tls: { port: 0, host: '127.0.0.1', keyStore: { location: keyStore }, trustStore: { location: certs.ca }, certReload: true },
    })
    const port = server.secureAddress?.port ?? 0
    const peerName = async () => (await tlsExchange(port, clientTls(certs, certs.alice))).peer?.subject.CN
    expect(await peerName()).toBe('paddock-server')
    const zk = await connect(`127.0.0.1:${port}`, { tls: clientTls(certs, certs.alice) })
    const states: string[] = []
    zk.onStateChange((event) => states.push(event.state))
    try {
      const reloaded = logger.next(/reloaded the TLS certificates/)
      await replace(keyStore, certs.server2.keyStore)
      await reloaded
      expect(await peerName()).toBe('paddock-server-2')

      const refused = logger.next(/kept the TLS certificates in use/)
      await replace(keyStore, Buffer.from('-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n'))
      expect(await refused).toMatch(/ssl\.keyStore\.location .*keystore\.pem/)
      expect(await peerName()).toBe('paddock-server-2')

      await zk.create('/still-here', '')
      expect(states).toEqual([])
    } finally {
      await zk.close()
    }
  })
})
