// Method: the real command as a child process (`node <compiled>/lib/cli/main.js shell ...`) against a Paddock server on port 0 in the test process: one-shot exit codes and streams, a piped session, and the connection-refused message.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer as createNetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type Server } from '../../../lib/index.js'
import { compileProject } from '../helpers/compile.js'

/** How long one shell process may run. */
const processTimeoutMs = 30_000

let work: string
let mainScript: string
let server: Server
let cs: string

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'paddock-shell-'))
  const out = await compileProject(join(work, 'build'))
  mainScript = join(out, 'lib/cli/main.js')
  server = await createServer({ port: 0 })
  cs = server.connectString ?? ''
}, 60_000)

afterAll(async () => {
  await server?.close()
  await rm(work, { recursive: true, force: true })
})

function paddockShell(args: string[], input = ''): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [mainScript, 'shell', ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`paddock shell ${args.join(' ')} did not exit within ${processTimeoutMs} ms; stdout: ${out}; stderr: ${err}`))
    }, processTimeoutMs)
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
    child.once('error', reject)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, out, err })
    })
    child.stdin.end(input)
  })
}

describe('paddock shell as a process', () => {
  it('runs one-shot commands with exit 0, the output on stdout and Created on stderr', async () => {
    expect(await paddockShell(['-server', cs, 'create', '/proc', 'test data'])).toEqual({ code: 0, out: '', err: 'Created /proc\n' })
    expect(await paddockShell(['-server', cs, 'get', '/proc'])).toEqual({ code: 0, out: 'test data\n', err: '' })
    expect(await paddockShell(['-server', cs, 'ls', '/'])).toEqual({ code: 0, out: '[proc, zookeeper]\n', err: '' })
  })

  it('exits 1 with the error line on stderr, and 127 for an unknown command', async () => {
    expect(await paddockShell(['-server', cs, 'get', '/nothing'])).toEqual({ code: 1, out: '', err: 'Node does not exist: /nothing\n' })
    expect((await paddockShell(['-server', cs, 'frobnicate'])).code).toBe(127)
  })

  it('reads a piped session: quoted data, watches, history and redo', async () => {
    const r = await paddockShell(['-server', cs], ["create /piped 'a b'", 'get -w /piped', 'set /piped "c  d"', 'history', 'redo 1', 'quit', ''].join('\n'))
    expect(r.code).toBe(0)
    expect(r.err).toBe('Created /piped\n')
    const lines = r.out.split('\n')
    expect(lines).toContain('a b')
    expect(lines).toContain('WatchedEvent state:SyncConnected type:NodeDataChanged path:/piped')
    expect(lines).toContain('2 - set /piped "c  d"')
    expect(lines).toContain('c  d')
  })

  it('explains a refused connection and exits non-zero instead of retrying', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createNetServer().listen(0, '127.0.0.1', () => {
        const address = probe.address()
        probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
      })
    })
    const r = await paddockShell(['-server', `127.0.0.1:${port}`, 'ls', '/'])
    expect(r.code).toBe(3)
    expect(r.err).toContain('connection refused (ECONNREFUSED), nothing is listening there')
    expect(r.err).toContain('paddock server status')
  })
})
