// Method: `npm run bench` entry point: runs each benchmark in turn and prints a table.
import { benchInProcess } from './in-process.js'

async function main(): Promise<void> {
  console.log('In-process client, in-memory server, 100-byte values (median of 5 rounds)')
  for (const { op, opsPerSec } of await benchInProcess()) {
    console.log(`  ${op.padEnd(8)} ${opsPerSec.toLocaleString('en-US').padStart(12)} ops/s`)
  }
}

await main()
