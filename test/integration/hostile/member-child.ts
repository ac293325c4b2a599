// Child process of the hostile-input suite: a durable Paddock member that the attacks target, run
// with --unhandled-rejections=strict so any escaped error ends it. `standalone DATADIR` starts a
// standalone server with a client port and an admin server; `member DATADIR QUORUM ELECTION`
// starts member 1 of a three-member configuration whose other members never come (it keeps
// looking, with its peer ports open). `standalone-failable DATADIR` is a standalone server whose
// LevelDB storage refuses every write with ENOSPC from SIGUSR1 until SIGUSR2, as a disk that
// filled up and was then given room (it prints `DISK full` and `DISK room` when it takes each
// signal). It prints one READY line of JSON with its ports, then a
// HEALTH line of JSON at each health change. `--snap-count=N` anywhere after the mode sets
// createServer's snapCount (snapshots every N/2+1..N transactions, N >= 2) instead of the default.
// In `member` mode it logs as startMember does by default (`paddock[1]:`, info on stdout, errors
// on stderr) and prints a STATUS line of JSON with `server.status()` on SIGUSR2.
import { createServer, startMember, type Server } from '../../../lib/index.js'
import { createLevelStorage, StorageError, type Storage } from '../../../storage/index.js'

const flags = process.argv.slice(2).filter((arg) => arg.startsWith('--'))
const [mode, dataDir, quorum, election] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'))
if (dataDir === undefined) throw new Error('usage: member-child standalone|member DATADIR [QUORUM ELECTION] [--snap-count=N]')
const snapCountFlag = flags.find((flag) => flag.startsWith('--snap-count='))
const snapCount = snapCountFlag === undefined ? {} : { snapCount: Number(snapCountFlag.slice('--snap-count='.length)) }
const quiet = { warn() {}, info() {} }

/** LevelDB storage whose writes (and reopening) fail with ENOSPC between SIGUSR1 and SIGUSR2. */
function diskThatFills(): Storage {
  const inner = createLevelStorage({ dataDir: dataDir!, logger: { debug() {}, info() {}, warn() {} } })
  let full = false
  const set = (value: boolean) => {
    full = value
    process.stdout.write(`DISK ${value ? 'full' : 'room'}\n`)
  }
  process.on('SIGUSR1', () => set(true))
  process.on('SIGUSR2', () => set(false))
  const writes = new Set<string | symbol>(['append', 'open', 'setAcceptedEpoch', 'setCurrentEpoch', 'writeSnapshot', 'truncateAfter'])
  return new Proxy(inner, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver)
      if (typeof value !== 'function') return value
      const method = (value as (...args: unknown[]) => unknown).bind(target)
      if (!writes.has(key)) return method
      return (...args: unknown[]) => (full ? Promise.reject(new StorageError('IO_ERROR', 'write failed: ENOSPC: no space left on device')) : method(...args))
    },
  })
}

function reportHealth(server: Server): void {
  server.onHealthChange((health) => process.stdout.write(`HEALTH ${JSON.stringify(health)}\n`))
}

if (mode === 'standalone' || mode === 'standalone-failable') {
  const storage = mode === 'standalone' ? {} : { storage: diskThatFills() }
  const server = await createServer({ dataDir, ...storage, ...snapCount, port: 0, adminServerPort: 0, fourLetterWordsWhitelist: '*', clientPortLogger: quiet })
  reportHealth(server)
  process.stdout.write(`READY ${JSON.stringify({ port: server.address?.port, adminPort: server.adminAddress?.port })}\n`)
} else {
  const servers = [1, 2, 3].map((id) => ({
    id,
    host: '127.0.0.1',
    quorumPort: id === 1 ? Number(quorum) : 1,
    electionPort: id === 1 ? Number(election) : 1,
    role: 'participant' as const,
    clientAddress: undefined,
    clientPort: undefined,
  }))
  const server = await startMember({ myid: 1, servers, dataDir, ...snapCount })
  process.on('SIGUSR2', () => process.stdout.write(`STATUS ${JSON.stringify(server.status())}\n`))
  process.stdout.write(`READY ${JSON.stringify({ quorumPort: Number(quorum), electionPort: Number(election) })}\n`)
}
