// Method: a client port over a backend that wraps a real member and misbehaves on chosen requests
// (throws at once, delivers a reply the writer cannot encode from a later turn of the event loop,
// sends a notification the writer cannot encode, throws from serverInfo); raw clients trigger each
// fault over real sockets while the test listens for 'uncaughtException' and 'unhandledRejection'.
// Each fault must close only its own connection, be logged, and leave the port serving others.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createServer } from '../../../lib/host/server.js'
import type { RunningMember } from '../../../lib/host/running-member.js'
import { MemberClientPortBackend } from '../../../lib/host/client-port.js'
import type { ClientRequest } from '../../../lib/protocol/jute-records.js'
import type { ConnectRequest } from '../../../lib/wire/records.js'
import { startClientPort, type ClientPort, type ClientPortOptions } from '../../../lib/wire/server.js'
import type { BackendReply, ClientPortBackend, ClientPortConnection, ClientPortSession } from '../../../lib/wire/types.js'
import type { DirectorySizes, ServerInfo } from '../../../lib/wire/four-letter-words.js'
import { RawClient, create, fourLetterWord, utf8 } from './helpers.js'

/** Wraps a member's backend; the paths below make its sessions misbehave. */
class FaultyBackend implements ClientPortBackend {
  serverInfoThrows = false

  constructor(private readonly inner: MemberClientPortBackend) {}

  get lastProcessedZxid(): number {
    return this.inner.lastProcessedZxid
  }

  get readOnly(): boolean {
    return this.inner.readOnly
  }

  connect(connection: ClientPortConnection, request: ConnectRequest, done: (result: ClientPortSession | { err: number }) => void): void {
    this.inner.connect(connection, request, (result) => done('detach' in result ? new FaultySession(result, connection) : result))
  }

  serverInfo(): ServerInfo {
    if (this.serverInfoThrows) throw new Error('serverInfo exploded')
    return this.inner.serverInfo()
  }

  directorySizes(): Promise<DirectorySizes> {
    return Promise.resolve({ dataDirBytes: 0, dataLogDirBytes: 0 })
  }
}

class FaultySession implements ClientPortSession {
  constructor(
    private readonly inner: ClientPortSession,
    private readonly connection: ClientPortConnection,
  ) {}

  get sessionId(): bigint {
    return this.inner.sessionId
  }

  get passwd(): Uint8Array {
    return this.inner.passwd
  }

  get timeoutMs(): number {
    return this.inner.timeoutMs
  }

  submit(xid: number, request: ClientRequest, reply: (reply: BackendReply) => void): void {
    const path = request.op === 'getData' ? request.path : ''
    if (path === '/throw-now') throw new Error('handler exploded')
    // A zxid that is no integer cannot be written: the connection's own code throws, a turn later.
    if (path === '/bad-reply-later') return void setImmediate(() => reply({ err: 0, zxid: Number.NaN }))
    if (path === '/bad-notification') {
      this.connection.notify(Number.NaN, { type: 3, state: 3, path })
      return reply({ err: 0, zxid: 0 })
    }
    this.inner.submit(xid, request, reply)
  }

  detach(): void {
    this.inner.detach()
  }
}

interface Fixture {
  port: ClientPort
  backend: FaultyBackend
  warnings: string[]
  close(): Promise<void>
}

async function start(options: ClientPortOptions = {}): Promise<Fixture> {
  const server = (await createServer()) as RunningMember
  const backend = new FaultyBackend(new MemberClientPortBackend(server.member))
  const warnings: string[] = []
  const port = await startClientPort(backend, {
    fourLetterWordsWhitelist: '*',
    logger: { warn: (line) => warnings.push(line), info: () => {} },
    ...options,
  })
  return {
    port,
    backend,
    warnings,
    close: async () => {
      await port.close()
      await server.close()
    },
  }
}

/** A fresh session creates and reads a node: the port still serves. */
async function stillServes(port: number, path: string): Promise<void> {
  const [fresh] = await RawClient.session(port)
  expect((await fresh.call(create(path, 0, 'ok'))).header.err).toBe(0)
  const read = await fresh.call({ op: 'getData', path, watch: false })
  expect(read.response).toMatchObject({ op: 'getData', data: utf8('ok') })
  fresh.destroy()
}

/** Lets timers and I/O callbacks that an escaped error would come from run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

let fx: Fixture
const escaped: unknown[] = []
const record = (error: unknown): void => void escaped.push(error)

beforeEach(() => {
  escaped.length = 0
  process.on('uncaughtException', record)
  process.on('unhandledRejection', record)
})
afterEach(async () => {
  process.off('uncaughtException', record)
  process.off('unhandledRejection', record)
  await fx.close()
})

describe('fault containment on the client port', () => {
  it('a backend that throws while taking a request closes only that connection, and logs why', async () => {
    fx = await start()
    const [bystander] = await RawClient.session(fx.port.address.port)
    const [victim] = await RawClient.session(fx.port.address.port)
    victim.send({ op: 'getData', path: '/throw-now', watch: false })
    await victim.closed
    await settle()
    expect(escaped).toEqual([])
    expect(fx.warnings.some((line) => /internal error while reading: handler exploded/.test(line))).toBe(true)
    expect((await bystander.call({ op: 'exists', path: '/', watch: false })).header.err).toBe(0)
    await stillServes(fx.port.address.port, '/after-throw')
    bystander.destroy()
  })

  it('a reply that breaks the writer a turn later closes only that connection', async () => {
    fx = await start()
    const [victim] = await RawClient.session(fx.port.address.port)
    victim.send({ op: 'getData', path: '/bad-reply-later', watch: false })
    await victim.closed
    await settle()
    expect(escaped).toEqual([])
    expect(fx.warnings.some((line) => /internal error while answering getData/.test(line))).toBe(true)
    await stillServes(fx.port.address.port, '/after-reply')
  })

  it('a notification the writer cannot encode closes the connection without throwing into the backend', async () => {
    fx = await start()
    const [victim] = await RawClient.session(fx.port.address.port)
    victim.send({ op: 'getData', path: '/bad-notification', watch: false })
    await victim.closed
    await settle()
    expect(escaped).toEqual([])
    expect(fx.warnings.some((line) => /internal error while sending a notification/.test(line))).toBe(true)
    await stillServes(fx.port.address.port, '/after-notification')
  })

  it('a four-letter word whose serverInfo throws closes that connection; the next word is answered', async () => {
    fx = await start()
    fx.backend.serverInfoThrows = true
    expect(await fourLetterWord(fx.port.address.port, 'srvr')).toBe('')
    expect(await fourLetterWord(fx.port.address.port, 'conf')).toBe('')
    await settle()
    expect(escaped).toEqual([])
    expect(fx.warnings.filter((line) => /serverInfo exploded/.test(line)).length).toBe(2)
    fx.backend.serverInfoThrows = false
    expect(await fourLetterWord(fx.port.address.port, 'srvr')).toMatch(/^Zookeeper version: /)
    await stillServes(fx.port.address.port, '/after-4lw')
  })

  it('a logger that throws as well is contained: the connection still closes', async () => {
    fx = await start({ logger: { warn: () => { throw new Error('logger exploded') }, info: () => {} } })
    const [victim] = await RawClient.session(fx.port.address.port)
    victim.send({ op: 'getData', path: '/throw-now', watch: false })
    await victim.closed
    await settle()
    expect(escaped).toEqual([])
    await stillServes(fx.port.address.port, '/after-logger')
  })
})
