// Method: Apache Curator's TestingCluster(3) timed as a Curator user's test meets it, in one fresh
// JVM: each round builds a new cluster (three ZooKeeper members in this JVM, on 127.0.0.1 only),
// times its start to the first acknowledged create through a CuratorFramework on the cluster's
// connect string, asks every member `srvr` which one leads, kills that one with killServer and
// times the kill to the next acknowledged create through the same client, which reconnects to a
// survivor. The first round pays for class loading and a cold JIT; the bench reports it apart.
// Prints one JSON line per round, with the wall-clock time of its first write (from which the
// bench times its spawn of this JVM to that write); exits 1 with the reason on stderr when a round fails.
//
// Usage: java -cp CLASSES:curator-test.jar:curator-framework.jar:slf4j-nop.jar CuratorTestingClusterBench ROUNDS
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.zookeeper.KeeperException;

public final class CuratorTestingClusterBench {
  /** Voting members of the cluster. */
  private static final int membersCount = 3;
  /** Rounds one JVM may be asked for. */
  private static final int roundsMax = 100;
  /** Create attempts one measurement may make before it gives up. */
  private static final int attemptsMax = 10_000;
  /** How long one measurement (a first or a next create, or finding the leader) may take, ms. */
  private static final long measureTimeoutMs = 60_000;
  /** The pause after a failed create before the next attempt, ms. */
  private static final long retryPauseMs = 5;
  /** How long one `srvr` exchange may take, ms. */
  private static final int srvrTimeoutMs = 2_000;
  /** The most of a `srvr` reply that is read, bytes. */
  private static final int srvrReplyBytesMax = 64 * 1024;
  /** Every port the cluster listens on is on this address, and nothing else. */
  private static final String loopback = "127.0.0.1";

  public static void main(String[] args) throws Exception {
    int rounds = Integer.parseInt(args[0]);
    if (rounds < 1 || rounds > roundsMax) throw new IllegalArgumentException("rounds must be 1 to " + roundsMax + ", not " + rounds);
    // ZooKeeper's and Curator's thread pools may leave non-daemon threads behind, after close and
    // after a failure alike: the JVM exits explicitly either way.
    try {
      for (int round = 1; round <= rounds; round++) {
        System.out.println(round(round));
        System.out.flush();
      }
    } catch (Exception e) {
      e.printStackTrace();
      System.exit(1);
    }
    System.exit(0);
  }

  /** One cluster from construction to close; returns the round's JSON line. */
  private static String round(int round) throws Exception {
    long startedAt = System.nanoTime();
    List<InstanceSpec> specs = loopbackSpecs();
    try (TestingCluster cluster = new TestingCluster(specs)) {
      cluster.start();
      // No retries inside Curator: every attempt still waits for a connection (up to Curator's
      // connection timeout), and the bounded loop below retries what fails.
      try (CuratorFramework client = CuratorFrameworkFactory.newClient(cluster.getConnectString(), new RetryNTimes(0, 0))) {
        client.start();
        int firstAttempts = createUntilAcknowledged(client, "/first");
        long firstWriteAt = System.nanoTime();
        long firstWriteEpochMs = System.currentTimeMillis();
        InstanceSpec leader = leaderOf(specs);
        long killAt = System.nanoTime();
        if (!cluster.killServer(leader)) throw new IllegalStateException("killServer did not find the leader " + leader.getServerId());
        long killedAt = System.nanoTime();
        int nextAttempts = createUntilAcknowledged(client, "/next");
        long nextWriteAt = System.nanoTime();
        return String.format(Locale.ROOT,
            "{\"round\":%d,\"firstWriteEpochMs\":%d,\"startToWriteMs\":%.3f,\"killMs\":%.3f,\"killToWriteMs\":%.3f,\"leader\":%d,\"firstAttempts\":%d,\"nextAttempts\":%d}",
            round, firstWriteEpochMs, msBetween(startedAt, firstWriteAt), msBetween(killAt, killedAt), msBetween(killAt, nextWriteAt),
            leader.getServerId(), firstAttempts, nextAttempts);
      }
    }
  }

