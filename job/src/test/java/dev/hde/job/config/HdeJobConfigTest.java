package dev.hde.job.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HdeJobConfigTest {

    @Test
    void defaultsAreExactlyOnceWithExplicitRestartsAndNoGenericTypes() {
        HdeJobConfig c = new HdeJobConfig();
        Configuration f = c.flinkConfiguration();

        assertThat(f.get(PipelineOptions.GENERIC_TYPES)).isFalse();
        assertThat(f.get(CheckpointingOptions.CHECKPOINTING_INTERVAL)).isEqualTo(Duration.ofSeconds(10));
        assertThat(f.get(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE)).isEqualTo(CheckpointingMode.EXACTLY_ONCE);
        assertThat(f.get(RestartStrategyOptions.RESTART_STRATEGY)).isEqualTo("fixed-delay");
        assertThat(f.get(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS)).isEqualTo(3);
        assertThat(f.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("hashmap");
        assertThat(f.get(CheckpointingOptions.CHECKPOINT_STORAGE)).isEqualTo("filesystem");
        assertThat(c.transactionTimeout()).isLessThan(Duration.ofMinutes(15)); // the broker's default transaction.max.timeout.ms
        assertThat(c.pageUpdatesTopic()).isEqualTo("hde.page-updates");
        assertThat(c.framesTopic()).isEqualTo("hde.frames");
        assertThat(c.deadLettersTopic()).isEqualTo("hde.dead-letters");
        assertThat(c.selectorModelTopic()).isEqualTo("hde.selector-model");
    }

    @Test
    void modelsGoInBandWithTheAdaptiveSelectorAndTheKeyGroupsAreFlinksOwnUnlessSet() {
        HdeJobConfig c = new HdeJobConfig();
        assertThat(c.selectorModelsInBand()).as("fixed: no models to take").isFalse();
        assertThat(c.writesSelectorModelsInBand()).as("fixed: none to write").isFalse();
        assertThat(c.copy().selectorModels(HdeJobConfig.SelectorModels.IN_BAND).writesSelectorModelsInBand())
                .as("a fixed job that learns for an adaptive one, when asked").isTrue();
        assertThat(c.selectorMode(HdeJobConfig.SelectorMode.ADAPTIVE).selectorModelsInBand()).isTrue();
        assertThat(c.writesSelectorModelsInBand()).isTrue();
        assertThat(c.copy().selectorTrainerEnabled(false).writesSelectorModelsInBand()).as("no trainer").isFalse();
        assertThat(c.copy().selectorTrainerEnabled(false).selectorModelsInBand()).as("takes another job's").isTrue();
        assertThat(c.copy().selectorModels(HdeJobConfig.SelectorModels.ON_ARRIVAL).selectorModelsInBand()).isFalse();
        assertThat(c.copy().selectorModels(HdeJobConfig.SelectorModels.ON_ARRIVAL).writesSelectorModelsInBand()).isFalse();
        assertThat(c.copy().selectorModelsInBand()).as("copied").isTrue();

        assertThat(c.maxParallelism()).as("the cluster's parallelism").isEqualTo(128);
        assertThat(c.parallelism(2).maxParallelism()).isEqualTo(128);
        assertThat(c.parallelism(100).maxParallelism()).as("what Flink would choose for 100").isEqualTo(256);
        c.flinkOption("pipeline.max-parallelism", "512");
        assertThat(c.maxParallelism()).isEqualTo(512);
        c.flinkOption("pipeline.max-parallelism", "many");
        assertThatThrownBy(c::maxParallelism).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("many");
    }

    @Test
    void rocksDbHasIncrementalCheckpoints() {
        Configuration f = new HdeJobConfig().stateBackend(HdeJobConfig.StateBackend.ROCKSDB).flinkConfiguration();
        assertThat(f.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
        assertThat(f.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)).isTrue();
    }

    @Test
    void kafkaPropertiesComeFromFileThenOverridesAndSecretsAreNeverShown(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, """
                security.protocol=SASL_SSL
                sasl.mechanism=SCRAM-SHA-512
                sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="hde" password="s3cret";
                ssl.truststore.location=/etc/kafka/truststore.jks
                ssl.truststore.password=trust-me
                """);
        HdeJobConfig c = new HdeJobConfig().loadKafkaProperties(file)
                .applyKafkaOverrides(Map.of("kafka.sasl.mechanism", "SCRAM-SHA-256", "kafka.bootstrap.servers", "broker:9093", "other", "x"));

        assertThat(c.kafkaClientProperties())
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-256")
                .containsEntry("bootstrap.servers", "broker:9093")
                .doesNotContainKey("other");
        assertThat(c.describe()).doesNotContain("s3cret").doesNotContain("trust-me").contains("SCRAM-SHA-256").contains("[hidden]");
        assertThat(HdeJobConfig.isSecret("ssl.key.password")).isTrue();
        assertThat(HdeJobConfig.isSecret("ssl.keystore.key")).isTrue();
        assertThat(HdeJobConfig.isSecret("security.protocol")).isFalse();
    }

    @Test
    void catalogSettingsAreCheckedAndCopied() {
        HdeJobConfig c = new HdeJobConfig();
        assertThat(c.siteId()).isEqualTo("site-a");
        assertThat(c.catalogEnabled()).isTrue();
        assertThat(c.catalogTopic()).isEqualTo("hde.catalog");
        assertThat(c.catalogBuckets()).isEqualTo(64);
        assertThat(c.decodeFromCatalog()).isFalse();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.siteId("two words")).isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.siteId("x".repeat(65))).isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.catalogBuckets(0)).isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.antiEntropyInterval(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);

        c.siteId("dc-1").catalogTopic("t").catalogBuckets(16).antiEntropyInterval(Duration.ofSeconds(3))
                .catalogPublishInterval(Duration.ofMillis(100)).catalogStateInterval(Duration.ZERO).decodeFromCatalog(true)
                .keyframeSeekSlack(Duration.ZERO).catalogEnabled(false);
        HdeJobConfig d = c.copy();
        assertThat(d.siteId()).isEqualTo("dc-1");
        assertThat(d.catalogTopic()).isEqualTo("t");
        assertThat(d.catalogBuckets()).isEqualTo(16);
        assertThat(d.antiEntropyInterval()).isEqualTo(Duration.ofSeconds(3));
        assertThat(d.catalogPublishInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(d.catalogStateInterval()).isZero();
        assertThat(d.decodeFromCatalog()).isTrue();
        assertThat(d.keyframeSeekSlack()).isZero();
        assertThat(d.catalogEnabled()).isFalse();
        assertThat(d.catalogMergerSettings().bucketCount()).isEqualTo(16);
        assertThat(d.describe()).contains("site dc-1").contains("catalog off");
    }
}
