package dev.hde.job.replay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.job.embedded.EmbeddedKafka;
import dev.hde.job.embedded.WorkloadPublisher;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code hde replay} of the page-updates topic between two offsets and between two times, on the in-process broker. */
class ReplayTopicTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = ReplayTestSupport.miniCluster();

    static final String TOPIC = "replay.page-updates";
    static EmbeddedKafka kafka;

    /** One partition, so offsets follow publication: a malformed record at 0, then 4 regions x 7 rounds of events at 1..28. */
    @BeforeAll
    static void publish() throws Exception {
        kafka = EmbeddedKafka.start();
        kafka.createTopics(1, List.of(TOPIC), Set.of());
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", kafka.bootstrapServers());
        List<PageUpdateEvent> events = new ArrayList<>();
        new SyntheticMixed(2, 2, 16, 3, 3, 0.3, 0.3, 11).generate(events::add);
        try (WorkloadPublisher out = new WorkloadPublisher(p, TOPIC)) {
            out.send("vm-00/r0000", "not an event".getBytes(StandardCharsets.US_ASCII), 0);
            out.send(events);
            out.flush();
        }
        assertThat(events).hasSize(28);
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void replaysTheRecordsBetweenTwoOffsets(@TempDir Path tmp) throws Exception {
        ReplayTestSupport.Run r = ReplayTestSupport.replay(tmp, "-b", kafka.bootstrapServers(), "--page-updates-topic", TOPIC,
                "--from-offset", "0", "--to-offset", "17", "--refresh", "chain-2");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains(TOPIC + " partitions 0:[0,17)");
        assertThat(r.out()).contains("refused input records: 1 {BAD_MAGIC=1}");
        r.entries().values().forEach(e -> assertThat(e.get("verified").asBoolean()).as(e.toString()).isTrue());
        List<String> rows = Files.readAllLines(tmp.resolve(ReportWriter.CONFIGURATIONS_CSV));
        List<String> header = List.of(rows.get(0).split(","));
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split(",");
            // offsets 1..16: rounds 0 to 3 of the 4 regions; a keyframe per region, then a delta per round
            assertThat(f[header.indexOf("events")]).as(row).isEqualTo("16");
            assertThat(f[header.indexOf("frames")]).as(row).isEqualTo("16");
            assertThat(f[header.indexOf("full_frames")]).as(row).isEqualTo(f[0].endsWith("/chain-2") ? "8" : "4");
        }
    }

    @Test
    void replaysTheRecordsBetweenTwoTimesStartingMidStream(@TempDir Path tmp) throws Exception {
        // capture times are round x 1 s: rounds 2 and 3, so every region starts with a delta event, made a keyframe here
        ReplayTestSupport.Run r = ReplayTestSupport.replay(tmp, "-b", kafka.bootstrapServers(), "--page-updates-topic", TOPIC,
                "--from-time", "2000", "--to-time", "1970-01-01T00:00:04Z", "--refresh", "none");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).doesNotContain("refused");
        r.entries().values().forEach(e -> assertThat(e.get("verified").asBoolean()).as(e.toString()).isTrue());
        List<String> rows = Files.readAllLines(tmp.resolve(ReportWriter.CONFIGURATIONS_CSV));
        List<String> header = List.of(rows.get(0).split(","));
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split(",");
            assertThat(f[header.indexOf("events")]).as(row).isEqualTo("8");
            assertThat(f[header.indexOf("full_frames")]).as(row).isEqualTo("4");
        }
    }
}
