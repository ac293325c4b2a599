// Method: a Paddock server in a process of its own, so the bench can time its start and read its RSS;
// `node dist/test/bench/paddock-server.js --port P [--dataDir D] [--maxClientCnxns N] [--tlsKeyStore F --tlsTrustStore F]`
// (with the TLS files, P speaks only TLS: a secureClientPort); it closes when its stdin ends.
import { parseArgs } from 'node:util'
import { createServer } from '../../lib/index.js'

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    dataDir: { type: 'string' },
    maxClientCnxns: { type: 'string' },
    tlsKeyStore: { type: 'string' },
    tlsTrustStore: { type: 'string' },
  },
})
if (values.port === undefined) throw new TypeError('--port is required')
const port = Number(values.port)
const tls = values.tlsKeyStore === undefined
  ? undefined
  : { port, host: '127.0.0.1', keyStore: { location: values.tlsKeyStore }, ...(values.tlsTrustStore === undefined ? {} : { trustStore: { location: values.tlsTrustStore } }) }

const server = await createServer({
  ...(tls === undefined ? { port } : { tls }),
  host: '127.0.0.1',
  fourLetterWordsWhitelist: '*',
  ...(values.dataDir === undefined ? {} : { dataDir: values.dataDir }),
  ...(values.maxClientCnxns === undefined ? {} : { maxClientCnxns: Number(values.maxClientCnxns) }),
})
console.log(JSON.stringify({ listening: server.connectString }))

let closing = false
async function shutdown(): Promise<void> {
  if (closing) return
  closing = true
  await server.close()
  process.exit(0)
}
// The parent holds our stdin: when it ends (the parent closed it, or died), close cleanly.
process.stdin.on('end', () => void shutdown())
process.stdin.on('error', () => void shutdown())
process.stdin.resume()
process.on('SIGTERM', () => void shutdown())
