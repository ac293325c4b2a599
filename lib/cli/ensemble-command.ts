/**
 * `paddock ensemble --size N`: a local ensemble for development in one process, members talking
 * over loopback TCP as separate machines would; prints the connect string, Ctrl-C stops it.
 * @module
 */
import { mkdtemp } from 'node:fs/promises'
import { createServer as createNetServer, type Server as NetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { ServerSpec } from '../config/zoo-cfg.js'
import { startMember } from '../host/server.js'
import type { MemberServer } from '../host/types.js'
import { ensembleServingWaitMs, ensembleSizeDefault, ensembleSizeMax } from '../limits.js'
import type { Output } from './server-command.js'

/**
 * `count` distinct free ports on `host`. The listeners stay open until all are taken, so the
 * kernel cannot hand the same port out twice (closing each before asking again could).
 */
async function freePorts(host: string, count: number): Promise<number[]> {
  const servers: NetServer[] = []
  try {
    for (let i = 0; i < count; i++) {
      const server = createNetServer()
      servers.push(server)
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(0, host, () => resolve())
      })
    }
    return servers.map((server) => {
      const address = server.address()
      if (address === null || typeof address === 'string') throw new Error('no free port')
      return address.port
    })
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))))
  }
}

/** Parses `--size N [--data-dir DIR] [--host H] [--base-port P]` and runs the ensemble until interrupted. */
export async function runEnsembleCommand(argv: string[], io: Output): Promise<number> {
  let values: { size?: string; 'data-dir'?: string; host?: string }
  try {
    ;({ values } = parseArgs({ args: argv, options: { size: { type: 'string', default: String(ensembleSizeDefault) }, 'data-dir': { type: 'string' }, host: { type: 'string', default: '127.0.0.1' } } }))
  } catch (error) {
    io.err(`paddock ensemble: ${(error as Error).message}`)
    return 2
  }
  const size = Number(values.size)
  if (!Number.isInteger(size) || size < 1 || size > ensembleSizeMax) {
    io.err(`paddock ensemble: --size must be an integer from 1 to ${ensembleSizeMax}, got ${JSON.stringify(values.size)}`)
    return 2
  }
  const host = values.host ?? '127.0.0.1'
  const dir = values['data-dir'] ?? (await mkdtemp(join(tmpdir(), 'paddock-ensemble-')))
  const ports = await freePorts(host, 3 * size)
  const servers: ServerSpec[] = Array.from({ length: size }, (_, i) => ({
    id: i + 1,
    host,
    quorumPort: ports[3 * i] ?? 0,
    electionPort: ports[3 * i + 1] ?? 0,
    role: 'participant',
    clientAddress: host,
    clientPort: ports[3 * i + 2] ?? 0,
  }))
  const logger = { info: (line: string) => io.out(line), error: (line: string) => io.err(line) }
  const members: MemberServer[] = []
  for (const s of servers) {
    members.push(await startMember({ myid: s.id, servers, dataDir: join(dir, `member-${s.id}`), fourLetterWordsWhitelist: '*', logger: { info: (l) => logger.info(`[${s.id}] ${l}`), error: (l) => logger.error(`[${s.id}] ${l}`) } }))
  }
  await Promise.all(members.map((m) => m.waitUntilServing(ensembleServingWaitMs)))
  const connectString = members.map((m) => m.connectString).join(',')
  io.out(`paddock: ensemble of ${size} serving; leader is member ${members.find((m) => m.mode === 'leader')?.myid ?? '?'}`)
  io.out(`paddock: connect string ${connectString} (data in ${dir}); Ctrl-C stops it`)
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  io.out('paddock: stopping the ensemble')
  for (const m of members) await m.close()
  return 0
}
