// Method: a Paddock server in a process of its own, so the bench can time its start and read its RSS;
// `node dist/test/bench/paddock-server.js --port P [--dataDir D [--snapCount N] [--traceSnapshots]] [--maxClientCnxns N] [--tlsKeyStore F --tlsTrustStore F]`
// (with the TLS files, P speaks only TLS: a secureClientPort); it closes when its stdin ends.
// --traceSnapshots prints `{"snapshotStart":{"zxid":…,"startMs":…}}` and then
// `{"snapshot":{"zxid":…,"startMs":…,"endMs":…}}` (epoch ms) for every snapshot the server writes,
// from a wrapper around its LevelDB storage's writeSnapshot.
import { parseArgs } from 'node:util'
import { createServer } from '../../lib/index.js'
import { createLevelStorage, type Storage } from '../../storage/index.js'

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    dataDir: { type: 'string' },
    maxClientCnxns: { type: 'string' },
    snapCount: { type: 'string' },
    traceSnapshots: { type: 'boolean' },
    tlsKeyStore: { type: 'string' },
    tlsTrustStore: { type: 'string' },
  },
})
if (values.port === undefined) throw new TypeError('--port is required')
const port = Number(values.port)
const tls = values.tlsKeyStore === undefined
  ? undefined
  : { port, host: '127.0.0.1', keyStore: { location: values.tlsKeyStore }, ...(values.tlsTrustStore === undefined ? {} : { trustStore: { location: values.tlsTrustStore } }) }

/** Epoch milliseconds with the fraction performance.now() gives (the bench compares them with its own). */
const epochMs = (): number => performance.timeOrigin + performance.now()

/** The LevelDB storage of `dataDir`, printing when each snapshot write starts and ends. */
function tracedStorage(dataDir: string): Storage {
  const storage = createLevelStorage({ dataDir })
  const write = storage.writeSnapshot.bind(storage)
  storage.writeSnapshot = (zxid, chunks) => {
    const startMs = epochMs()
    console.log(JSON.stringify({ snapshotStart: { zxid, startMs } }))
    return write(zxid, chunks).finally(() => console.log(JSON.stringify({ snapshot: { zxid, startMs, endMs: epochMs() } })))
  }
  return storage
}

const durability = values.dataDir === undefined
  ? {}
  : values.traceSnapshots === true ? { storage: tracedStorage(values.dataDir) } : { dataDir: values.dataDir }

const server = await createServer({
  ...(tls === undefined ? { port } : { tls }),
  host: '127.0.0.1',
  fourLetterWordsWhitelist: '*',
  ...durability,
  ...(values.snapCount === undefined ? {} : { snapCount: Number(values.snapCount) }),
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
