// Method: a client port of the test's own (lib/wire's startClientPort over a member, with a short
// sessionlessCnxnTimeoutMs) and raw sockets that stall where a TLS or unified port waits for them:
// each is closed within the bound, and closing the port ends them at once (the embedding contract:
// a silent or half-open socket holds nothing for long).
import { rm } from 'node:fs/promises'
import { connect as netConnect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadServerTls } from '../../../lib/host/tls.js'
import { startFixture } from '../wire/helpers.js'
import { makeCertificates, type Certificates } from './certs.js'

let certs: Certificates

beforeAll(async () => {
  certs = await makeCertificates()
}, 30_000)

afterAll(async () => {
  await rm(certs.dir, { recursive: true, force: true })
})

const boundMs = 300

/** Connects, sends `bytes`, and resolves with how long the server took to close the socket. */
function stall(port: number, bytes: Uint8Array): { socket: Socket; closedAfterMs: Promise<number> } {
  const started = performance.now()
  const socket = netConnect({ host: '127.0.0.1', port }, () => {
    if (bytes.length > 0) socket.write(bytes)
  })
  socket.on('error', () => {})
  return { socket, closedAfterMs: new Promise((resolve) => socket.on('close', () => resolve(performance.now() - started))) }
}

async function tlsPort(portUnification: boolean) {
  const { clientPort } = await loadServerTls({ keyStore: { location: certs.server.keyStore }, trustStore: { location: certs.ca }, ...(portUnification ? {} : { port: 0 }), portUnification })
  return startFixture({ sessionlessCnxnTimeoutMs: boundMs, tls: { ...clientPort, host: '127.0.0.1' } })
}

describe('sockets that stall before they are connections', () => {
  it('a unified port closes a client that never sends its first byte after sessionlessCnxnTimeoutMs', async () => {
    const fixture = await tlsPort(true)
    try {
      const { closedAfterMs } = stall(fixture.port.address.port, new Uint8Array())
      expect(await closedAfterMs).toBeGreaterThanOrEqual(boundMs - 50)
    } finally {
      await fixture.close()
    }
  })

  it('a TLS port closes a handshake that stops after its first byte after the same bound, and says so', async () => {
    const fixture = await tlsPort(false)
    try {
      const { closedAfterMs } = stall(fixture.port.secureAddress?.port ?? 0, new Uint8Array([0x16, 0x03]))
      expect(await closedAfterMs).toBeGreaterThanOrEqual(boundMs - 50)
      expect(fixture.warnings.join('\n')).toMatch(/TLS handshake with \/127\.0\.0\.1:\d+ failed/)
    } finally {
      await fixture.close()
    }
  })

  it('closing the port ends stalled handshakes and first-byte waits at once', async () => {
    const unified = await tlsPort(true)
    const secure = await tlsPort(false)
    const waits = [stall(unified.port.address.port, new Uint8Array()), stall(secure.port.secureAddress?.port ?? 0, new Uint8Array([0x16]))]
    // Both sockets are accepted (and counted) before the ports close.
    await new Promise<void>((resolve) => {
      let connected = 0
      for (const { socket } of waits) socket.once('connect', () => ++connected === waits.length && resolve())
    })
    const started = performance.now()
    await Promise.all([unified.close(), secure.close()])
    await Promise.all(waits.map((w) => w.closedAfterMs))
    expect(performance.now() - started).toBeLessThan(boundMs)
  })
})
