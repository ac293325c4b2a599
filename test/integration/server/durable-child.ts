// Child process of the crash test: a durable standalone server on a free port until SIGKILLed.
import { createServer } from '../../../lib/index.js'

const dataDir = process.argv[2]
if (dataDir === undefined) throw new Error('usage: durable-child DATADIR')
const server = await createServer({ dataDir, port: 0, clientPortLogger: { warn() {}, info() {} } })
process.stdout.write(`READY ${server.address?.port}\n`)
