// Method: a child process that appends to a LevelStorage under load and prints each durable zxid; the test SIGKILLs it.
import { createLevelStorage } from '../../../storage/index.js'

const inFlight = 20
const snapshotEvery = 400

async function run(dataDir: string): Promise<void> {
  const quiet = { debug() {}, info() {}, warn() {} }
  const storage = createLevelStorage({ dataDir, logger: quiet, limits: { snapshotBatchBytesMax: 256 } })
  await storage.open()
  let next = storage.lastLoggedZxid + 1
  process.stdout.write(`open ${storage.lastLoggedZxid}\n`)
  // Snapshots and purges run beside the appends, so a kill can land inside either of them too.
  let snapshotting = false
  async function snapshotAndPurge(zxid: number): Promise<void> {
    snapshotting = true
    const chunks = Array.from({ length: 20 }, (_, i) => new TextEncoder().encode(`snapshot ${zxid} chunk ${i} `.repeat(8)))
    await storage.writeSnapshot(zxid, chunks)
    await storage.purge(2)
    snapshotting = false
  }
  async function worker(): Promise<void> {
    for (;;) {
      const zxid = next++
      await storage.append([{ zxid, data: new TextEncoder().encode(`txn ${zxid}`) }])
      process.stdout.write(`ack ${zxid}\n`)
      if (zxid % snapshotEvery === 0 && !snapshotting) void snapshotAndPurge(zxid)
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker))
}

const dataDir = process.argv[2]
if (dataDir === undefined) throw new Error('usage: crash-child <dataDir>')
run(dataDir).catch((err: unknown) => {
  process.stderr.write(`${String((err as Error).stack ?? err)}\n`)
  process.exit(1)
})
