// Method: a leading Pipeline driven by a hand-held committer that holds proposals until the test
// commits them, so writes stay in flight for as long as a test needs.
import { VirtualClock } from '../../../lib/clock.js'
import { Pipeline } from '../../../lib/server/pipeline.js'
import type { Channel, ClientConnection } from '../../../lib/server/pipeline-types.js'
import type { TxnEntry } from '../../../lib/txn/types.js'

/** A leading member whose committer hands each proposal to `propose` (after numbering it). */
function leadingMember(propose: (member: Pipeline, entry: TxnEntry) => void): Pipeline {
  const member = new Pipeline({ clock: new VirtualClock(0) })
  let zxid = 0
  member.setCommitter({ nextZxid: () => zxid + 1, hasRoom: () => true, propose: (entry) => (++zxid, propose(member, entry), zxid) })
  member.setForwarder({ forward: () => false, sync: () => false, revalidate: () => false })
  member.setRole('leader')
  return member
}

/** A member that leads, whose proposals wait in `held` until `commitNext()`. */
export function heldMember(): { member: Pipeline; held: TxnEntry[]; commitNext: () => void } {
  const held: TxnEntry[] = []
  const member = leadingMember((_, entry) => held.push(entry))
  const commitNext = () => member.commit(held.shift() as TxnEntry)
  return { member, held, commitNext }
}

/** A member that leads and commits each proposal inside it, as a standalone member that keeps nothing does. */
export function committingMember(): Pipeline {
  return leadingMember((member, entry) => member.commit(entry))
}

const connection: ClientConnection = { remoteAddress: '127.0.0.1', process: () => {}, sessionEnded: () => {} }

/** Opens a session on `member`, committing its createSession. */
export function open(member: Pipeline, commitNext: () => void): Channel {
  let channel: Channel | undefined
  member.connect(connection, { timeoutMs: 10_000 }, (grant) => {
    if ('channel' in grant) channel = grant.channel
  })
  commitNext()
  if (channel === undefined) throw new Error('no session')
  return channel
}
