/**
 * A TCP proxy between one client and the server under test, so a test can cut or freeze the
 * client's connection the same way whatever the server is.
 * @module
 */
import { connect, createServer, type Server, type Socket } from 'node:net'

/** A loopback proxy: `connectString` leads to the target through sockets the test controls. */
export class TcpProxy {
  private readonly server: Server
  private readonly pairs = new Set<[Socket, Socket]>()
  private frozen = false
  port = 0

  private constructor(private readonly targetPort: number) {
    this.server = createServer((client) => this.accept(client))
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort)
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject)
      proxy.server.listen(0, '127.0.0.1', () => resolve())
    })
    const address = proxy.server.address()
    proxy.port = typeof address === 'object' && address !== null ? address.port : 0
    return proxy
  }

  get connectString(): string {
    return `127.0.0.1:${this.port}`
  }

  private accept(client: Socket): void {
    if (this.frozen) {
      // A frozen link neither answers nor refuses: the client must time out by itself.
      client.pause()
      this.pairs.add([client, client])
      return
    }
    const upstream = connect({ host: '127.0.0.1', port: this.targetPort })
    const pair: [Socket, Socket] = [client, upstream]
    this.pairs.add(pair)
    client.pipe(upstream)
    upstream.pipe(client)
    const drop = (): void => {
      client.destroy()
      upstream.destroy()
      this.pairs.delete(pair)
    }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
  }

  /** Closes every proxied connection at once, as a network failure would. */
  cut(): void {
    for (const [a, b] of this.pairs) {
      a.destroy()
      b.destroy()
    }
    this.pairs.clear()
  }

  /** Stops forwarding bytes either way (the client stops pinging), and holds new connections. */
  freeze(): void {
    this.frozen = true
    for (const [a, b] of this.pairs) {
      a.unpipe()
      b.unpipe()
      a.pause()
      b.pause()
    }
  }

  /** Drops the frozen connections and forwards again. */
  thaw(): void {
    this.frozen = false
    this.cut()
  }

  async close(): Promise<void> {
    this.cut()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}
