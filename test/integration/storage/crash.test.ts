// Method: SIGKILL a child appending to LevelStorage at seeded random moments, reopen, check every acknowledged zxid survived.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLevelStorage, type LogEntry } from '../../../storage/index.js'
import { compileProject } from '../helpers/compile.js'

const rounds = Number(process.env['STORAGE_CRASH_ROUNDS'] ?? 20)
const seed = Number(process.env['STORAGE_CRASH_SEED'] ?? Date.now() % 2 ** 31)

/** mulberry32: a small seeded PRNG, so that a failing run replays with its seed. */
function prng(s: number): () => number {
  let a = s >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

/** Transpiles the project and the child script to plain ESM in `out` (the child runs on bare node). */
async function buildChild(out: string): Promise<string> {
  await compileProject(out, ['test/integration/storage/crash-child.ts'])
  return join(out, 'test/integration/storage/crash-child.js')
}

/** Runs the child until it has acknowledged `acks` appends, then SIGKILLs it; returns the acknowledged zxids. */
function runAndKill(child: string, dataDir: string, acks: number): Promise<{ opened: number; acked: number[] }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] })
    const acked: number[] = []
    let opened = -1
    let buffered = ''
    let stderr = ''
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    proc.stdout.on('data', (d: Buffer) => {
      buffered += d.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        const [word, value] = line.split(' ')
        if (word === 'open') opened = Number(value)
        if (word === 'ack') acked.push(Number(value))
      }
      if (acked.length >= acks && proc.exitCode === null) proc.kill('SIGKILL')
    })
    proc.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ opened, acked })
      else reject(new Error(`child exited with ${code}: ${stderr}`))
    })
  })
}

describe('LevelStorage under SIGKILL', () => {
  let work: string
  let child: string

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'paddock-crash-'))
    child = await buildChild(join(work, 'build'))
    // Compiling the child takes seconds on a busy machine (10 s, the default, was once too little).
  }, 60_000)

  afterAll(async () => {
    await rm(work, { recursive: true, force: true })
  })

  it(`keeps every acknowledged append, gapless, across ${rounds} kills at seeded random moments`, async () => {
    console.log(`STORAGE_CRASH_SEED=${seed}`)
    const random = prng(seed)
    const dataDir = join(work, 'data')
    let highestAcked = 0
    for (let round = 0; round < rounds; round++) {
      const { opened, acked } = await runAndKill(child, dataDir, 1 + Math.floor(random() * 600))
      // The child reopened where the previous round's durable log ended: zxids continue.
      expect(opened, `round ${round}`).toBeGreaterThanOrEqual(highestAcked)
      highestAcked = Math.max(highestAcked, ...acked)
      const storage = createLevelStorage({ dataDir, logger: { debug() {}, info() {}, warn() {} } })
      await storage.open()
      const log: LogEntry[] = []
      for await (const entry of storage.readLog(0)) log.push(entry)
      const oldestSnapshot = (await storage.listSnapshots()).at(-1)?.zxid ?? 0
      await storage.close()
      const zxids = log.map((e) => e.zxid)
      // Everything after the oldest retained snapshot is there, gapless, each entry whole.
      expect(zxids[0] ?? oldestSnapshot + 1, `round ${round}`).toBeLessThanOrEqual(oldestSnapshot + 1)
      zxids.forEach((z, i) => i > 0 && expect(z, `gap in round ${round}`).toBe(zxids[i - 1]! + 1))
      for (const e of log) expect(new TextDecoder().decode(e.data)).toBe(`txn ${e.zxid}`)
      const present = new Set(zxids)
      for (const z of acked) if (z > oldestSnapshot) expect(present.has(z), `acked zxid ${z} lost in round ${round}`).toBe(true)
      expect(zxids.at(-1) ?? 0, `round ${round}`).toBeGreaterThanOrEqual(highestAcked)
    }
  })
})
