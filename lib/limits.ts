/**
 * Every bound and default Paddock keeps, in one place, with units and qualifiers last in the
 * names (TigerBeetle's rule: put a limit on everything). Defaults follow Apache ZooKeeper where
 * it has one, and each line names its ZooKeeper counterpart.
 *
 * Two layers keep their own file, because they may import nothing above them: the ZAB core
 * (lib/zab/limits.ts, in ticks) and the storage (storage/limits.ts). The zxid epoch bound is
 * `EPOCH_LIMIT` in lib/protocol/zxid.ts, which the protocol, the ZAB core and the storage share.
 * Everything else is here, and this file imports nothing.
 * @module
 */

// ---------------------------------------------------------------------------------------------
// The member: data, sessions, multi, snapshots.

/**
 * Largest znode data and largest client frame, in bytes, unless configured (`maxDataBytes`,
 * zoo.cfg's `jute.maxbuffer`): ZooKeeper's `jute.maxbuffer` default, 0xfffff.
 */
export const juteMaxBufferBytes = 0xfffff

/**
 * The tick of a server started by `createServer`/`startMember` without `tickTimeMs`, in ms: 2000,
 * the tickTime of ZooKeeper's sample configuration (conf/zoo_sample.cfg), which deployments copy.
 * A zoo.cfg without `tickTime` gets {@link zooCfgTickTimeMsDefault} instead.
 */
export const tickTimeMsDefault = 2000

/**
 * The tick of a zoo.cfg that sets no `tickTime`, in ms: ZooKeeper's
 * `ZooKeeperServer.DEFAULT_TICK_TIME` (3000), which QuorumPeerConfig keeps when the key is absent,
 * so a file means what it means to ZooKeeper.
 */
export const zooCfgTickTimeMsDefault = 3000

/** Lower bound of the negotiated session timeout, in ticks (ZooKeeper: minSessionTimeout = 2 x tickTime). */
export const minSessionTimeoutTicks = 2

/** Upper bound of the negotiated session timeout, in ticks (ZooKeeper: maxSessionTimeout = 20 x tickTime). */
export const maxSessionTimeoutTicks = 20

/**
 * Session timeout a client requests when it names none, in ms: 30 s, what the TCP client and an
 * in-process `connect()` ask for (the server clamps it to its bounds). ZooKeeper's client has no
 * default; 30 s is zkCli.sh's (ZooKeeperMain).
 */
export const sessionTimeoutMsDefault = 30_000

/** Interval of the container and TTL sweep, in ms (ZooKeeper: `znode.container.checkIntervalMs`). */
export const containerCheckIntervalMsDefault = 60_000

/** Largest TTL of a TTL node, in ms (ZooKeeper: `EphemeralType.MAX_TTL` = 0xFFFFFFFFFF). */
export const ttlMsMax = 0xff_ffff_ffff

/**
 * Bytes of the smallest operation a multi can carry on the wire: a `MultiHeader` (9 bytes) and a
 * `CheckVersionRequest` on `/` (4 + 1 + 4 bytes).
 */
const multiOpBytesMin = 18

/**
 * Most operations in one `multi` or `multiRead`, which the client refuses with BADARGUMENTS
 * before sending. ZooKeeper bounds a multi only by its size (`jute.maxbuffer`), and over TCP the
 * frame still does; this is the most operations a default `jute.maxbuffer` frame can hold
 * (58,254), so it refuses nothing ZooKeeper would accept, and bounds the in-process path, where
 * there is no frame.
 */
export const multiOpsMax = Math.floor(juteMaxBufferBytes / multiOpBytesMin)

/**
 * Most znodes a tree holds, system nodes included: the tree keeps the paths of its containers,
 * its TTL nodes and each session's ephemerals in `Set`s, and watches in `Map`s, and V8 caps a
 * `Map` (and a `Set`) at 2^24 entries, past which adding one throws. Prep refuses a create
 * that could take the tree past it with QUOTAEXCEEDED, as it refuses one past a hard quota;
 * without it, the create would fail in every member as it applied, and again at every restart's
 * replay. No ZooKeeper counterpart (its tree is bounded by the JVM's heap alone).
 */
