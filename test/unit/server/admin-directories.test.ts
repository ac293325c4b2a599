// Method: directoryBytes on small trees built in a temporary directory, sums compared with the bytes written (ZooKeeper: ZooKeeperServer.getDirSize).
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { directoryBytes } from '../../../lib/server/admin-directories.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paddock-dirs-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('directoryBytes', () => {
  it('sums every file below the directory, nested ones included', async () => {
    await writeFile(join(dir, 'a'), Buffer.alloc(100))
    await mkdir(join(dir, 'sub', 'deeper'), { recursive: true })
    await writeFile(join(dir, 'sub', 'b'), Buffer.alloc(20))
    await writeFile(join(dir, 'sub', 'deeper', 'c'), Buffer.alloc(3))
    expect(await directoryBytes(dir)).toBe(123)
  })

  it('answers 0 for a directory that does not exist (an in-memory server, or one removed meanwhile)', async () => {
    expect(await directoryBytes(join(dir, 'missing'))).toBe(0)
    expect(await directoryBytes(dir)).toBe(0)
  })

  it('does not follow a symbolic link, so a link to its own parent cannot loop', async () => {
    await writeFile(join(dir, 'a'), Buffer.alloc(10))
    await symlink(dir, join(dir, 'loop'))
    const bytes = await directoryBytes(dir)
    expect(bytes).toBeGreaterThanOrEqual(10)
    expect(bytes).toBeLessThan(10 + 4096)
  })

  it('counts a file that vanishes during the walk as 0 instead of failing (LevelDB compaction deletes files)', async () => {
    for (let i = 0; i < 50; i++) await writeFile(join(dir, `f${i}`), Buffer.alloc(10))
    const walking = directoryBytes(dir)
    await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? rm(join(dir, `f${i}`)) : Promise.resolve())))
    const bytes = await walking
    expect(bytes).toBeGreaterThanOrEqual(250)
    expect(bytes).toBeLessThanOrEqual(500)
  })
})
