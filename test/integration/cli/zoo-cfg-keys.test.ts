// Method: zoo.cfg texts with ZooKeeper's system-property settings, mapped by serverOptionsFor onto a
// real server on loopback (in memory, port 0): zookeeper.maxCnxns must close the connection past
// the limit, from any address, and znode.container.checkIntervalMs must make the sweep remove an
// emptied container within that interval (without anyone calling runMaintenance).
import { connect as connectSocket, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { CreateMode, createServer, parseZooCfg, serverOptionsFor, type Server } from '../../../lib/index.js'
import { until } from '../ensemble/processes-harness.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step()
})

/** A server from zoo.cfg `text`, in memory on a free loopback port. */
async function serverFrom(text: string): Promise<Server> {
  const options = serverOptionsFor(parseZooCfg(`clientPort=0\nclientPortAddress=127.0.0.1\n${text}`, 'zoo.cfg'))
  const server = await createServer({ ...options, dataDir: undefined, clientPortLogger: { warn: () => {}, info: () => {} } })
  cleanups.push(() => server.close())
  return server
}

/**
 * What the server does with a new connection that sends `srvr`: 'imok' when it admits it (and
 * answers), 'closed'
 * when it closes the connection before answering (a connection over the limit). Waits for the
 * answer or the close, bounded by the test's timeout.
 */
async function ruok(server: Server): Promise<'imok' | 'closed'> {
  const address = server.address
  if (address === undefined) throw new Error('no client port')
  const socket: Socket = connectSocket(address.port, address.host)
  cleanups.push(() => void socket.destroy())
  socket.on('error', () => undefined)
  let answer = ''
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString()))
  // srvr: the one four-letter word the default whitelist enables.
  socket.once('connect', () => socket.write('srvr'))
  await new Promise<void>((resolve) => socket.once('close', () => resolve()))
  return answer.startsWith('Zookeeper version:') ? 'imok' : 'closed'
}

/** A connection the server holds open, admitted or not yet known; resolves once connected. */
async function held(server: Server): Promise<{ socket: Socket; closed: Promise<void> }> {
  const address = server.address
  if (address === undefined) throw new Error('no client port')
  const socket: Socket = connectSocket(address.port, address.host)
  cleanups.push(() => void socket.destroy())
  socket.on('error', () => undefined)
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
  return { socket, closed }
}

describe('zoo.cfg system-property settings on a running server', () => {
  it('zookeeper.maxCnxns closes the connection past the limit, whatever the address, and admits again once one closes', async () => {
    const server = await serverFrom('zookeeper.maxCnxns=2\nmaxClientCnxns=0\n')
    const first = await held(server)
    await held(server)
    // Two held: a third is closed unanswered; with one of them gone, one is admitted again.
    expect(await ruok(server)).toBe('closed')
    first.socket.destroy()
    await first.closed
    await until('a connection to be admitted once one closed', async () => ((await ruok(server)) === 'imok' ? true : undefined), 5_000, 10)
  })

  it('without maxCnxns (ZooKeeper\'s 0) admits as many as maxClientCnxns allows', async () => {
    const server = await serverFrom('maxClientCnxns=0\n')
    await Promise.all([1, 2, 3].map(() => held(server)))
    expect(await ruok(server)).toBe('imok')
  })

  it('znode.container.checkIntervalMs paces the container sweep', async () => {
    const server = await serverFrom('znode.container.checkIntervalMs=100\n')
    const zk = await server.connect()
    cleanups.push(() => zk.close())
    await zk.create('/box', '', { mode: CreateMode.CONTAINER })
    await zk.create('/box/item')
    await zk.delete('/box/item')
    await until('the emptied container to be swept', async () => ((await zk.exists('/box')) === null ? true : undefined), 5_000, 50)
  })
})
