// Apache Curator's side of the recipe interop checks (test/interop/recipes-curator.test.ts).
// Run as a single-file program: java -cp '/usr/share/java/*' CuratorInterop.java HOST:PORT MODE ...
//   contend LOCK INSIDE COUNTER THREADS ROUNDS: THREADS sessions take InterProcessMutex ROUNDS
//     times; inside, each creates the ephemeral INSIDE (NodeExists = two holders = a violation)
//     and does an unversioned read-modify-write of COUNTER.
//   latch PATH ID: joins a LeaderLatch, reports the participants it saw, waits to lead.
//   shared BASE: one JVM for the shared-state recipes, in steps under BASE (a re-entrant,
//     revocable InterProcessMutex, InterProcessSemaphoreMutex and V2, the queues both ways, SharedCount,
//     CuratorCache both ways, GroupMember, DistributedAtomicLong, DistributedBarrier and DoubleBarrier).
//     Each side waits for the other's signal nodes BASE/sig/<name>; each step prints a JSON line
//     {"step":NAME,...} that the Node test matches with its own half.
// Prints JSON lines, the last one the result. Everything is bounded by timeouts.
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.recipes.atomic.AtomicValue;
import org.apache.curator.framework.recipes.atomic.DistributedAtomicLong;
import org.apache.curator.framework.recipes.barriers.DistributedBarrier;
import org.apache.curator.framework.recipes.barriers.DistributedDoubleBarrier;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.locks.InterProcessSemaphoreMutex;
import org.apache.curator.framework.recipes.locks.InterProcessSemaphoreV2;
import org.apache.curator.framework.recipes.locks.Lease;
import org.apache.curator.framework.recipes.nodes.GroupMember;
import org.apache.curator.framework.recipes.locks.Revoker;
import org.apache.curator.framework.recipes.queue.DistributedDelayQueue;
import org.apache.curator.framework.recipes.queue.DistributedIdQueue;
import org.apache.curator.framework.recipes.queue.DistributedPriorityQueue;
import org.apache.curator.framework.recipes.queue.DistributedQueue;
import org.apache.curator.framework.recipes.queue.MultiItem;
import org.apache.curator.framework.recipes.queue.QueueBuilder;
import org.apache.curator.framework.recipes.queue.QueueConsumer;
import org.apache.curator.framework.recipes.queue.QueueSerializer;
import org.apache.curator.framework.recipes.shared.SharedCount;
import org.apache.curator.framework.recipes.shared.VersionedValue;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.Participant;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;

public class CuratorInterop {
    static final int HOLD_MS = 3;
    static final long JOIN_MS = 40_000;

    static CuratorFramework connect(String hosts) throws Exception {
        CuratorFramework client = CuratorFrameworkFactory.newClient(hosts, 10_000, 10_000, new ExponentialBackoffRetry(100, 5));
        client.start();
        if (!client.blockUntilConnected(15, TimeUnit.SECONDS)) throw new IllegalStateException("no connection to " + hosts);
        return client;
    }