export const znodesMax = 2 ** 24 - 1

/** Transactions between snapshots unless configured (ZooKeeper: `snapCount`, 100,000). */
export const snapCountDefault = 100_000

/** Snapshots a purge keeps at least, and by default (ZooKeeper: `autopurge.snapRetainCount`, at least 3). */
export const snapRetainCountMin = 3

/**
 * Znodes in one snapshot chunk: the snapshot yields to requests between chunks, so this bounds
 * how long it holds the thread at a time (about half a millisecond here). No ZooKeeper
 * counterpart (it streams one file from a thread of its own).
 */
export const snapshotChunkNodesMax = 1_000

/**
 * Znode data in one snapshot chunk, in bytes: a chunk is cut before a node that would take it
 * past this (a bigger node gets a chunk of its own), keeping chunks under the storage's
 * `snapshotChunkBytesMax`. No ZooKeeper counterpart.
 */
export const snapshotChunkDataBytesMax = 256 * 1024

// ---------------------------------------------------------------------------------------------
// An ensemble member's timing (lib/host turns these into ZAB ticks).

/** Ticks of tickTime a follower may take to connect and sync to a leader, unless configured (ZooKeeper: `initLimit`, 10 in its sample zoo.cfg). */
export const initLimitTicksDefault = 10

/** Ticks of tickTime a follower may lag or stay silent, unless configured (ZooKeeper: `syncLimit`, 5 in its sample zoo.cfg). */
export const syncLimitTicksDefault = 5

/** Length of one ZAB tick of an ensemble member, in ms: fine enough for the 200 ms election intervals. No ZooKeeper counterpart (its election runs on timed waits). */
export const zabTickMsDefault = 50

/**
 * First wait of a LOOKING member before it sends its vote again, in ms; doubled after each
 * silent interval (ZooKeeper: FastLeaderElection `minNotificationInterval`, = `finalizeWait`, 200).
 */
export const electionNotificationIntervalMsMin = 200

/**
 * Cap of the doubling re-notification interval, in ms. ZooKeeper's `maxNotificationInterval` is
 * 60 s, tuned for long partitions; Paddock caps at 2 s so an ensemble re-elects within seconds.
 */
export const electionNotificationIntervalMsMax = 2_000

/**
 * Wait after a quorum agrees before the vote is final, so a better late vote can still win, in ms.
 * ZooKeeper's FastLeaderElection waits 200 (`finalizeWait`); Paddock waits one ZAB tick, because
 * safety does not rest on it — discovery checks that the leader is at least as up to date as every
 * follower of its quorum — and every failover pays it. When every voter has voted for the same
 * member, nothing better can come and the election ends at once.
 */
export const electionFinalizeWaitMs = 50

/**
 * The same wait on `peerProtocol=zookeeper`, in ms: ZooKeeper's own 200 (`finalizeWait`), so that
 * a Paddock member decides no sooner than the Apache members beside it. A member that decides on
 * a quorum a better vote was about to break leads nobody until initLimit passes, and a learner's
 * vote reaches a JVM member later than a Paddock one's.
 */
export const zkElectionFinalizeWaitMs = 200

/** How long `waitUntilServing()` waits by default for a member to serve, in ms. No ZooKeeper counterpart. */
export const servingWaitMsDefault = 30_000

// ---------------------------------------------------------------------------------------------
// The admin server.

/** Concurrent admin HTTP connections; more wait in the kernel's backlog or are refused. No ZooKeeper counterpart (Jetty's thread pool bounds it there). */
export const adminConnectionsMax = 64

/** Time an admin client has to send a whole request, headers included, in ms (compare ZooKeeper's `admin.idleTimeout`, 30 s of idleness). */
export const adminRequestTimeoutMs = 10_000

