/**
 * The bytes under a directory, for `dirs`, `conf` and the admin server (ZooKeeper's
 * `ZooKeeperServer.getDirSize`: every file below the directory, summed). Asynchronous, so a
 * request never blocks the event loop on the file system.
 *
 * LevelDB deletes files while it compacts, so a file or directory may vanish between listing and
 * reading it: such an entry counts 0 bytes and never fails the walk. Symbolic links are not
 * followed (they count their own size), so a walk cannot loop.
 * @module
 */
import { lstat, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { directoryWalkDepthMax, directoryWalkEntriesMax } from '../limits.js'

/** Sums the sizes of the files under `path`; 0 when it does not exist or cannot be read. */
export async function directoryBytes(path: string): Promise<number> {
  const budget = { entriesLeft: directoryWalkEntriesMax }
  return entryBytes(path, 0, budget)
}

async function entryBytes(path: string, depth: number, budget: { entriesLeft: number }): Promise<number> {
  if (budget.entriesLeft <= 0) return 0
  budget.entriesLeft--
  const stats = await lstat(path).catch(() => undefined)
  if (stats === undefined) return 0
  if (!stats.isDirectory()) return stats.size
  if (depth >= directoryWalkDepthMax) return 0
  const names = await readdir(path).catch(() => [] as string[])
  let total = 0
  // One entry at a time: a data directory holds few files, and this keeps the walk's own
  // file-system load (and open handles) to one at a time.
  for (const name of names) total += await entryBytes(join(path, name), depth + 1, budget)
  return total
}
