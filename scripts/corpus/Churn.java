import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A JVM under allocation churn, for the memory corpus: a session cache of 150,000 entries (strings,
 * boxed counters, small lists) that is read, updated and replaced at random, plus short-lived
 * garbage (string building, temporary arrays) on every operation, so the young generation turns
 * over and the old generation is compacted now and then. Runs until killed.
 * Run: java -Xms128m -Xmx128m Churn.java
 */
public class Churn {
    record Session(String user, long created, List<Integer> hits, StringBuilder log) {}

    public static void main(String[] args) throws Exception {
        SplittableRandom rnd = new SplittableRandom(7);
        Map<Integer, Session> cache = new HashMap<>();
        int keys = 150_000;
        long ops = 0;
        long sink = 0;
        while (true) {
            int k = rnd.nextInt(keys);
            Session s = cache.get(k);
            if (s == null || rnd.nextInt(20) == 0) {
                s = new Session("user-" + k + "@" + Long.toHexString(rnd.nextLong()), System.nanoTime(), new ArrayList<>(), new StringBuilder());
                cache.put(k, s);
            }
            s.hits().add(rnd.nextInt(1000));
            if (s.hits().size() > 16) {
                s.hits().subList(0, 8).clear();
            }
            if (s.log().length() > 200) {
                s.log().setLength(0);
            }
            s.log().append("op ").append(ops).append(';');
            byte[] temp = new byte[64 + rnd.nextInt(512)];
            temp[rnd.nextInt(temp.length)] = (byte) ops;
            sink += temp[0] + String.valueOf(ops).hashCode();
            if (++ops % 200_000 == 0) {
                Thread.sleep(20); // a little idle time, as a service has
            }
            if (sink == 42) {
                System.out.println(sink);
            }
        }
    }
}
