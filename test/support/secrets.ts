/**
 * The fixed secrets of the test harness (never valid in production: they are on the
 * repository's denylist, libs/config/src/secret-strength.ts). Every test that builds a config
 * for the real API or worker takes them from here, so both sides share one codec key.
 */
export const TEST_JWT_SECRET = 'e2e-secret-which-is-long-enough-0123456789';
export const TEST_AUDIT_HMAC_KEY = 'test-audit-hmac-key-7Qm2vX9pL4sR8tW1yZ6bN3cF5hJ0kD';
/** Two keys: `test-2` encrypts, `test-1` is an older key kept for decoding (rotation). */
export const TEST_TEMPORAL_CODEC_KEYS = 'test-2:dGVzdC1jb2RlYy1rZXktMi0wMTIzNDU2Nzg5YWJjZGU=,test-1:dGVzdC1jb2RlYy1rZXktMS0wMTIzNDU2Nzg5YWJjZGU=';

/** Environment variables for loadConfig: the secrets every part needs. */
export const TEST_SECRET_ENV: Readonly<Record<string, string>> = {
  JWT_SECRET: TEST_JWT_SECRET,
  AUDIT_HMAC_KEY: TEST_AUDIT_HMAC_KEY,
  TEMPORAL_CODEC_KEYS: TEST_TEMPORAL_CODEC_KEYS,
};

/** The application's own database login in tests (cluster-wide, made by the global setup). */
export const TEST_APP_DB_USER = 'quotaflow_app_user';
export const TEST_APP_DB_PASSWORD = 'test-app-login-password';
