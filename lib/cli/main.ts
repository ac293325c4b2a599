#!/usr/bin/env node
/**
 * `paddock` command entry point. With no arguments (what `npm start` runs) it starts a
 * standalone in-memory member in this process and shows it working.
 * @module
 */
import { createServer, CreateMode } from '../index.js'

async function demo(): Promise<void> {
  const server = await createServer()
  console.log('paddock: standalone in-memory member started in-process')
  const zk = await server.connect()
  console.log(`paddock: session 0x${BigInt.asUintN(64, zk.sessionId).toString(16)} opened (timeout ${zk.sessionTimeoutMs} ms)`)
  await zk.create('/app', 'config v1')
  await zk.getData('/app', { watch: (e) => console.log(`paddock: watch fired: ${e.type} ${e.path}`) })
  await zk.setData('/app', 'config v2')
  const worker = await zk.create('/app/worker-', 'w', { mode: CreateMode.EPHEMERAL_SEQUENTIAL })
  console.log(`paddock: created ephemeral sequential ${worker}`)
  const { data, stat } = await zk.getData('/app')
  console.log(`paddock: /app = ${JSON.stringify(new TextDecoder().decode(data))} (version ${stat.version}, ${stat.numChildren} child)`)
  await zk.close()
  console.log(`paddock: session closed; /app children now ${JSON.stringify(await (await server.connect()).getChildren('/app'))}`)
  await server.close()
}

await demo()
