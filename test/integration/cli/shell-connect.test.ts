// Method: runShell in-process against a closed port, and against one member of a 3-member ensemble started alone (so it never gets a quorum), checking the troubleshooting message and exit code.
import { createServer as createNetServer } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import type { ServerSpec } from '../../../lib/config/zoo-cfg.js'
import { ShellExitCode } from '../../../lib/cli/shell/index.js'
import { MemoryHub } from '../../../lib/peer/memory.js'
import { startMember } from '../../../lib/host/server.js'
import type { MemberServer } from '../../../lib/host/types.js'
import { createMemoryDb, createMemoryStorage } from '../../../storage/index.js'
import { shell } from './shell-helpers.js'

const quiet = { info() {}, error() {}, debug() {}, warn() {} }
const members: MemberServer[] = []

afterAll(async () => {
  for (const m of members.splice(0)) await m.close()
})

/** A port nothing listens on: bound once by the OS, then released. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      probe.close(() => resolve(port))
    })
  })
}

describe('when it cannot connect', () => {
  it('says nothing is listening (ECONNREFUSED) and points at `paddock server status`, at once', async () => {
    const port = await closedPort()
    const started = Date.now()
    const r = await shell(['-server', `127.0.0.1:${port}`, 'ls', '/'])
    expect(r.code).toBe(ShellExitCode.connectFailed)
    expect(r.out).toBe('')
    expect(r.err).toContain(`Unable to connect to 127.0.0.1:${port}: connection refused (ECONNREFUSED)`)
    expect(r.err).toContain('Is the server running? Try `paddock server status`')
    // The probe answers at once instead of retrying for the 30 s session timeout.
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it('names every host of a connect string where nothing listens', async () => {
    const [a, b] = [await closedPort(), await closedPort()]
    const r = await shell(['-server', `127.0.0.1:${a},127.0.0.1:${b}`, 'ls', '/'])
    expect(r.code).toBe(ShellExitCode.connectFailed)
    expect(r.err).toContain(`127.0.0.1:${a},127.0.0.1:${b}: connection refused`)
  })

  it('says a member without a quorum refused the session, within -timeout', async () => {
    const servers: ServerSpec[] = [1, 2, 3].map((id) => ({ id, host: '127.0.0.1', quorumPort: 1, electionPort: 2, role: 'participant', clientAddress: undefined, clientPort: undefined }))
    const member = await startMember({ myid: 1, servers, hub: new MemoryHub(), storage: createMemoryStorage({ db: createMemoryDb(), logger: quiet }), tickTimeMs: 200, logger: quiet, seed: 1, port: 0, clientPortLogger: quiet })
    members.push(member)
    expect(member.mode).toBe('looking')
    const r = await shell(['-server', member.connectString ?? '', '-timeout', '3000', 'ls', '/'])
    expect(r.code).toBe(ShellExitCode.connectFailed)
    expect(r.err).toContain('is running but refused the session: it is not serving requests (no quorum')
    expect(r.err).toContain('myid')
  })

  it('keeps the interactive shell open without a session and answers Not connected', async () => {
    const port = await closedPort()
    const r = await shell(['-server', `127.0.0.1:${port}`], 'ls /\nhistory\n')
    expect(r.code).toBe(0)
    expect(r.err).toContain('connection refused (ECONNREFUSED)')
    expect(r.err).toContain('Not connected\n')
    expect(r.out).toContain('1 - history\n')
  })
})