/**
 * Largest snapshot the admin `restore` command takes, in bytes: the body is held in memory while
 * it is checked. No ZooKeeper counterpart (it reads the stream as it goes).
 */
export const adminRestoreBytesMax = 512 * 1024 * 1024

/**
 * Largest snapshot the admin `restore` command takes on an ensemble member, in bytes. The backup
 * travels to every member inside one log entry (a PROPOSAL frame, at most peerFrameBytesMax) and
 * each member holds it in memory until it is installed.
 */
export const ensembleRestoreBytesMax = 256 * 1024 * 1024

/** Largest admin request head accepted, in bytes (a GET needs very little; Jetty's default request header size is 8 KiB as well). */
export const adminHeaderBytesMax = 8192

/**
 * Largest JSON body of an admin command that takes one (`shed_connections`), in bytes: a body
 * past it is refused with 413 and not read further. No ZooKeeper counterpart (Jackson reads it).
 */
export const adminJsonBodyBytesMax = 4096

/** Entries (files and directories) one directory-size walk visits for `dirs`/`conf`; past it the rest count 0 bytes. ZooKeeper walks without a bound. */
export const directoryWalkEntriesMax = 100_000

/** Directory levels one directory-size walk descends (LevelDB keeps its files in one level). ZooKeeper walks without a bound. */
export const directoryWalkDepthMax = 16

// ---------------------------------------------------------------------------------------------
// The client port (lib/wire).

/**
 * The first delay, in ms, before a member whose storage failed (a write the disk refused) is
 * rebuilt from it; each attempt that does not bring it back doubles the delay, up to
 * {@link storageRetryMsMax}. ZooKeeper has no counterpart: its server exits on a failed log write.
 */
export const storageRetryMsMin = 100

/** The longest delay, in ms, between attempts to rebuild a member from a storage that failed. */
export const storageRetryMsMax = 30_000

/**
 * Resumed sessions a follower may have waiting at once for the leader to make it their owner;
 * more get CONNECTIONLOSS and their clients retry. No ZooKeeper counterpart (its learner blocks the
 * connecting client's thread on each revalidation).
 */
export const revalidationsPendingMax = 1000

/** Connections allowed from one client address unless configured, 0 = unlimited (ZooKeeper: `maxClientCnxns`, 60). */
export const maxClientCnxnsDefault = 60

/**
 * Bytes a client connection may have queued for writing before the server stops reading its
 * requests (backpressure; reading resumes when the socket drains), unless configured. One reply
 * may exceed it on its own. No ZooKeeper counterpart (NIO simply queues).
 */
export const writeBufferedBytesMaxDefault = 1_048_576

/** Requests one client connection may have in flight before the server stops reading from it, unless configured (ZooKeeper: `globalOutstandingLimit`, 1000). */
export const connectionRequestsInflightMaxDefault = 1000

/**
 * Requests in flight on one client port, all connections together, past which the port stops
 * reading requests until half of them have been answered, unless configured (ZooKeeper:
 * `globalOutstandingLimit`, 1000). It bounds the writes a member holds in memory however many
 * sessions send them.
 */
export const globalOutstandingLimitDefault = 1000

/** Time a client connection has to complete its handshake, in ms, unless configured (ZooKeeper: `zookeeper.nio.sessionlessCnxnTimeout`, 10 s). */
export const sessionlessCnxnTimeoutMsDefault = 10_000

/**
 * How long the certificate files must stay unchanged before the client port reloads them, in ms
 * (client.certReload): a key and a certificate replaced one after the other are read together.
 */
export const certReloadSettleMs = 200

/**
 * Bytes of watch notifications queued to one client connection and not yet taken by the client,
 * past which a notification closes it as a client that does not read, unless configured (the
 * client port's `queuedBytesMax`). Replies do not count: reading a connection's requests pauses
 * at {@link writeBufferedBytesMaxDefault}, so only the replies of requests already in flight add
 * to them, and a client that pipelines reads of large nodes behind a write receives all their
 * replies at once and reads them. Notifications are what a client that stopped reading can make
 * pile up without a bound; 60 connections from one address (maxClientCnxns) hold at most 480 MiB
 * of them. ZooKeeper queues without a bound (NIOServerCnxn.outgoingBuffers).
 */
