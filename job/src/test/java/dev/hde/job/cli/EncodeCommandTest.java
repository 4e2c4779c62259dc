package dev.hde.job.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.job.config.HdeJobConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class EncodeCommandTest {

    @Test
    void encodeFlagsMapOntoTheConfiguration() {
        var cli = HdeCli.commandLine();
        var parsed = cli.parseArgs("encode", "-b", "k1:9092,k2:9092", "-Dkafka.security.protocol=SSL", "--frames-topic", "f",
                "--checkpoint-interval", "2s", "--state-backend", "rocksdb", "--restart-attempts", "5", "--restart-delay", "250ms",
                "--transactional-id-prefix", "site-a", "--transaction-timeout", "5m", "-p", "3", "--preset", "fast", "--max-chain", "4",
                "--refresh-interval", "1m", "--max-age", "2m", "--no-size-rule", "--idle-timeout", "10m", "--max-region-pages", "1024",
                "--bounded", "--managed-memory", "2GiB");
        HdeJobConfig c = ((EncodeCommand) parsed.subcommand().commandSpec().userObject()).config();

        assertThat(c.bootstrapServers()).isEqualTo("k1:9092,k2:9092");
        assertThat(c.kafkaClientProperties()).containsEntry("security.protocol", "SSL");
        assertThat(c.framesTopic()).isEqualTo("f");
        assertThat(c.checkpointInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.stateBackend()).isEqualTo(HdeJobConfig.StateBackend.ROCKSDB);
        assertThat(c.restartAttempts()).isEqualTo(5);
        assertThat(c.restartDelay()).isEqualTo(Duration.ofMillis(250));
        assertThat(c.transactionalIdPrefix()).isEqualTo("site-a");
        assertThat(c.transactionTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.parallelism()).isEqualTo(3);
        assertThat(c.describeSpecs()).isEqualTo("xbzrle+lz4");
        assertThat(c.refreshPolicy().maxChain()).isEqualTo(4);
        assertThat(c.refreshPolicy().interval()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.refreshPolicy().maxAge()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.refreshPolicy().sizeRule()).isFalse();
        assertThat(c.refreshPolicy().idleTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.limits().maxRegionPages()).isEqualTo(1024);
        assertThat(c.bounded()).isTrue();
        assertThat(c.flinkOptions()).containsEntry("taskmanager.memory.managed.size", "2 gb");
    }

    @Test
    void aManagedMemoryBelowOneMebibyteIsRefusedAtParseTime() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> HdeCli.commandLine().parseArgs("encode", "--managed-memory", "0"))
                .isInstanceOf(picocli.CommandLine.ParameterException.class).hasMessageContaining("less than 1MiB");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> HdeCli.commandLine().parseArgs("bench-pipeline", "--managed-memory", "512k"))
                .isInstanceOf(picocli.CommandLine.ParameterException.class).hasMessageContaining("less than 1MiB");
    }

    @Test
    void defaultsOfTheCommandAreTheConfigurationDefaults() {
        var parsed = HdeCli.commandLine().parseArgs("encode");
        HdeJobConfig c = ((EncodeCommand) parsed.subcommand().commandSpec().userObject()).config();
        HdeJobConfig d = new HdeJobConfig();

        assertThat(c.bootstrapServers()).isEqualTo(d.bootstrapServers());
        assertThat(c.checkpointInterval()).isEqualTo(d.checkpointInterval());
        assertThat(c.encodeSpecs()).isEqualTo(d.encodeSpecs());
        assertThat(c.refreshPolicy()).isEqualTo(d.refreshPolicy());
        assertThat(c.limits()).isEqualTo(d.limits());
        assertThat(c.bounded()).isFalse();
    }

    @Test
    void selectorFlagsMapOntoTheConfiguration() {
        var parsed = HdeCli.commandLine().parseArgs("encode", "--selector", "adaptive", "--network-mode", "hybrid", "--link-bandwidth", "2.5G",
                "--exploration", "0.05", "--warmup-exploration", "0.2", "--selector-seed", "9", "--selector-publish-interval", "5s",
                "--selector-window", "1m", "--selector-generation", "3");
        HdeJobConfig c = ((EncodeCommand) parsed.subcommand().commandSpec().userObject()).config();

        assertThat(c.selectorMode()).isEqualTo(HdeJobConfig.SelectorMode.ADAPTIVE);
        assertThat(c.link()).isEqualTo(new dev.hde.codec.select.Link(dev.hde.codec.select.NetworkMode.HYBRID, 2_500_000_000L));
        var selector = c.encoderSettings().selector();
        assertThat(selector).isNotNull();
        assertThat(selector.epsilon()).isEqualTo(0.05);
        assertThat(selector.warmupRate()).isEqualTo(0.2);
        assertThat(selector.seed()).isEqualTo(9);
        assertThat(c.encoderSettings().adaptive()).isTrue();
        assertThat(c.selectorTrainerSettings().publishInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.selectorTrainerSettings().bucket()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.selectorTrainerSettings().generation()).isEqualTo(3);
        assertThat(c.selectorTrainerEnabled()).isTrue();
        HdeJobConfig copy = c.copy();
        assertThat(copy.encoderSettings()).isEqualTo(c.encoderSettings());
        assertThat(copy.selectorTrainerSettings()).isEqualTo(c.selectorTrainerSettings());

        HdeJobConfig defaults = ((EncodeCommand) HdeCli.commandLine().parseArgs("encode", "--no-selector-trainer").subcommand().commandSpec()
                .userObject()).config();
        assertThat(defaults.selectorMode()).isEqualTo(HdeJobConfig.SelectorMode.FIXED);
        assertThat(defaults.encoderSettings().selector()).isNull();
        assertThat(defaults.link()).isEqualTo(dev.hde.codec.select.NetworkMode.DATACENTER.link());
        assertThat(defaults.selectorTrainerEnabled()).isFalse();
        assertThat(defaults.dictionariesEnabled()).isFalse();
        assertThat(defaults.encoderTopics()).doesNotContain("hde.dictionaries");

        HdeJobConfig dictionaries = ((EncodeCommand) HdeCli.commandLine().parseArgs("encode", "--selector", "adaptive", "--dictionaries",
                "--dictionaries-topic", "d").subcommand().commandSpec().userObject()).config();
        assertThat(dictionaries.dictionariesEnabled()).isTrue();
        assertThat(dictionaries.dictionariesTopic()).isEqualTo("d");
        assertThat(dictionaries.encoderTopics()).contains("d");
        assertThat(dictionaries.compactedTopics()).contains("d");
        assertThat(dictionaries.encoderTopicUses()).anyMatch(u -> u.topic().equals("d") && u.writes())
                .anyMatch(u -> u.topic().equals("d") && u.reads());
        assertThat(new BandwidthConverter().convert("300Mbit/s")).isEqualTo(300_000_000L);
        assertThat(new BandwidthConverter().convert("1gbps")).isEqualTo(1_000_000_000L);
        assertThat(new BandwidthConverter().convert("64000")).isEqualTo(64_000L);
    }

    @Test
    void catalogFlagsMapOntoTheConfiguration() {
        var parsed = HdeCli.commandLine().parseArgs("encode", "--site-id", "dc-2", "--catalog-topic", "c", "--catalog-buckets", "128",
                "--anti-entropy-interval", "5s", "--catalog-publish-interval", "250ms", "--catalog-state-interval", "0");
        HdeJobConfig c = ((EncodeCommand) parsed.subcommand().commandSpec().userObject()).config();

        assertThat(c.siteId()).isEqualTo("dc-2");
        assertThat(c.catalogEnabled()).isTrue();
        assertThat(c.catalogTopic()).isEqualTo("c");
        assertThat(c.catalogBuckets()).isEqualTo(128);
        assertThat(c.antiEntropyInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.catalogPublishInterval()).isEqualTo(Duration.ofMillis(250));
        assertThat(c.catalogStateInterval()).isZero();
        assertThat(c.catalogMergerSettings().site()).isEqualTo("dc-2");

        var off = HdeCli.commandLine().parseArgs("encode", "--no-catalog");
        assertThat(((EncodeCommand) off.subcommand().commandSpec().userObject()).config().catalogEnabled()).isFalse();
        var bad = HdeCli.commandLine().parseArgs("encode", "--site-id", "not a site id");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ((EncodeCommand) bad.subcommand().commandSpec().userObject()).config())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("site id");
    }
}