  private static double msBetween(long fromNanos, long toNanos) {
    return (toNanos - fromNanos) / 1e6;
  }

  /**
   * Specs that keep the cluster on loopback: Curator's defaults bind the client port on every
   * address (ZooKeeper's clientPort without clientPortAddress), let ZooKeeper start its admin
   * server on port 8080 of every address, and find free ports by binding every address. Here the
   * ports are found on 127.0.0.1, the members name each other by 127.0.0.1 (so the election and
   * quorum ports listen there), the client port is bound there, and the admin server is off.
   * Everything else (tickTime, initLimit, syncLimit, temporary data directories) is Curator's default.
   */
  private static List<InstanceSpec> loopbackSpecs() throws IOException {
    Map<String, Object> properties = Map.of("clientPortAddress", loopback, "admin.enableServer", "false");
    int[] ports = loopbackPorts(membersCount * 3);
    List<InstanceSpec> specs = new ArrayList<>();
    for (int i = 0; i < membersCount; i++) {
      int serverId = i + 1;
      specs.add(new InstanceSpec(null, ports[3 * i], ports[3 * i + 1], ports[3 * i + 2], true, serverId, -1, -1, properties, loopback));
    }
    return specs;
  }

  /** `count` distinct free ports on 127.0.0.1: all are held open until the last is found. */
  private static int[] loopbackPorts(int count) throws IOException {
    InetAddress address = InetAddress.getByName(loopback);
    List<ServerSocket> held = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0, 1, address);
        held.add(socket);
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket socket : held) socket.close();
    }
  }

  /**
   * Creates `path` until a create is acknowledged; returns the attempts it took. NODEEXISTS counts
   * as acknowledged: an earlier attempt was committed and its reply lost with the connection.
   */
  private static int createUntilAcknowledged(CuratorFramework client, String path) throws Exception {
    long deadline = System.nanoTime() + measureTimeoutMs * 1_000_000L;
    KeeperException last = null;
    for (int attempt = 1; attempt <= attemptsMax && System.nanoTime() < deadline; attempt++) {
      try {
        client.create().forPath(path);
        return attempt;
      } catch (KeeperException.NodeExistsException e) {
        return attempt;
      } catch (KeeperException e) {
        last = e;
        Thread.sleep(retryPauseMs);
      }
    }
    throw new IllegalStateException("no create of " + path + " acknowledged within " + attemptsMax + " attempts or " + measureTimeoutMs + " ms", last);
  }

  /** The member whose `srvr` says `Mode: leader`, asked until one does. */
  private static InstanceSpec leaderOf(List<InstanceSpec> specs) throws Exception {
    long deadline = System.nanoTime() + measureTimeoutMs * 1_000_000L;
    while (System.nanoTime() < deadline) {
      for (InstanceSpec spec : specs) {
        if (srvr(spec.getPort()).contains("Mode: leader")) return spec;
      }
      Thread.sleep(retryPauseMs);
    }
    throw new IllegalStateException("no member said it leads within " + measureTimeoutMs + " ms");
  }

  /** ZooKeeper's `srvr` four-letter word on 127.0.0.1:port (ZooKeeper 3.8 allows it by default); "" when it cannot answer. */
  private static String srvr(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(loopback, port), srvrTimeoutMs);
      socket.setSoTimeout(srvrTimeoutMs);
      OutputStream out = socket.getOutputStream();
      out.write("srvr".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream reply = new ByteArrayOutputStream();
      byte[] buffer = new byte[4096];
      for (int n; reply.size() < srvrReplyBytesMax && (n = in.read(buffer)) > 0; ) reply.write(buffer, 0, n);
      return reply.toString(StandardCharsets.US_ASCII);
    } catch (IOException e) {
      return "";
    }
  }
}
