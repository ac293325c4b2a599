// A client in its own process, for tests that SIGKILL it: connects to argv[2] with session
// timeout argv[3] ms, creates the ephemeral argv[4], prints `READY <sessionId hex>` and waits.
import { connect, CreateMode } from '../../../lib/index.js'

const [connectString = '', timeoutText = '2000', path = '/ephemeral'] = process.argv.slice(2)
const zk = await connect(connectString, { sessionTimeoutMs: Number(timeoutText), reconnectDelayMs: 20 })
await zk.create(path, 'held by a process that will be killed', { mode: CreateMode.EPHEMERAL })
console.log(`READY ${zk.sessionId.toString(16)}`)
// Keep the event loop (and the session's pings) alive until the test kills this process.
setInterval(() => undefined, 60_000)
