/** Moved to lib/protocol/zxid.ts (old names as aliases); kept while lib/server migrates. @module */
export { counterOf as zxidCounter, epochOf as zxidEpoch, formatZxid as zxidHex, makeZxid } from '../protocol/zxid.js'
