import { DEFAULT_SKIP_RESOURCES, DEFAULT_SKIP_USER_AGENT_SUBSTRINGS } from "../ingest/audit/defaults";
import type { ConvertOptions } from "../ingest/audit/types";
import { DEFAULT_SENSITIVE_RULES, hmacFingerprint } from "../model/redact/redact";

/** What ingest converts with by default (noise skipped, Secrets redacted), keyed for tests. */
export const TEST_CONVERT_OPTIONS: ConvertOptions = {
  skipResources: DEFAULT_SKIP_RESOURCES,
  skipUserAgentSubstrings: DEFAULT_SKIP_USER_AGENT_SUBSTRINGS,
  sensitive: DEFAULT_SENSITIVE_RULES,
  fingerprint: hmacFingerprint("test-key-0123456789"),
};
