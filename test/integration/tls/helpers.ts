// Shared means of the TLS tests: a raw TLS or plain-text exchange with a port (to see what the
// server sends, or that it closes), and a logger whose lines the tests wait on.
import { connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect, type ConnectionOptions, type PeerCertificate } from 'node:tls'

/** What one exchange saw: the bytes the server sent, and the error that ended it, if any. */
export interface Exchange {
  data: Buffer
  error: string | undefined
  /** The server's certificate, when a TLS handshake completed. */
  peer: PeerCertificate | undefined
}

/** How long an exchange may take before the test fails, ms. */
const exchangeMsMax = 10_000

function collect(socket: Socket, ready: string, send: string | Uint8Array, peer: () => PeerCertificate | undefined): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let error: string | undefined
    let certificate: PeerCertificate | undefined
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`the server neither answered nor closed within ${exchangeMsMax} ms`))
    }, exchangeMsMax)
    socket.once(ready, () => {
      certificate = peer()
      socket.write(send)
    })
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message))
    socket.on('close', () => {
      clearTimeout(timer)
      resolve({ data: Buffer.concat(chunks), error, peer: certificate })
    })
  })
}

/** Sends `send` over TLS once the handshake is done, and collects the answer until the server closes. */
export function tlsExchange(port: number, options: ConnectionOptions, send: string | Uint8Array = 'ruok'): Promise<Exchange> {
  const socket = tlsConnect({ host: '127.0.0.1', port, ...options })
  return collect(socket, 'secureConnect', send, () => socket.getPeerCertificate())
}

/** Sends `send` in plain text and collects the answer until the server closes. */
export function plainExchange(port: number, send: string | Uint8Array): Promise<Exchange> {
  return collect(netConnect({ host: '127.0.0.1', port }), 'connect', send, () => undefined)
}

/** A client-port logger that keeps its lines and lets a test wait for one. */
export class WaitingLogger {
  readonly lines: string[] = []
  private readonly waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = []

  readonly warn = (line: string): void => this.add(line)
  readonly info = (line: string): void => this.add(line)

  private add(line: string): void {
    this.lines.push(line)
    for (const waiter of [...this.waiters]) {
      if (!waiter.pattern.test(line)) continue
      this.waiters.splice(this.waiters.indexOf(waiter), 1)
      waiter.resolve(line)
    }
  }

  /** Resolves with the first line logged from now on that matches `pattern`. */
  next(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no log line matching ${pattern} within ${timeoutMs} ms; lines:\n${this.lines.join('\n')}`)), timeoutMs)
      this.waiters.push({ pattern, resolve: (line) => {
        clearTimeout(timer)
        resolve(line)
      } })
    })
  }
}
