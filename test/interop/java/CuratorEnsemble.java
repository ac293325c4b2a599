// Curator 5's EnsembleTracker against a Paddock ensemble: connects with a connection string that
// names one member, prints the connection string Curator holds once connected, then waits (at
// most 60 s) until the string Curator tracks from /zookeeper/config names the client address in
// args[1] and prints it. Exit 0 when tracked, 1 when not, 2 when it never connected.
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;

public class CuratorEnsemble {
  public static void main(String[] args) throws Exception {
    String connectString = args[0];
    String wanted = args[1];
    CuratorFramework client = CuratorFrameworkFactory.builder()
        .connectString(connectString)
        .retryPolicy(new RetryOneTime(100))
        .ensembleTracker(true)
        .build();
    client.start();
    if (!client.blockUntilConnected(30, TimeUnit.SECONDS)) {
      System.out.println("NOT CONNECTED");
      System.exit(2);
    }
    System.out.println("CONNECTED " + client.getZookeeperClient().getCurrentConnectionString());
    System.out.flush();
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      String current = client.getZookeeperClient().getCurrentConnectionString();
      if (current.contains(wanted)) {
        System.out.println("TRACKED " + current);
        client.close();
        System.exit(0);
      }
      Thread.sleep(50);
    }
    System.out.println("NOT TRACKED " + client.getZookeeperClient().getCurrentConnectionString());
    System.exit(1);
  }
}
