// Apache Curator's side of the recipe interop checks (test/interop/recipes-curator.test.ts).
// Run as a single-file program: java -cp '/usr/share/java/*' CuratorInterop.java HOST:PORT MODE ...
//   contend LOCK INSIDE COUNTER THREADS ROUNDS: THREADS sessions take InterProcessMutex ROUNDS
//     times; inside, each creates the ephemeral INSIDE (NodeExists = two holders = a violation)
//     and does an unversioned read-modify-write of COUNTER.
//   latch PATH ID: joins a LeaderLatch, reports the participants it saw, waits to lead.
// Prints one JSON line. Everything is bounded by timeouts.
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.Participant;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.retry.ExponentialBackoffRetry;
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
            default:
                throw new IllegalArgumentException("unknown mode " + args[1]);
        }
        System.out.println(result);
        System.exit(0);
    }
}
