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

/** Opens a socket to the server and resolves once connected; `closed` tells whether the server closed it within 1 s of a ruok. */
async function socketTo(server: Server): Promise<{ socket: Socket; closedByServer: () => Promise<boolean> }> {
  const address = server.address
  if (address === undefined) throw new Error('no client port')
  const socket = connectSocket(address.port, address.host)
  cleanups.push(() => void socket.destroy())
  let closed = false
  socket.on('close', () => (closed = true))
  socket.on('error', () => undefined)
  await new Promise<void>((resolve) => socket.once('connect', resolve))
  return {
    socket,
    closedByServer: async () => {
      await new Promise((resolve) => setTimeout(resolve, 300))
      return closed
    },
  }
}

describe('zoo.cfg system-property settings on a running server', () => {
  it('zookeeper.maxCnxns closes the connection past the limit, whatever the address, and admits again once one closes', async () => {
    const server = await serverFrom('zookeeper.maxCnxns=2\nmaxClientCnxns=0\n')
    const first = await socketTo(server)
    const second = await socketTo(server)
    const third = await socketTo(server)
    expect(await third.closedByServer()).toBe(true)
    expect(await first.closedByServer()).toBe(false)
    expect(await second.closedByServer()).toBe(false)
    first.socket.destroy()
    await new Promise((resolve) => setTimeout(resolve, 100))
    const fourth = await socketTo(server)
    expect(await fourth.closedByServer()).toBe(false)
  })

  it('without maxCnxns (ZooKeeper\'s 0) admits as many as maxClientCnxns allows', async () => {
    const server = await serverFrom('maxClientCnxns=0\n')
    const sockets = await Promise.all([1, 2, 3, 4].map(() => socketTo(server)))
    for (const s of sockets) expect(await s.closedByServer()).toBe(false)
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
