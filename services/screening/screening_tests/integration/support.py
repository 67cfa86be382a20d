"""What screening's tests over the real broker share: the service's settings for one test."""
from screening.config import Settings


def settings_for(kafka_bootstrap: str, topic_prefix: str, database_url: str, tmp_path,
                 **more) -> Settings:
    """Screening on the test's broker, prefix and store, with short timeouts and polls."""
    return Settings(KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap, VOD_TOPIC_PREFIX=topic_prefix,
                    SCREENING_DATABASE_URL=database_url, VOD_DATA_DIR=str(tmp_path),
                    KAFKA_SESSION_TIMEOUT_MS=6000, OUTBOX_POLL_INTERVAL_S=0.2,
                    CONSUMER_RETRY_BACKOFF_S=0.05,
                    STAFF_SESSION_SECRET="screening-tests-staff-session-secret-0123456789",
                    **more)
