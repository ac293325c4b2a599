// Method: the disk's raw synced-write rate when writing in place over a preallocated file, as
// ZooKeeper's log does (it pads log files to 64 MiB), next to storage.ts's appending measurement.
import { closeSync, fdatasyncSync, ftruncateSync, openSync, writeSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'

/** Bytes written per synced write. */
const blockBytes = 64
/** Size of the preallocated file, in bytes (large enough that the loop never reaches its end). */
const preallocatedBytes = 64 * 1024 * 1024
/** Bounds the loop if the clock misbehaves. */
const iterationsMax = 1_000_000

/**
 * Measures write(64 bytes)+fdatasync() per second over a file first filled with zeros and synced,
 * so no sync has to persist a new file size: the ceiling for a log that preallocates.
 */
export async function measurePreallocatedFsyncPerSec(dir: string, durationMs: number): Promise<number> {
  const work = await mkdtemp(join(dir, 'paddock-fsync-prealloc-'))
  const fd = openSync(join(work, 'probe'), 'w')
  const block = new Uint8Array(blockBytes).fill(0x42)
  let count = 0
  try {
    const zeros = new Uint8Array(1024 * 1024)
    for (let at = 0; at < preallocatedBytes; at += zeros.length) writeSync(fd, zeros, 0, zeros.length, at)
    ftruncateSync(fd, preallocatedBytes)
    fdatasyncSync(fd)
    const start = performance.now()
    while (performance.now() - start < durationMs && count < iterationsMax && (count + 1) * blockBytes < preallocatedBytes) {
      writeSync(fd, block, 0, blockBytes, count * blockBytes)
      fdatasyncSync(fd)
      count++
    }
    return count / ((performance.now() - start) / 1000)
  } finally {
    closeSync(fd)
    await rm(work, { recursive: true, force: true })
  }
}
