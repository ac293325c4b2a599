// Child process of the hostile-input suite: a durable Paddock member that the attacks target, run
// with --unhandled-rejections=strict so any escaped error ends it. `standalone DATADIR` starts a
// standalone server with a client port and an admin server; `member DATADIR QUORUM ELECTION`
// starts member 1 of a three-member configuration whose other members never come (it keeps
// looking, with its peer ports open). It prints one READY line of JSON with its ports.
import { createServer, startMember } from '../../../lib/index.js'

const [mode, dataDir, quorum, election] = process.argv.slice(2)
if (dataDir === undefined) throw new Error('usage: member-child standalone|member DATADIR [QUORUM ELECTION]')
const quiet = { warn() {}, info() {} }

if (mode === 'standalone') {
  const server = await createServer({ dataDir, port: 0, adminServerPort: 0, fourLetterWordsWhitelist: '*', clientPortLogger: quiet })
  process.stdout.write(`READY ${JSON.stringify({ port: server.address?.port, adminPort: server.adminAddress?.port })}\n`)
} else {
  const servers = [1, 2, 3].map((id) => ({
    id,
    host: '127.0.0.1',
    quorumPort: id === 1 ? Number(quorum) : 1,
    electionPort: id === 1 ? Number(election) : 1,
    role: 'participant' as const,
    clientAddress: undefined,
    clientPort: undefined,
  }))
  await startMember({ myid: 1, servers, dataDir, logger: { info() {}, error() {} } })
  process.stdout.write(`READY ${JSON.stringify({ quorumPort: Number(quorum), electionPort: Number(election) })}\n`)
}