export const connectionQueuedBytesMaxDefault = 8 * 1_048_576

/**
 * Bytes a response may take beyond jute.maxbuffer, so that one getData of a node at the data
 * limit still fits with its ReplyHeader and Stat (88 bytes); a bigger response is refused with
 * BADARGUMENTS. ZooKeeper's reading side allows `zookeeper.jute.maxbuffer.extrasize`, at least
 * 1024 bytes (jute BinaryInputArchive); its server sends any size and its client drops a frame
 * over jute.maxbuffer ("Packet len … is out of range!", ClientCnxnSocket.readLength).
 */
export const responseOverheadBytesMax = 1024

/** How long a closing client connection may take to flush before it is destroyed, in ms. */
export const socketCloseLingerMs = 2_000

/** Bytes of each slab a `JuteWriter` allocates unless told otherwise; a bigger frame gets a slab of its own. */
export const juteWriterSlabBytesDefault = 65_536

// ---------------------------------------------------------------------------------------------
// Member-to-member transport (lib/peer).

/** Largest frame between members, in bytes (a SNAP of a big tree travels in one). ZooKeeper streams a snapshot instead. */
export const peerFrameBytesMax = 512 * 1024 * 1024

/**
 * Largest election message between members speaking ZooKeeper's own protocol
 * (`peerProtocol=zookeeper`), in bytes: ZooKeeper's QuorumCnxManager `PACKETMAXSIZE` (512 KiB),
 * which its receiver enforces too, so a longer frame is refused before any of it is kept.
 */
export const zkElectionFrameBytesMax = 512 * 1024

/**
 * Largest address text of ZooKeeper's connection initiation message on the election port, in
 * bytes (`host:port|host:port`): QuorumCnxManager `maxBuffer`, 2048.
 */
export const zkInitialMessageAddressBytesMax = 2048

/**
 * Largest `buffer` or `ustring` inside a `QuorumPacket` read from a ZooKeeper member, in bytes:
 * jute's `BinaryInputArchive` accepts `jute.maxbuffer` plus `zookeeper.jute.maxbuffer.extrasize`,
 * which defaults to `jute.maxbuffer` itself in 3.8, so twice 0xfffff. A PROPOSAL of a node at the
 * data limit needs more than one `jute.maxbuffer` with its TxnHeader.
 */
export const zkQuorumPacketBufferBytesMax = 2 * juteMaxBufferBytes

/**
 * Largest whole `QuorumPacket` buffered from a ZooKeeper member's quorum stream, in bytes: the
 * data buffer at {@link zkQuorumPacketBufferBytesMax} plus 64 KiB for the header and the
 * `authinfo` list. ZooKeeper bounds only each field; Paddock bounds what one peer can make it hold.
 */
export const zkQuorumPacketBytesMax = zkQuorumPacketBufferBytesMax + 65_536

/**
 * Largest database a ZooKeeper leader may write after SNAP on the quorum stream (sessions and
 * DataTree, `SerializeUtils.serializeSnapshot`), in bytes, buffered until whole before it is
 * installed. ZooKeeper streams it into its tree; a longer one closes the connection (the member
 * cannot follow that leader until a later slice reads the snapshot as it arrives).
 */
export const zkSnapStreamBytesMax = 256 * 1024 * 1024

/**
 * PROPOSALs a follower speaking ZooKeeper's protocol holds without having acknowledged them
 * (ZooKeeper's ACKs are per zxid, the core's are cumulative: the transport keeps the zxids to
 * acknowledge one by one). A leader that sends more without committing is dropped. No ZooKeeper
 * counterpart.
 */
export const zkUnackedProposalsMax = 100_000

/**
 * Session touches a follower speaking ZooKeeper's protocol keeps for its next PING reply; more
 * in one ping interval are dropped (the session is touched again on its next request or ping).
 */
