/**
 * Paddock started in this process with its client port on 127.0.0.1, port 0 (a free one).
 * @module
 */
import type { RunningServer, ServerSettings } from './types.js'

/** Starts Paddock with the same settings Apache ZooKeeper gets, serving clients over TCP. */
export async function startPaddock(settings: ServerSettings): Promise<RunningServer> {
  // The TCP options are passed through a widened type so this file compiles before and after
  // createServer learns them; a server without a client port is reported, not silently used.
  const options: Record<string, unknown> = {
    port: 0,
    host: '127.0.0.1',
    fourLetterWordsWhitelist: '*',
    maxClientCnxns: 0,
    tickTimeMs: settings.tickTimeMs,
    minSessionTimeoutMs: settings.minSessionTimeoutMs,
    maxSessionTimeoutMs: settings.maxSessionTimeoutMs,
    containerCheckIntervalMs: settings.containerCheckIntervalMs,
    extendedTypesEnabled: true,
  }
  // Imported on first use, so the Apache ZooKeeper target runs even while lib/ does not load.
  const { createServer } = await import('../../../lib/index.js')
  const server = await createServer(options as Parameters<typeof createServer>[0])
  const port = clientPortOf(server)
  if (port === undefined) {
    await server.close()
    throw new Error('Paddock createServer({ port: 0 }) returned no client port: the TCP server is not wired in yet')
  }
  let stopped = false
  return {
    name: 'paddock',
    host: '127.0.0.1',
    port,
    connectString: `127.0.0.1:${port}`,
    async stop() {
      if (stopped) return
      stopped = true
      await server.close()
    },
  }
}

/** The bound client port, whichever way the server exposes it (`clientPort` or `address()`). */
function clientPortOf(server: object): number | undefined {
  const candidate = server as { clientPort?: unknown; port?: unknown; address?: unknown }
  if (typeof candidate.clientPort === 'number' && candidate.clientPort > 0) return candidate.clientPort
  if (typeof candidate.port === 'number' && candidate.port > 0) return candidate.port
  if (typeof candidate.address === 'function') {
    const address = (candidate.address as () => unknown).call(server)
    if (typeof address === 'object' && address !== null && 'port' in address && typeof address.port === 'number') {
      return address.port
    }
  }
  if (typeof candidate.address === 'object' && candidate.address !== null && 'port' in candidate.address) {
    const port = (candidate.address as { port: unknown }).port
    if (typeof port === 'number') return port
  }
  return undefined
}