    static String contend(String hosts, String lock, String inside, String counter, int threads, int rounds) throws Exception {
        AtomicInteger violations = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        List<CuratorFramework> clients = new ArrayList<>();
        for (int i = 0; i < threads; i++) clients.add(connect(hosts));
        for (CuratorFramework client : clients) {
            Thread t = new Thread(() -> {
                InterProcessMutex mutex = new InterProcessMutex(client, lock);
                try {
                    for (int r = 0; r < rounds; r++) {
                        if (!mutex.acquire(30, TimeUnit.SECONDS)) throw new IllegalStateException("acquire timed out");
                        try {
                            try {
                                client.create().withMode(CreateMode.EPHEMERAL).forPath(inside, "curator".getBytes(StandardCharsets.UTF_8));
                            } catch (KeeperException.NodeExistsException e) {
                                violations.incrementAndGet();
                            }
                            int value = Integer.parseInt(new String(client.getData().forPath(counter), StandardCharsets.UTF_8));
                            Thread.sleep(HOLD_MS);
                            client.setData().forPath(counter, Integer.toString(value + 1).getBytes(StandardCharsets.UTF_8));
                            client.delete().forPath(inside);
                            done.incrementAndGet();
                        } finally {
                            mutex.release();
                        }
                    }
                } catch (Exception e) {
                    e.printStackTrace();
                }
            });
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
        boolean finished = true;
        for (Thread t : workers) {
            t.join(JOIN_MS);
            finished &= !t.isAlive();
        }
        for (CuratorFramework client : clients) client.close();
        return "{\"violations\":" + violations.get() + ",\"rounds\":" + done.get() + ",\"finished\":" + finished + "}";
    }

    static String latch(String hosts, String path, String id) throws Exception {
        CuratorFramework client = connect(hosts);
        LeaderLatch latch = new LeaderLatch(client, path, id);
        latch.start();
        List<String> seen = new ArrayList<>();
        String leaderAtStart = "";
        boolean leadingAtStart = true;
        for (int i = 0; i < 200 && seen.size() < 2; i++) {
            seen.clear();
            for (Participant p : latch.getParticipants()) seen.add(p.getId());
            if (seen.size() < 2) Thread.sleep(50);
        }
        leaderAtStart = latch.getLeader().getId();
        leadingAtStart = latch.hasLeadership();
        System.out.println("{\"joined\":true}");
        System.out.flush();
        boolean led = latch.await(30, TimeUnit.SECONDS);
        String ourPath = latch.getOurPath();
        latch.close();
        client.close();
        StringBuilder ids = new StringBuilder();
        for (String s : seen) ids.append(ids.length() == 0 ? "" : ",").append('"').append(s).append('"');
        return "{\"participantsAtStart\":[" + ids + "],\"leaderAtStart\":\"" + leaderAtStart + "\",\"leadingAtStart\":" + leadingAtStart
            + ",\"becameLeader\":" + led + ",\"ourPath\":\"" + ourPath + "\"}";
    }

    static final long STEP_MS = 20_000;

    static String q(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static String list(List<String> items) {
        StringBuilder b = new StringBuilder("[");
        for (String s : items) b.append(b.length() == 1 ? "" : ",").append(q(s));
        return b.append("]").toString();
    }

    static void emit(String step, String fields) {
        System.out.println("{\"step\":" + q(step) + (fields.isEmpty() ? "" : "," + fields) + "}");
        System.out.flush();
    }

    static void signal(CuratorFramework client, String base, String name) throws Exception {
        client.create().creatingParentsIfNeeded().forPath(base + "/sig/" + name);
    }

    static void awaitSignal(CuratorFramework client, String base, String name) throws Exception {
        long deadline = System.currentTimeMillis() + STEP_MS;
        while (client.checkExists().forPath(base + "/sig/" + name) == null) {
            if (System.currentTimeMillis() > deadline) throw new IllegalStateException("no signal " + name);
            Thread.sleep(20);
        }
    }

    static final QueueSerializer<String> UTF8 = new QueueSerializer<String>() {
        public byte[] serialize(String item) {
            return item.getBytes(StandardCharsets.UTF_8);
        }

        public String deserialize(byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    };

    static QueueConsumer<String> collector(List<String> into) {
        return new QueueConsumer<String>() {
            public void consumeMessage(String message) {
                into.add(message);
            }

            public void stateChanged(CuratorFramework client, ConnectionState newState) {}
        };
    }

    static MultiItem<String> items(String... values) {
        java.util.Iterator<String> it = Arrays.asList(values).iterator();
        return () -> it.hasNext() ? it.next() : null;
    }

    static void awaitSize(List<String> list, int size) throws InterruptedException {
        long deadline = System.currentTimeMillis() + STEP_MS;
        while (list.size() < size && System.currentTimeMillis() < deadline) Thread.sleep(20);
    }

    // A re-entrant, revocable InterProcessMutex: Node revokes Java's hold, then Java revokes Node's.
    static void sharedLock(CuratorFramework client, String base) throws Exception {
        String path = base + "/lock";
        InterProcessMutex mutex = new InterProcessMutex(client, path);
        CountDownLatch revoked = new CountDownLatch(1);
        mutex.makeRevocable(forLock -> revoked.countDown());
        mutex.acquire();
        mutex.acquire();
        List<String> nodes = new ArrayList<>(mutex.getParticipantNodes());
        byte[] data = client.getData().forPath(nodes.get(0));
        emit("javaHoldsTwice", "\"participants\":" + list(nodes) + ",\"dataBytes\":" + data.length);
        signal(client, base, "j-holds");
        boolean asked = revoked.await(STEP_MS, TimeUnit.MILLISECONDS);
        mutex.release();
        boolean stillHeld = mutex.isAcquiredInThisProcess();
        mutex.release();
        emit("javaRevoked", "\"asked\":" + asked + ",\"heldAfterOneRelease\":" + stillHeld);
        awaitSignal(client, base, "n-holds");
        List<String> theirs = new ArrayList<>(mutex.getParticipantNodes());
        Revoker.attemptRevoke(client, theirs.get(0));
        boolean got = mutex.acquire(STEP_MS, TimeUnit.MILLISECONDS);
        emit("javaReacquired", "\"participantsBefore\":" + list(theirs) + ",\"acquired\":" + got);
        if (got) mutex.release();
    }

    static void sharedSemaphoreMutex(CuratorFramework client, String base) throws Exception {
        InterProcessSemaphoreMutex mutex = new InterProcessSemaphoreMutex(client, base + "/smutex");
        mutex.acquire();
        signal(client, base, "j-smutex");
        awaitSignal(client, base, "n-smutex-waiting");
        Thread.sleep(100);
        mutex.release();
        awaitSignal(client, base, "n-smutex-holds");
        boolean got = mutex.acquire(300, TimeUnit.MILLISECONDS);
        if (got) mutex.release();
        emit("javaSemaphoreMutex", "\"acquiredWhileNodeHeld\":" + got);
        signal(client, base, "j-smutex-tried");

        InterProcessSemaphoreV2 semaphore = new InterProcessSemaphoreV2(client, base + "/sem", 2);
        Lease ours = semaphore.acquire();
        signal(client, base, "j-sem");
        awaitSignal(client, base, "n-sem");
        Lease third = semaphore.acquire(300, TimeUnit.MILLISECONDS);
        if (third != null) semaphore.returnLease(third);
        semaphore.returnLease(ours);
        emit("javaSemaphore", "\"thirdLeaseGranted\":" + (third != null));
    }

    static void sharedQueues(CuratorFramework client, String base) throws Exception {
        DistributedQueue<String> fifo = QueueBuilder.builder(client, null, UTF8, base + "/q-j2n").putInBackground(false).buildQueue();
        DistributedPriorityQueue<String> prio = QueueBuilder.builder(client, null, UTF8, base + "/pq-j2n").putInBackground(false).buildPriorityQueue(0);
        DistributedDelayQueue<String> delay = QueueBuilder.builder(client, null, UTF8, base + "/dq-j2n").putInBackground(false).buildDelayQueue();
        DistributedIdQueue<String> ids = QueueBuilder.builder(client, null, UTF8, base + "/id-j2n").putInBackground(false).buildIdQueue();
        fifo.start();
        prio.start();
        delay.start();
        ids.start();
        fifo.put("j1");
        fifo.putMulti(items("j2", "j3"));
        fifo.put("j4");
        prio.put("p5", 5);
        prio.put("pm1", -1);
        prio.put("p0", 0);
        long due = System.currentTimeMillis() + 400;
        delay.put("jd", due);
        ids.put("ji", "x/y");
        List<String> names = new ArrayList<>(client.getChildren().forPath(base + "/pq-j2n"));
        names.addAll(client.getChildren().forPath(base + "/dq-j2n"));
        names.addAll(client.getChildren().forPath(base + "/id-j2n"));
        Collections.sort(names);
        emit("javaQueued", "\"names\":" + list(names) + ",\"due\":" + due);
        signal(client, base, "j-queued");
        fifo.close();
        prio.close();
        delay.close();
        ids.close();

        awaitSignal(client, base, "n-queued");
        List<String> gotFifo = Collections.synchronizedList(new ArrayList<>());
        List<String> gotPrio = Collections.synchronizedList(new ArrayList<>());
        List<String> gotDelay = Collections.synchronizedList(new ArrayList<>());
        List<String> gotIds = Collections.synchronizedList(new ArrayList<>());
        DistributedQueue<String> cFifo = QueueBuilder.builder(client, collector(gotFifo), UTF8, base + "/q-n2j").buildQueue();
        DistributedPriorityQueue<String> cPrio = QueueBuilder.builder(client, collector(gotPrio), UTF8, base + "/pq-n2j").buildPriorityQueue(0);
        DistributedDelayQueue<String> cDelay = QueueBuilder.builder(client, collector(gotDelay), UTF8, base + "/dq-n2j").buildDelayQueue();
        DistributedIdQueue<String> cIds = QueueBuilder.builder(client, collector(gotIds), UTF8, base + "/id-n2j").buildIdQueue();
        String dueNode = client.getChildren().forPath(base + "/dq-n2j").get(0);
        long nodeDue = Long.parseLong(dueNode.substring(dueNode.indexOf('|') + 1, dueNode.lastIndexOf('|')), 16);
        cFifo.start();
        cPrio.start();
        cDelay.start();
        cIds.start();
        awaitSize(gotFifo, 3);
        awaitSize(gotPrio, 3);
        awaitSize(gotIds, 2);
        awaitSize(gotDelay, 1);
        long delayGotAt = System.currentTimeMillis();
        cFifo.close();
        cPrio.close();
        cDelay.close();
        cIds.close();
        emit("javaConsumed", "\"fifo\":" + list(gotFifo) + ",\"priority\":" + list(gotPrio) + ",\"ids\":" + list(gotIds) + ",\"delay\":" + list(gotDelay)
            + ",\"delayHonoured\":" + (delayGotAt >= nodeDue));
    }

    static void sharedCount(CuratorFramework client, String base, int increments) throws Exception {
        SharedCount count = new SharedCount(client, base + "/count", 0);
        AtomicInteger heard = new AtomicInteger();
        count.addListener(new org.apache.curator.framework.recipes.shared.SharedCountListener() {
            public void countHasChanged(org.apache.curator.framework.recipes.shared.SharedCountReader reader, int newCount) {
                heard.incrementAndGet();
            }

            public void stateChanged(CuratorFramework c, ConnectionState s) {}
        });
        count.start();
        signal(client, base, "j-count");
        awaitSignal(client, base, "n-count");
        for (int i = 0; i < increments; i++) {
            for (int attempt = 0; attempt < 1000; attempt++) {
                VersionedValue<Integer> seen = count.getVersionedValue();
                if (count.trySetCount(seen, seen.getValue() + 1)) break;
            }
        }
        signal(client, base, "j-count-done");
        awaitSignal(client, base, "n-count-done");
        long deadline = System.currentTimeMillis() + STEP_MS;
        while (count.getCount() < 2 * increments && System.currentTimeMillis() < deadline) Thread.sleep(20);
        byte[] raw = client.getData().forPath(base + "/count");
        emit("javaCount", "\"count\":" + count.getCount() + ",\"bytes\":" + raw.length + ",\"heardChanges\":" + (heard.get() > 0));
        count.close();
    }

    static String utf8(byte[] bytes) {
        return bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
    }

    // Java writes under cache-j for Paddock's cache; Java's CuratorCache follows what Paddock writes under cache-n.
    static void sharedCache(CuratorFramework client, String base) throws Exception {
        awaitSignal(client, base, "n-cache-ready");
        String j = base + "/cache-j";
        client.create().forPath(j + "/a", "1".getBytes(StandardCharsets.UTF_8));
        Thread.sleep(250);
        client.create().forPath(j + "/a/b", "2".getBytes(StandardCharsets.UTF_8));
        Thread.sleep(250);
        client.setData().forPath(j + "/a", "3".getBytes(StandardCharsets.UTF_8));
        Thread.sleep(250);
        client.delete().forPath(j + "/a/b");
        signal(client, base, "j-cache-done");

        List<String> events = Collections.synchronizedList(new ArrayList<>());
        String n = base + "/cache-n";
        client.create().forPath(n, new byte[0]); // not Curator's default data (the local address)
        CuratorCache cache = CuratorCache.build(client, n);
        cache.listenable().addListener(CuratorCacheListener.builder()
            .forCreates(node -> events.add("created " + node.getPath() + " " + utf8(node.getData())))
            .forChanges((before, after) -> events.add("changed " + after.getPath() + " " + utf8(before.getData()) + "->" + utf8(after.getData())))
            .forDeletes(node -> events.add("deleted " + node.getPath()))
            .forInitialized(() -> events.add("initialized"))
            .build());
        cache.start();
        awaitSize(events, 2);
        signal(client, base, "j-cache-ready");
        awaitSignal(client, base, "n-cache-done");
        long deadline = System.currentTimeMillis() + STEP_MS;
        while (System.currentTimeMillis() < deadline && events.stream().noneMatch(e -> e.startsWith("deleted "))) Thread.sleep(20);
        cache.close();
        emit("javaCache", "\"events\":" + list(new ArrayList<>(events)));
    }

    static void sharedGroup(CuratorFramework client, String base) throws Exception {
        GroupMember member = new GroupMember(client, base + "/group", "java", "jp".getBytes(StandardCharsets.UTF_8));
        member.start();
        long created = System.currentTimeMillis() + STEP_MS;
        while (client.checkExists().forPath(base + "/group/java") == null && System.currentTimeMillis() < created) Thread.sleep(20);
        signal(client, base, "j-group");
        awaitSignal(client, base, "n-group");
        long deadline = System.currentTimeMillis() + STEP_MS;
        while (System.currentTimeMillis() < deadline && !member.getCurrentMembers().containsKey("node")) Thread.sleep(20);
        List<String> seen = new ArrayList<>();
        member.getCurrentMembers().forEach((id, data) -> seen.add(id + "=" + utf8(data)));
        Collections.sort(seen);
        member.close();
        emit("javaGroup", "\"members\":" + list(seen));
    }

    // DistributedAtomicLong against Paddock's SharedCounter (8 bytes), then the two barriers.
    static void sharedCounterAndBarriers(CuratorFramework client, String base, int increments) throws Exception {
        DistributedAtomicLong counter = new DistributedAtomicLong(client, base + "/atomic", new RetryNTimes(1000, 1));
        signal(client, base, "j-atomic");
        awaitSignal(client, base, "n-atomic");
        int failed = 0;
        for (int i = 0; i < increments; i++) {
            AtomicValue<Long> result = counter.increment();
            if (!result.succeeded()) failed++;
        }
        signal(client, base, "j-atomic-done");
        awaitSignal(client, base, "n-atomic-done");
        byte[] raw = client.getData().forPath(base + "/atomic");
        emit("javaAtomic", "\"value\":" + counter.get().postValue() + ",\"failed\":" + failed + ",\"bytes\":" + raw.length);

        DistributedBarrier barrier = new DistributedBarrier(client, base + "/barrier");
        barrier.setBarrier();
        signal(client, base, "j-barrier-set");
        awaitSignal(client, base, "n-barrier-waiting");
        Thread.sleep(100);
        barrier.removeBarrier();

        DistributedDoubleBarrier twice = new DistributedDoubleBarrier(client, base + "/double", 2);
        boolean entered = twice.enter(STEP_MS, TimeUnit.MILLISECONDS);
        boolean left = entered && twice.leave(STEP_MS, TimeUnit.MILLISECONDS);
        emit("javaBarriers", "\"entered\":" + entered + ",\"left\":" + left);
    }

    static String shared(String hosts, String base) throws Exception {
        CuratorFramework client = connect(hosts);
        try {
            sharedLock(client, base);
            sharedSemaphoreMutex(client, base);
            sharedQueues(client, base);
            sharedCount(client, base, 25);
            sharedCache(client, base);
            sharedGroup(client, base);
            sharedCounterAndBarriers(client, base, 25);
        } finally {
            client.close();
        }
        return "{\"step\":\"done\"}";
    }

    public static void main(String[] args) throws Exception {
        String hosts = args[0];
        String result;
        switch (args[1]) {
            case "contend":
                result = contend(hosts, args[2], args[3], args[4], Integer.parseInt(args[5]), Integer.parseInt(args[6]));
                break;
            case "latch":
                result = latch(hosts, args[2], args[3]);
                break;
            case "shared":
                result = shared(hosts, args[2]);
                break;
            default:
                throw new IllegalArgumentException("unknown mode " + args[1]);
        }
        System.out.println(result);
        System.exit(0);
    }
}