export const zkPendingTouchesMax = 100_000

/** Client syncs a follower speaking ZooKeeper's protocol waits on at once; one more is not sent (the client retries). */
export const zkPendingSyncsMax = 10_000

/**
 * Largest token of a `QuorumAuthPacket`, the quorum SASL record of `peerProtocol=zookeeper`, in
 * bytes: a DIGEST-MD5 token is at most 4096 bytes. A packet announcing a longer one closes the
 * connection before the token is buffered (ZooKeeper bounds it by `jute.maxbuffer` only). The
 * exchange there is bounded by {@link peerSaslTimeoutMs} and {@link peerSaslRoundsMax} too.
 */
export const zkQuorumAuthTokenBytesMax = 8 * 1024

/** Bytes queued on one peer connection before it is dropped as stuck; the peer re-syncs after. No ZooKeeper counterpart. */
export const peerQueuedBytesMax = 64 * 1024 * 1024

/** First wait between dial attempts to a peer, in ms; doubled on each failure up to {@link peerRedialMsMax}. */
export const peerRedialMsMin = 50

/** Longest wait between dial attempts to a peer, in ms. */
export const peerRedialMsMax = 2_000

/**
 * Bytes one turn of the event loop may gather for one member's socket before they are flushed,
 * so a leader's PROPOSALs and COMMITs (or a follower's ACKs) of a turn leave in one system call
 * rather than one each (lib/peer/coalesce.ts). ZooKeeper's LearnerHandler gathers its packets
 * alike: its sender writes them to a buffered stream and flushes when its queue runs empty.
 */
export const peerCoalesceBytesMax = 256 * 1024

/** How long the connection of a member a reconfig removed may take to flush what was written to it before it is destroyed, in ms. No ZooKeeper counterpart. */
export const peerCloseLingerMs = 2_000

/** Time one dial to a peer may take, in ms (ZooKeeper: QuorumCnxManager `cnxTimeout`, 5 s). */
export const peerConnectTimeoutMs = 5_000

/** Attempts at binding the election port before a member gives up (ZooKeeper: `zookeeper.electionPortBindRetry`, 3). */
export const electionPortBindRetryDefault = 3

/**
 * Most attempts at binding the election port: `electionPortBindRetry=0` (ZooKeeper: retry forever)
 * retries this many times, so a member that cannot bind says so within about ten minutes.
 */
export const electionPortBindRetryMax = 600

/** Wait between attempts at binding the election port, in ms (ZooKeeper's Listener sleeps 1 s). */
export const electionPortBindRetryIntervalMs = 1_000

/**
 * Largest frame a peer connection may send before its hello is accepted, in bytes. A hello is a
 * msgpackr map of a short tag, a member id and its first address (a host name of at most 253
 * characters and two ports: under 330 bytes), so a longer announced frame is no hello: the connection is closed as soon as its length prefix is read, before any of it is
 * buffered. Only after the hello does {@link peerFrameBytesMax} apply. No ZooKeeper counterpart.
 */
export const peerHelloBytesMax = 1024

/**
 * Peer connections accepted and still waiting for their hello, both ports together; one more is
 * closed at once. Each holds at most one socket read (64 KiB) and {@link peerHelloBytesMax}, so
 * together they hold a few MiB at most. A member's own dials and knocks need two per other member,
 * briefly; one refused by the bound is dialled again. No ZooKeeper counterpart (QuorumCnxManager
 * bounds its connection threads with `quorumCnxnThreadsSize`, 20).
 */
export const peerPendingConnectionsMax = 64

/**
 * Members a transport takes from their hello while no configuration names them yet (servers
 * joining before a reconfig adds them): each is remembered and dialled back, so a peer claiming
 * ever new ids could otherwise grow that table and make the member dial anywhere. A joiner past
 * the bound is refused until a configuration names it. No ZooKeeper counterpart.
 */
export const peerUnknownMembersMax = 16

