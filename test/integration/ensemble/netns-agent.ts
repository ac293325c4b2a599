// A probe that netns.test.ts runs inside one of its network namespaces (`ip netns exec <ns> node
// netns-agent.js`), since the test process itself stays in the root namespace: it answers one
// JSON request per stdin line with one JSON reply per stdout line, and exits when stdin closes.
import { createInterface } from 'node:readline'
import { askFourLetterWord } from '../../../lib/cli/four-letter.js'
import { connect, ZooKeeperError, type ZooKeeperClient } from '../../../lib/index.js'

/** What the test asks; `seq` pairs a reply with its request. */
export type AgentRequest = { seq: number } & (
  | { op: 'srvr'; host: string; port: number; timeoutMs: number }
  | { op: 'open'; connectString: string; sessionTimeoutMs: number; initialConnectTimeoutMs: number; canBeReadOnly?: boolean }
  | { op: 'read'; session: number; path: string }
  | { op: 'create'; session: number; path: string; data: string }
  | { op: 'contents'; session: number; path: string }
  | { op: 'disconnects'; session: number }
  | { op: 'close'; session: number }
)

/** The answer: a value, or the error's ZooKeeper code name (or message). */
export type AgentReply = { seq: number; ok: true; value: unknown } | { seq: number; ok: false; error: string }

const sessions = new Map<number, { zk: ZooKeeperClient; disconnects: number }>()
let nextSession = 0

function session(id: number): { zk: ZooKeeperClient; disconnects: number } {
  const s = sessions.get(id)
  if (s === undefined) throw new Error(`no session ${id}`)
  return s
}

async function handle(request: AgentRequest): Promise<unknown> {
  switch (request.op) {
    case 'srvr':
      return askFourLetterWord(request.host, request.port, 'srvr', request.timeoutMs)
    case 'open': {
      const zk = await connect(request.connectString, {
        sessionTimeoutMs: request.sessionTimeoutMs,
        initialConnectTimeoutMs: request.initialConnectTimeoutMs,
        reconnectDelayMs: 20,
        ...(request.canBeReadOnly === true ? { canBeReadOnly: true } : {}),
      })
      const id = ++nextSession
      const entry = { zk, disconnects: 0 }
      zk.onStateChange((event) => {
        if (event.session.type === 'disconnected') entry.disconnects++
      })
      sessions.set(id, entry)
      return id
    }
    case 'create':
      return session(request.session).zk.create(request.path, request.data)
    case 'read':
      return new TextDecoder().decode((await session(request.session).zk.getData(request.path)).data)
    case 'contents': {
      // Everything under the path after a sync: child names to data, as this session's member has it.
      const { zk } = session(request.session)
      await zk.sync(request.path)
      const contents: Array<[string, string]> = []
      for (const name of (await zk.getChildren(request.path)).sort()) {
        contents.push([name, new TextDecoder().decode((await zk.getData(`${request.path}/${name}`)).data)])
      }
      return contents
    }
    case 'disconnects':
      return session(request.session).disconnects
    case 'close': {
      const { zk } = session(request.session)
      sessions.delete(request.session)
      await zk.close()
      return null
    }
  }
}

const reply = (answer: AgentReply) => process.stdout.write(`${JSON.stringify(answer)}\n`)

createInterface({ input: process.stdin })
  .on('line', (line) => {
    const request = JSON.parse(line) as AgentRequest
    handle(request).then(
      (value) => reply({ seq: request.seq, ok: true, value: value ?? null }),
      (error: unknown) => reply({ seq: request.seq, ok: false, error: error instanceof ZooKeeperError ? error.code : String(error) }),
    )
  })
  // The test closes stdin when it is done, or dies: either way this probe goes too.
  .on('close', () => process.exit(0))
console.log(JSON.stringify({ seq: 0, ok: true, value: 'ready' }))
