// Method: run the real `paddock ensemble` command (a transpiled build on bare node) as a child
// process, use the connect string it prints with a client, then interrupt it as Ctrl-C would.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../../../lib/index.js'
import { compileProject } from '../helpers/compile.js'
import { srvrMode, until } from '../ensemble/processes-harness.js'

let work: string
let mainJs: string
const children: ChildProcess[] = []

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'paddock-cli-ensemble-'))
  mainJs = join(await compileProject(join(work, 'build')), 'lib/cli/main.js')
}, 60_000)

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})

afterAll(async () => {
  await rm(work, { recursive: true, force: true })
})

function start(args: string[]): { proc: ChildProcess; output: () => string; closed: Promise<number | null> } {
  const proc = spawn(process.execPath, [mainJs, 'ensemble', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(proc)
  let output = ''
  proc.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  proc.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const closed = new Promise<number | null>((resolve) => proc.once('close', (code) => resolve(code)))
  return { proc, output: () => output, closed }
}

describe('paddock ensemble', () => {
  it('prints a connect string of 3 serving members that a client can use, and stops cleanly with exit code 0 on SIGINT', async () => {
    const { proc, output, closed } = start(['--size', '3', '--data-dir', join(work, 'data')])
    const connectString = await until('the connect string line', () => /connect string (\S+) \(data in/.exec(output())?.[1], 30_000)
    expect(output()).toMatch(/paddock: ensemble of 3 serving; leader is member [123]/)
    const hosts = connectString.split(',')
    expect(hosts).toHaveLength(3)
    const modes = await Promise.all(hosts.map((h) => srvrMode(Number(h.split(':')[1]))))
    expect(modes.sort()).toEqual(['follower', 'follower', 'leader'])

    const zk = await connect(connectString, { initialConnectTimeoutMs: 5_000 })
    await zk.create('/dev', 'from the printed connect string')
    await zk.sync('/dev')
    expect(new TextDecoder().decode((await zk.getData('/dev')).data)).toBe('from the printed connect string')
    await zk.close()

    proc.kill('SIGINT')
    expect(await closed).toBe(0)
    expect(output()).toContain('paddock: stopping the ensemble')
    for (const h of hosts) expect(await srvrMode(Number(h.split(':')[1]))).toBe('down')
  }, 60_000)

  it('refuses a size outside 1..9 with exit code 2', async () => {
    const { output, closed } = start(['--size', '0'])
    expect(await closed).toBe(2)
    expect(output()).toContain('paddock ensemble: --size must be an integer from 1 to 9, got "0"')
  })
})