/**
 * Time an accepted peer connection has to send its hello, in ms from the accept: a deadline, not
 * an idle timeout, so a peer that trickles bytes is closed too (ZooKeeper: QuorumCnxManager
 * `cnxTimeout`, 5 s, the read timeout of the initial message).
 */
export const peerHelloTimeoutMs = 5_000

/**
 * Largest frame of a quorum SASL exchange (after the hello, before the connection is
 * authenticated), in bytes: a DIGEST-MD5 token is at most 4096 bytes, its envelope a few dozen.
 * A longer announced frame closes the connection before any of it is buffered.
 */
export const peerSaslFrameBytesMax = 8 * 1024

/**
 * Time a quorum SASL exchange may take, on either peer protocol, in ms from the hello's
 * acceptance (or, on the dialling side, from the connect; with `peerProtocol=zookeeper` from the
 * initial message, or the quorum connection's start): a deadline, not an idle timeout (ZooKeeper
 * bounds it by the socket's read timeout, `cnxTimeout`, 5 s).
 */
export const peerSaslTimeoutMs = 5_000

/**
 * Challenges an accepting member sends in one quorum SASL exchange before it gives up, and
 * challenges a dialling member answers (on either peer protocol): DIGEST-MD5 needs one
 * (ZooKeeper's SaslQuorumAuthServer allows `MAX_RETRIES`, 5).
 */
export const peerSaslRoundsMax = 5

// ---------------------------------------------------------------------------------------------
// The client (lib/client).

/** Longest a connection may stay idle before the client pings, in ms (ZooKeeper: ClientCnxn `MAX_SEND_PING_INTERVAL`, 10 s). */
export const pingIntervalMsMax = 10_000

/** Path characters in one setWatches request; more are split over several (ZooKeeper: ClientCnxn `SET_WATCHES_MAX_LENGTH`, 128 kB). */
export const setWatchesCharsMax = 128 * 1024

/** Requests allowed to wait for a connection while the client reconnects, unless configured; more fail at once with CONNECTIONLOSS. ZooKeeper queues without a bound. */
export const requestsQueuedMaxDefault = 10_000

/** Largest xid before it wraps to 1 (jute's int; xids below 1 are special, as in ClientCnxn). */
export const xidMax = 0x7fff_ffff

/** How long `close()` waits for the server to confirm closeSession, in ms, unless configured. */
export const closeTimeoutMsDefault = 2_000

/** First wait before a client connected to a read-only server looks for a read-write one, in ms (ZooKeeper: ClientCnxn `minPingRwTimeout`). */
export const pingRwTimeoutMsMin = 100

/** Longest wait between two looks for a read-write server, in ms; the wait doubles up to it (ZooKeeper: ClientCnxn `maxPingRwTimeout`). */
export const pingRwTimeoutMsMax = 60_000

/** How long one `isro` probe of a server may take before it counts as no answer, in ms (ZooKeeper: ClientCnxn.pingRwServer's socket timeout). */
export const isroProbeTimeoutMs = 1_000

/** Bytes an `isro` answer may take; a longer one is not an answer ('rw' or 'ro' is expected). */
export const isroAnswerBytesMax = 64

/** Back-off after every host of the connect string failed once, in ms, unless configured (jittered to between half and all of it; ZooKeeper's client sleeps up to 1 s too). */
export const reconnectDelayMsDefault = 1_000

/**
 * Events a `watch()` stream or a `sessionEvents()` iterator may leave unread, unless configured,
 * before it fails with SYSTEMERROR: the bound on a reader that falls behind. ZooKeeper's client
 * calls watchers from one thread and has no async reader to fall behind.
 */
export const eventsBufferedMaxDefault = 10_000

/** Bytes of each slab that the client cuts copies of small values from (data read and data written), so a value an application or the tree keeps pins at most this much. */
export const readerSlabBytes = 2048

/** Hosts a connect string may name. ZooKeeper's ConnectStringParser has no bound. */
export const connectStringHostsMax = 1000

/** Retries `retry()` makes after the first attempt, unless told (Curator's RetryPolicy `maxRetries`). */
export const retriesDefault = 3

/** Largest number of retries `retry()` accepts. */
export const retriesMax = 1000

/** `retry()`'s delay before the first retry, in ms, unless told; it doubles on each retry (Curator's ExponentialBackoffRetry baseSleepTimeMs). */
export const retryBackoffMsDefault = 100

/** `retry()`'s longest delay between attempts, in ms, unless told (Curator's ExponentialBackoffRetry maxSleepMs). */
export const retryBackoffMsMaxDefault = 5_000

// ---------------------------------------------------------------------------------------------
// Recipes (lib/recipes).

/** Compare-and-set rounds one counter `add()` makes before giving up with BADVERSION; each lost round means another client won one. */
export const casAttemptsMax = 10_000

/** Times a recipe retries an idempotent operation after a transient error (CONNECTIONLOSS and the like) before it rethrows. */
export const transientRetriesMax = 20

/** Times a lock re-creates its node when an operator deleted it while the session lives. */
export const recreateAttemptsMax = 3

// ---------------------------------------------------------------------------------------------
// The command line (lib/cli).

/**
 * Command lines the shell keeps, both for `history`/`redo` and for readline's arrow keys. zkCli.sh
 * keeps every one; a long session should not grow forever.
 */
export const shellHistoryEntriesMax = 1_000

/** Longest command line the shell runs, in characters; a longer one is refused with an error. zkCli.sh has no limit. */
export const shellCommandLineCharsMax = 1_048_576

/** How long the shell's tab completion waits for the children of a path, in ms. */
export const shellCompletionTimeoutMs = 1_000

/** Completions the shell offers at most for one path. */
export const shellCompletionsMax = 1_000

/** Nodes the shell's `ls -R`, `deleteall` and `setAcl -R` visit at most. zkCli.sh has no limit. */
export const shellSubtreeNodesMax = 1_000_000

/** How long the shell's TCP probe of one host may take when a session cannot be opened, in ms. */
export const shellProbeTimeoutMsMax = 2_000

/** Characters of a four-letter-word answer the shell reads to say why it cannot connect. */
export const shellFourLetterWordCharsMax = 4_096

/** Time allowed for one four-letter-word exchange of the `paddock` command, in ms. */
export const fourLetterTimeoutMs = 5_000

/** How long `paddock server start` waits for the server to answer on its client port, in ms. */
export const serverStartWaitMs = 30_000

/** Time one `srvr` probe of `paddock server start` may take, in ms. */
export const serverStartProbeTimeoutMs = 1_000

/** Pause between two probes of `paddock server start`, in ms. */
export const serverStartProbeIntervalMs = 100

/** How long `paddock server stop` waits for the process to exit before SIGKILL, in ms (zkServer.sh stop waits too). */
export const serverStopWaitMs = 15_000

/** Pause between two checks of `paddock server stop` whether the process is gone, in ms. */
export const serverStopPollIntervalMs = 50

/** Members `paddock ensemble` starts unless `--size` says otherwise. */
export const ensembleSizeDefault = 3

/** Most members `paddock ensemble --size` starts (all in one process). */
export const ensembleSizeMax = 9

/** How long `paddock ensemble` waits for every member to serve, in ms. */
export const ensembleServingWaitMs = 60_000

// ---------------------------------------------------------------------------------------------
// The testing kit (lib/testing).

/** Members of a TestingCluster unless told: the smallest ensemble that survives a crash. */
export const clusterSizeDefault = 3

/** tickTime of a TestingCluster's members unless told, in ms: short, so elections and expiry take little real time. */
export const clusterTickTimeMsDefault = 100

/** How long a TestingCluster waits to start and for its members to serve, in ms, unless told. */
export const clusterTimeoutMsDefault = 30_000

/** How long the testing kit waits for a session event by default, in ms of real time. */
export const eventTimeoutMsDefault = 10_000
